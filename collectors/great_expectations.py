"""Great Expectations validation results: GX 1.x and the legacy 0.18 shape.

Reads what GX writes: ``ValidationResult.to_json_dict()`` (1.x, key ``type`` and
``suite_name``), the 0.18 shape (``expectation_type``, ``meta.expectation_suite_name``), a
checkpoint result's ``to_json_dict()`` with its ``run_results``, and the file-context store
layout ``gx/uncommitted/validations/<suite>/<run>/<time>/<batch>.json``, whose path fills
in what the document leaves out. ``describe_dict()`` output carries neither a suite nor a
run time; it is read only where the store layout supplies them, and refused otherwise.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from collectors import CollectorParseError, NotEvidence, SourceContext
from collectors.json_text import loads
from governance.model import CheckResult

# <suite>/<run name or __none__>/<YYYYMMDDTHHMMSS.ffffffZ>/<batch>.json at the end of a path
_STORE_LAYOUT = re.compile(
    r"(?:^|/)(?P<suite>[^/]+)/(?P<run>[^/]+)/(?P<time>\d{8}T\d{6}(?:\.\d+)?Z)/(?P<batch>[^/]+)\.json$"
)
_COMPACT_TIME = re.compile(r"^\d{8}T\d{6}(?:\.\d+)?Z$")


def parse_gx_time(value: Any) -> datetime | None:
    """GX writes ISO 8601 times (1.x) and compact ones like 20261124T032917.527098Z (0.18)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if _COMPACT_TIME.match(text):
        fmt = "%Y%m%dT%H%M%S.%fZ" if "." in text else "%Y%m%dT%H%M%SZ"
        return datetime.strptime(text, fmt).replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # A zoneless time from GX is local to nobody we know; UTC is what GX itself writes.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


class GreatExpectationsCollector:
    """Great Expectations validation and checkpoint results (GX 1.x and 0.18)."""

    name = "great_expectations"
    description = "Great Expectations validation results (GX 1.x, 0.18; file-context store layout)"
    file_suffixes = (".json",)

    def parse(self, content: bytes, source: SourceContext) -> list[CheckResult]:
        """One CheckResult per expectation result in the file."""
        try:
            # GX writes NaN as null but infinities as Infinity: kept as text, not refused.
            document = loads(content, constants="text")
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, JsonRefused
            raise CollectorParseError(f"not valid JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise CollectorParseError("expected a JSON object (a GX validation result)")
        configuration = _gx_configuration_kind(document)
        if configuration:
            raise NotEvidence(f"a GX {configuration} (configuration, not a result)")
        layout = _STORE_LAYOUT.search((source.relative_path or source.path).replace("\\", "/"))
        hints = layout.groupdict() if layout else {}
        validations = _validation_results(document, hints)
        results: list[CheckResult] = []
        for validation, validation_hints in validations:
            results.extend(_expectation_results(validation, validation_hints, source))
        return results


def _gx_configuration_kind(document: dict[str, Any]) -> str | None:
    """GX project folders hold suites, checkpoints and definitions beside the results."""
    if "success" in document:
        return None  # every result shape carries its outcome
    if "expectations" in document and ("name" in document or "expectation_suite_name" in document):
        return "expectation suite"
    if "validation_definitions" in document or "action_list" in document:
        return "checkpoint"
    if "data" in document and "suite" in document:
        return "validation definition"
    return None


def _validation_results(
    document: dict[str, Any], hints: dict[str, str]
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Find the validation results in any of the shapes GX writes."""
    if isinstance(document.get("results"), list) or isinstance(document.get("expectations"), list):
        return [(document, hints)]
    if "results" in document:
        found = type(document["results"]).__name__
        raise CollectorParseError(f"'results' is not a list (found {found})")
    run_results = document.get("run_results")
    if isinstance(run_results, dict):
        found = []
        for key, value in run_results.items():
            validation = value.get("validation_result") if isinstance(value, dict) else None
            if not isinstance(validation, dict):
                raise CollectorParseError(f"run_results[{key!r}] has no validation_result object")
            # The identifier key repeats the store layout: <suite>/<run>/<time>/<batch>.
            key_layout = _STORE_LAYOUT.search(str(key).split("::")[-1] + ".json")
            found.append((validation, key_layout.groupdict() if key_layout else hints))
        return found
    if isinstance(document.get("validation_results"), list):
        return [(v, hints) for v in document["validation_results"] if isinstance(v, dict)]
    raise CollectorParseError(
        "not a Great Expectations result: no 'results', 'expectations', 'run_results' "
        "or 'validation_results' key"
    )


def _expectation_results(
    validation: dict[str, Any], hints: dict[str, str], source: SourceContext
) -> list[CheckResult]:
    meta = validation.get("meta") if isinstance(validation.get("meta"), dict) else {}
    suite = validation.get("suite_name") or meta.get("expectation_suite_name") or hints.get("suite")
    if not suite:
        raise CollectorParseError(
            "no expectation suite name (suite_name or meta.expectation_suite_name); "
            "store ValidationResult.to_json_dict() output rather than describe_dict()"
        )
    run_id = meta.get("run_id") if isinstance(meta.get("run_id"), dict) else {}
    markers = meta.get("batch_markers") if isinstance(meta.get("batch_markers"), dict) else {}
    # Batch.validate() outside a checkpoint writes no run id; the batch load time GX records
    # is then the closest thing to a run time it gives us.
    run_time = (
        parse_gx_time(run_id.get("run_time"))
        or parse_gx_time(meta.get("validation_time"))
        or parse_gx_time(hints.get("time"))
        or parse_gx_time(markers.get("ge_load_time"))
    )
    if run_time is None:
        raise CollectorParseError(
            f"suite {suite!r}: no run time (meta.run_id.run_time, meta.validation_time "
            "or meta.batch_markers.ge_load_time)"
        )
    batch_definition = meta.get("active_batch_definition") or {}
    asset = batch_definition.get("data_asset_name") if isinstance(batch_definition, dict) else None
    gx_version = meta.get("great_expectations_version")
    entries = validation.get("results")
    if entries is None:
        entries = validation.get("expectations")
    if not isinstance(entries, list):
        raise CollectorParseError(f"suite {suite!r}: 'results' is not a list")
    suite = str(suite)
    return [
        _check_result(entry, index, suite, asset, run_time, gx_version, hints, source)
        for index, entry in enumerate(entries)
    ]


def _check_result(
    entry: Any,
    index: int,
    suite: str,
    asset: str | None,
    run_time: datetime,
    gx_version: str | None,
    hints: dict[str, str],
    source: SourceContext,
) -> CheckResult:
    # The hot path of a large collect (hundreds of thousands of results): plain lookups,
    # refusal messages formatted only when a result is refused.
    if type(entry) is not dict:
        raise CollectorParseError(f"{_where(suite, index)}: expected an object")
    config = entry.get("expectation_config") or {}
    if type(config) is not dict:
        raise CollectorParseError(f"{_where(suite, index)}: 'expectation_config' is not an object")
    # 1.x writes `type`; 0.18 and describe_dict() write `expectation_type`. Keep both readable.
    expectation_type = (
        config.get("type") or config.get("expectation_type") or entry.get("expectation_type")
    )
    if not expectation_type:
        raise CollectorParseError(
            f"{_where(suite, index)}: no expectation type (type or expectation_type)"
        )
    success = entry.get("success")
    if type(success) is not bool:
        raise CollectorParseError(
            f"{_where(suite, index)} ({expectation_type}): 'success' is not true/false"
        )
    kwargs = config.get("kwargs") or entry.get("kwargs") or {}
    if type(kwargs) is not dict:
        raise CollectorParseError(
            f"{_where(suite, index)} ({expectation_type}): 'kwargs' is not an object"
        )
    result = entry.get("result")
    if type(result) is not dict:
        result = {}
    exception = entry.get("exception_info")
    raised = type(exception) is dict and bool(exception.get("raised_exception"))
    params = dict(kwargs)
    params.pop("batch_id", None)
    details: dict[str, Any] = {"params": params}
    for key, value in (
        ("severity", config.get("severity")),
        ("expectation_id", config.get("id")),
        ("gx_version", gx_version),
        ("unexpected_percent_total", result.get("unexpected_percent_total")),
        ("missing_count", result.get("missing_count")),
        ("observed_value", result.get("observed_value")),
    ):
        if value is not None:
            details[key] = value
    if raised and exception.get("exception_message") is not None:
        details["exception"] = exception["exception_message"]
    return CheckResult(
        product_id=source.product_id,
        port=asset or hints.get("batch") or kwargs.get("batch_id"),
        source_tool="great_expectations",
        suite=suite,
        check=str(expectation_type),
        column=_column_of(kwargs),
        success=success and not raised,
        status="error" if raised else ("pass" if success else "fail"),
        unexpected_count=_as_int(result.get("unexpected_count")),
        unexpected_percent=_as_float(result.get("unexpected_percent")),
        element_count=_as_int(result.get("element_count")),
        run_time=run_time,
        source=source.path,
        details=details,
    )


def _where(suite: str, index: int) -> str:
    return f"suite {suite!r}, result {index}"


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    pair = [kwargs.get("column_A"), kwargs.get("column_B")]
    if all(pair):
        return ",".join(str(c) for c in pair)
    if isinstance(kwargs.get("column_list"), list):
        return ",".join(str(c) for c in kwargs["column_list"])
    return None


def _as_int(value: Any) -> int | None:
    kind = type(value)
    if kind is int:
        return value
    if kind is float:
        return int(value) if math.isfinite(value) else None
    return int(value) if kind is not bool and isinstance(value, int) else None


def _as_float(value: Any) -> float | None:
    kind = type(value)
    if kind is float:
        return value
    return float(value) if kind is int or (kind is not bool and isinstance(value, float)) else None
