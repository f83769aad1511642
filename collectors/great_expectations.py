"""Great Expectations validation results: GX 1.x and the legacy 0.18 shape (and older).

Reads what GX writes:

- ``ValidationResult.to_json_dict()`` (1.x: ``suite_name``, expectation ``type``, ``severity``,
  ``id``) and the 0.18 shape (``expectation_type``, ``meta.expectation_suite_name``,
  ``evaluation_parameters``); results of GX before 0.13 with ``meta.run_id`` as a compact
  time string or ``meta.run_time`` are read too;
- a checkpoint result: 0.18 ``CheckpointResult.to_json_dict()`` (``run_results`` of
  ``{validation_result, actions_results}``), the same with the validation results as values
  (how 1.x results are written by hand: 1.x CheckpointResult has no to_json_dict), the
  ValidationOperatorResult of GX 0.10-0.13 (also ``run_results``), and ``describe_dict()``
  (``validation_results[]``); every validation of a checkpoint is read;
- the file-context store layout ``gx/uncommitted/validations/<suite>/<run>/<time>/<batch>.json``,
  whose path fills in what the document leaves out.

Each expectation result becomes one CheckResult: ``check`` is the expectation type,
``column`` its ``column`` (``column_A,column_B`` for pairs, the ``column_list`` joined for
multicolumn ones), ``status`` pass / fail, or ``error`` when the expectation raised (the
0.18 ``exception_info.raised_exception``, or 1.x's ``exception_info`` keyed by metric);
``unexpected_count``, ``unexpected_percent`` (over non-missing values in 1.x) and
``element_count`` from ``result``; ``details.params`` the expectation's kwargs (with
``row_condition`` and ``condition_parser``; without ``batch_id`` and ``result_format``),
``details.observed_value`` for aggregate and table expectations.

``describe_dict()`` output carries neither a suite nor a run time. The store layout supplies
both; elsewhere the results are filed under their batch (``kwargs.batch_id``) and the file's
modification time, each with a warning. A time that is there but unreadable, no time and no
file time, or no suite and no batch, is refused. Expectation suites, checkpoint and validation
definitions (and bare lists of expectation configurations) are skipped as not evidence. Warnings also say what is read but not stored: the lists of
unexpected values and rows of result_format COMPLETE.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from collectors import Parsed, SourceContext
from collectors.json_text import loads
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import CheckResult

# <suite>/<run name or __none__>/<YYYYMMDDTHHMMSS.ffffffZ>/<batch>.json at the end of a path
_STORE_LAYOUT = re.compile(
    r"(?:^|/)(?P<suite>[^/]+)/(?P<run>[^/]+)/(?P<time>\d{8}T\d{6}(?:\.\d+)?Z)/(?P<batch>[^/]+)\.json$"
)
_COMPACT_TIME = re.compile(r"^\d{8}T\d{6}(?:\.\d+)?Z$")
# result_format COMPLETE lists every unexpected value and row; meshgov keeps the counts.
_COMPLETE_LISTS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")
# kwargs that say how GX reported, not what was checked: not part of the check's identity.
_NOT_PARAMS = ("batch_id", "result_format", "include_config", "catch_exceptions")


def parse_gx_time(value: Any) -> datetime | None:
    """GX writes ISO 8601 times (1.x) and compact ones like 20261124T032917.527098Z (0.18)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if _COMPACT_TIME.match(text):
        fmt = "%Y%m%dT%H%M%S.%fZ" if "." in text else "%Y%m%dT%H%M%SZ"
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # A zoneless time from GX is local to nobody we know; UTC is what GX itself writes.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


@dataclass
class _Notes:
    """Warnings of one file, each kind said once."""

    said: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, text: str) -> None:
        self.said.setdefault(kind, text)


class GreatExpectationsCollector:
    """Great Expectations validation and checkpoint results (GX 1.x and 0.18)."""

    name = "great_expectations"
    description = "Great Expectations validation results (GX 1.x, 0.18; file-context store layout)"
    file_suffixes = (".json",)

    def parse(self, content: bytes, source: SourceContext) -> Parsed:
        """One CheckResult per expectation result in the file."""
        try:
            # GX writes NaN as null but infinities as Infinity: kept as text, not refused.
            document = loads(content, constants="text")
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, JsonRefused
            raise CollectorParseError(f"not valid JSON: {exc}") from exc
        if isinstance(document, list) and document and all(_is_configuration(e) for e in document):
            raise NotEvidence("a list of GX expectation configurations (not results)")
        if not isinstance(document, dict):
            raise CollectorParseError("expected a JSON object (a GX validation result)")
        configuration = _gx_configuration_kind(document)
        if configuration:
            raise NotEvidence(f"a GX {configuration} (configuration, not a result)")
        layout = _STORE_LAYOUT.search((source.relative_path or source.path).replace("\\", "/"))
        hints = layout.groupdict() if layout else {}
        notes = _Notes()
        results: list[CheckResult] = []
        for validation, validation_hints in _validation_results(document, hints):
            results.extend(_expectation_results(validation, validation_hints, source, notes))
        return Parsed(records=results, warnings=list(notes.said.values()))


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


def _is_configuration(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and "success" not in entry
        and isinstance(entry.get("expectation_type") or entry.get("type"), str)
    )


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
            if validation is None and isinstance(value, dict) and "results" in value:
                validation = value  # 1.x results written as {identifier: to_json_dict()}
            if not isinstance(validation, dict):
                raise CollectorParseError(
                    f"run_results[{key!r}] has no validation_result object", "run_results"
                )
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
    validation: dict[str, Any], hints: dict[str, str], source: SourceContext, notes: _Notes
) -> list[CheckResult]:
    meta = validation.get("meta") if isinstance(validation.get("meta"), dict) else {}
    entries = validation.get("results")
    if entries is None:
        entries = validation.get("expectations")
    suite = validation.get("suite_name") or meta.get("expectation_suite_name") or hints.get("suite")
    if not isinstance(entries, list):
        raise CollectorParseError(f"suite {suite or '?'!r}: 'results' is not a list")
    if not suite:
        suite = _batch_of(entries)
        if not suite:
            raise CollectorParseError(
                "no expectation suite name (suite_name or meta.expectation_suite_name); "
                "store ValidationResult.to_json_dict() output rather than describe_dict()"
            )
        notes.add(
            "suite",
            "no expectation suite name in the file (describe_dict() output?): results are "
            f"filed under their batch {suite!r}; ValidationResult.to_json_dict() keeps the suite",
        )
    suite = str(suite)
    run_time = _run_time(meta, hints, suite, source, notes)
    batch_definition = meta.get("active_batch_definition") or {}
    asset = batch_definition.get("data_asset_name") if isinstance(batch_definition, dict) else None
    asset = asset or meta.get("data_asset_name")
    shared: dict[str, Any] = {}
    run_id = meta.get("run_id")
    for key, value in (
        ("gx_version", meta.get("great_expectations_version")),
        ("checkpoint", meta.get("checkpoint_name")),
        ("run_name", run_id.get("run_name") if isinstance(run_id, dict) else hints.get("run")),
    ):
        if isinstance(value, str) and value and value != "__none__":
            shared[key] = value
    return [
        _check_result(entry, index, suite, asset, run_time, shared, hints, source, notes)
        for index, entry in enumerate(entries)
    ]


def _run_time(
    meta: dict[str, Any],
    hints: dict[str, str],
    suite: str,
    source: SourceContext,
    notes: _Notes,
) -> datetime:
    run_id = meta.get("run_id")
    markers = meta.get("batch_markers") if isinstance(meta.get("batch_markers"), dict) else {}
    # GX before 0.13 wrote run_id as a compact time string; 0.13+ as {run_name, run_time}.
    # Batch.validate() outside a checkpoint writes no run id; the batch load time GX records
    # is then the closest thing to a run time it gives us.
    candidates = (
        ("meta.run_id.run_time", run_id.get("run_time") if isinstance(run_id, dict) else None),
        (
            "meta.run_id",
            run_id if isinstance(run_id, str) and _COMPACT_TIME.match(run_id) else None,
        ),
        ("meta.run_time", meta.get("run_time")),
        ("meta.validation_time", meta.get("validation_time")),
        ("the store layout's folder", hints.get("time")),
        ("meta.batch_markers.ge_load_time", markers.get("ge_load_time")),
    )
    unreadable = None
    for where, value in candidates:
        parsed = parse_gx_time(value)
        if parsed is not None:
            return parsed
        if value is not None and unreadable is None:
            unreadable = f"{where} {value!r} is not a time"
    if unreadable:
        raise CollectorParseError(f"suite {suite!r}: no run time: {unreadable}")
    if source.fetched_at is not None:
        notes.add(
            "time",
            "no run time in the file (meta.run_id.run_time, meta.validation_time): the file's "
            "modification time is used",
        )
        return source.fetched_at
    raise CollectorParseError(
        f"suite {suite!r}: no run time (meta.run_id.run_time, meta.validation_time "
        "or meta.batch_markers.ge_load_time)"
    )


def _batch_of(entries: list[Any]) -> str | None:
    """describe_dict() results name their batch in kwargs.batch_id, and nothing else."""
    for entry in entries:
        kwargs = entry.get("kwargs") if isinstance(entry, dict) else None
        if isinstance(kwargs, dict) and isinstance(kwargs.get("batch_id"), str):
            return kwargs["batch_id"] or None
    return None


def _check_result(
    entry: Any,
    index: int,
    suite: str,
    asset: str | None,
    run_time: datetime,
    shared: dict[str, Any],
    hints: dict[str, str],
    source: SourceContext,
    notes: _Notes,
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
    raised, message = _raised(entry.get("exception_info"))
    params = {k: v for k, v in kwargs.items() if k not in _NOT_PARAMS}
    details: dict[str, Any] = {"params": params, **shared}
    for key, value in (
        ("severity", config.get("severity")),
        ("expectation_id", config.get("id")),
        ("result_format", _result_format(kwargs.get("result_format"))),
        ("unexpected_percent_total", result.get("unexpected_percent_total")),
        ("missing_count", result.get("missing_count")),
        ("observed_value", result.get("observed_value")),
        ("exception", message if raised else None),
    ):
        if value is not None:
            details[key] = value
    if any(key in result for key in _COMPLETE_LISTS):
        notes.add(
            "complete",
            "the unexpected values and rows listed by result_format COMPLETE "
            "(unexpected_list, unexpected_index_list) are not stored; their counts are",
        )
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


def _raised(exception: Any) -> tuple[bool, Any]:
    """Whether the expectation raised, and GX's message.

    0.18 writes one {raised_exception, exception_message}; 1.x writes one per metric that
    failed to compute, keyed by the metric's id (a column that does not exist, say).
    """
    if type(exception) is not dict:
        return False, None
    if "raised_exception" in exception:
        return bool(exception["raised_exception"]), exception.get("exception_message")
    for value in exception.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return True, value.get("exception_message")
    return False, None


def _result_format(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("result_format")
    return value if isinstance(value, str) else None


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
