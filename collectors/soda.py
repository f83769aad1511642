"""Soda Core scan results: ``soda scan -srf <file>``, ``Scan.get_scan_results()`` (3.x), and Soda 4.

What it reads. A JSON object with ``checks[]`` and the scan's times; both ways of writing it
are read alike (``-srf`` writes Soda Cloud's shape: ``sourceOwner``, lower-case log levels,
and checks without an outcome; the Python API leaves checks without an outcome out).
Each entry of ``checks[]`` (and of ``automatedMonitoringChecks[]``) becomes one CheckResult:

- ``status`` is Soda's ``outcome`` (pass, warn, fail) and ``success`` is ``outcome == "pass"``;
  a check without an outcome was not evaluated: ``skipped`` (e.g. ``outcomeReasons`` code
  ``notEnoughHistory`` for a schema-change check without Soda Cloud history), or ``error``
  when one of its ``outcomeReasons`` has severity ``error``;
- ``check`` is the check's ``name``, ``suite`` and ``port`` its dataset (``table``),
  ``column`` its ``column``; ``details.params`` holds the SodaCL ``definition`` (two checks
  with one name stay two facts); ``details.value`` is ``diagnostics.value`` (the measured
  metric); ``unexpected_count`` is the failed-rows analysis' ``totalFailingRows`` when Soda
  sampled failing rows; ``details.dimension`` is ``dataQualityDimension`` or the check
  attribute ``dimension``.

What else a check carries is kept in ``details``: ``thresholds`` (the ``fail`` and ``warn``
bounds of ``diagnostics``), ``metrics`` (the values of the check's metrics, from the scan's
``metrics[]``, by metric name), ``diagnostics`` (anomaly, freshness, comparison and schema-change
figures; small values only, empty ones left out), ``filter``, ``archetype``, ``outcome_reasons``.
The scan's ``profiling[]`` and ``metadata[]`` (discovered datasets) are not stored: a warning
says so. ``queries[]`` are the SQL behind the metrics; a failed one is logged as an error.

Soda 4 (contract verification, the payload soda-core 4 sends to Soda Cloud) has the same
shape: ``checkType`` is read as the type, outcomes ``excluded`` and ``unevaluated`` become
``skipped`` (``details.outcome`` keeps the word), ``"checks": null`` is a scan without checks.

Times. Every check of a scan has the scan's ``dataTimestamp`` as its run time (the time Soda
Cloud shows for a scan; ``soda scan -t`` sets it for backfills), else ``scanStartTimestamp``;
both and ``scanEndTimestamp`` are kept in ``details``. Soda writes UTC with an offset
(``2026-11-24T04:46:05+00:00``); a time without a zone is refused.

Errors. Soda leaves checks it could not evaluate (a failed query) out of ``checks[]`` and logs
an error instead (``hasErrors``). Each distinct ``ERROR`` log becomes a problem on the file
(position ``logs[i]``), so the missing checks show up; a scan that logged errors and has no
check at all (with DuckDB one failed query aborts the whole scan) is refused with the first
error.

Attribution. The source's product (``--product``), else the dataset as
``<dataSource>.<table>`` or ``<table>`` in the directory, else unattributed.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from collectors import Parsed, SourceContext
from collectors.json_text import loads
from governance.errors import CollectorParseError
from governance.model.records import CheckResult

_OUTCOMES = frozenset({"pass", "warn", "fail"})
# Soda 4 (contract verification) adds outcomes for checks it did not evaluate.
_NOT_EVALUATED = frozenset({"excluded", "unevaluated"})
# Diagnostics worth keeping beside the value: thresholds, anomaly and freshness figures, schema
# changes. Blocks (failed-row samples, CSV tables) are read for their counts only.
_MAX_DIAGNOSTIC_CHARS = 2000
# Parts of a scan result meshgov has no place for; each is said once per file when present.
_UNREAD_SECTIONS = {
    "profiling": "column profiles and dataset samples (profiling[]) are not stored",
    "metadata": "discovered datasets (metadata[]) are not stored",
}
_SCAN_KEYS = ("definitionName", "dataTimestamp", "scanStartTimestamp", "defaultDataSource")
_DIMENSION_ATTRIBUTES = frozenset({"dimension", "dataqualitydimension"})
_SODA_VERSION = re.compile(r"^Soda (?:Core|Library) (\S+)$")


class SodaCollector:
    """Soda Core scan results (soda scan -srf, Scan.get_scan_results()): one result per check."""

    name = "soda"
    description = "Soda Core scan results (soda scan -srf, Scan.get_scan_results())"
    file_suffixes = (".json",)

    def parse(self, content: bytes, source: SourceContext) -> Parsed:
        """One CheckResult per check of the scan; the scan's logged errors become problems."""
        try:
            document = loads(content, constants="text")
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, JsonRefused
            raise CollectorParseError(f"not valid JSON: {exc}") from None
        if not isinstance(document, dict):
            raise CollectorParseError("expected a JSON object (Soda scan results)")
        if "checks" not in document or not any(key in document for key in _SCAN_KEYS):
            raise CollectorParseError(
                "not Soda scan results: no 'checks' list with 'dataTimestamp' or "
                "'scanStartTimestamp' (write them with soda scan -srf <file>)"
            )
        scan = _Scan(document)
        parsed = Parsed()
        seen: dict[str, str] = {}
        for section in ("checks", "automatedMonitoringChecks"):
            entries = document.get(section)
            if entries is None:
                continue  # Soda 4 writes "checks": null when there are none
            if not isinstance(entries, list):
                raise CollectorParseError(f"'{section}' is not a list", section)
            for index, entry in enumerate(entries):
                where = f"{section}[{index}]"
                try:
                    result = _check_result(entry, where, scan, source)
                    if result.check_key in seen:
                        raise CollectorParseError(
                            f"the same check as {seen[result.check_key]} (dataset, name and "
                            "definition); only the first is read",
                            where,
                        )
                    seen[result.check_key] = where
                    parsed.records.append(result)
                except CollectorParseError as problem:
                    parsed.problems.append(problem)
        errors = _logged_errors(document.get("logs"))
        if not parsed.records and errors:
            where, message = errors[0]
            raise CollectorParseError(
                f"the scan logged errors and has no check result; first error: {message}", where
            )
        if not parsed.records and parsed.problems:
            raise CollectorParseError(f"no check could be read; first: {parsed.problems[0]}")
        # A check whose query failed is left out of checks[] by Soda: its error is all there is.
        parsed.problems += [
            CollectorParseError(f"Soda logged an error during the scan: {message}", where)
            for where, message in errors
        ]
        parsed.warnings = _unread(document, errors)
        return parsed


class _Scan:
    """What every check of one scan shares: times, names, Soda's version."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.data_timestamp = _time(document, "dataTimestamp")
        self.started_at = _time(document, "scanStartTimestamp")
        self.ended_at = _time(document, "scanEndTimestamp")
        run_time = self.data_timestamp or self.started_at
        if run_time is None:
            raise CollectorParseError(
                "the scan has no time: 'dataTimestamp' and 'scanStartTimestamp' are missing"
            )
        self.run_time: datetime = run_time
        self.definition_name = _text(document.get("definitionName"))
        self.default_data_source = _text(document.get("defaultDataSource"))
        self.soda_version = _soda_version(document.get("logs"))
        metrics = document.get("metrics")
        # Each check names the metrics it measured by identity; their values are kept with it.
        self.metrics: dict[str, Any] = {
            m["identity"]: m.get("value")
            for m in (metrics if isinstance(metrics, list) else [])
            if isinstance(m, dict) and isinstance(m.get("identity"), str)
        }
        self.metric_names: dict[str, str] = {
            m["identity"]: str(m.get("metricName") or m["identity"])
            for m in (metrics if isinstance(metrics, list) else [])
            if isinstance(m, dict) and isinstance(m.get("identity"), str)
        }

    def metric_values(self, identities: Any) -> dict[str, Any] | None:
        """The measured values of a check's metrics, by metric name."""
        if not isinstance(identities, list):
            return None
        found = {
            self.metric_names[i]: self.metrics[i]
            for i in identities
            if isinstance(i, str) and i in self.metrics
        }
        return found or None

    def details(self) -> dict[str, Any]:
        """The scan's own facts, repeated on each of its checks."""
        found = {
            "scan_definition": self.definition_name,
            "data_timestamp": self.data_timestamp,
            "scan_started_at": self.started_at,
            "scan_ended_at": self.ended_at,
            "soda_version": self.soda_version,
        }
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in found.items()
            if value is not None
        }


def _check_result(entry: Any, where: str, scan: _Scan, source: SourceContext) -> CheckResult:
    if not isinstance(entry, dict):
        raise CollectorParseError("expected an object", where)
    name = _text(entry.get("name"))
    if not name:
        raise CollectorParseError("'name' is missing", where)
    reasons = entry.get("outcomeReasons")
    reasons = [r for r in reasons if isinstance(r, dict)] if isinstance(reasons, list) else []
    outcome = entry.get("outcome")
    if outcome is None:
        errored = any(str(r.get("severity")).lower() == "error" for r in reasons)
        status = "error" if errored else "skipped"
    elif isinstance(outcome, str) and outcome.lower() in _OUTCOMES:
        status = outcome.lower()
    elif isinstance(outcome, str) and outcome.lower() in _NOT_EVALUATED:
        status = "skipped"
    else:
        raise CollectorParseError(
            f"check {name!r}: outcome {outcome!r} is not pass, warn or fail", f"{where}.outcome"
        )
    table = _text(entry.get("table"))
    data_source = _text(entry.get("dataSource")) or scan.default_data_source
    diagnostics = entry.get("diagnostics") if isinstance(entry.get("diagnostics"), dict) else {}
    definition = _text(entry.get("definition"))
    attributes = _attributes(entry.get("resourceAttributes"))
    details: dict[str, Any] = scan.details()
    details["params"] = {"definition": definition} if definition else {}
    for key, value in (
        ("identity", _text(entry.get("identity"))),
        ("type", _text(entry.get("checkType")) or _text(entry.get("type"))),
        ("outcome", outcome.lower() if isinstance(outcome, str) and status == "skipped" else None),
        ("filter", _text(entry.get("filter"))),
        ("dataset_prefix", entry.get("datasetPrefix")),
        ("data_source", data_source),
        ("value", diagnostics.get("value")),
        ("thresholds", _thresholds(diagnostics)),
        ("diagnostics", _other_diagnostics(diagnostics)),
        ("metrics", scan.metric_values(entry.get("metrics"))),
        ("dimension", _dimension(entry, attributes)),
        ("attributes", attributes or None),
        ("outcome_reasons", reasons or None),
        ("not_evaluated", True if outcome is None else None),
        ("archetype", entry.get("archetype")),
        ("location", _location(entry.get("location"))),
    ):
        if value is not None:
            details[key] = value
    candidates = [f"{data_source}.{table}" if data_source and table else None, table]
    return CheckResult(
        product_id=source.attribute(*candidates),
        port=table,
        source_tool="soda",
        suite=table or scan.definition_name or "soda",
        check=name,
        column=_text(entry.get("column")),
        success=status == "pass",
        status=status,  # type: ignore[arg-type]  # pass/warn/fail/skipped/error by construction
        unexpected_count=_failing_rows(diagnostics),
        unexpected_percent=None,
        element_count=None,
        run_time=scan.run_time,
        source=source.path,
        details=details,
    )


def _thresholds(diagnostics: dict[str, Any]) -> dict[str, Any] | None:
    """The fail and warn bounds Soda compared the value with (greaterThan, lessThanOrEqual...)."""
    found = {k: diagnostics[k] for k in ("fail", "warn") if isinstance(diagnostics.get(k), dict)}
    return found or None


def _other_diagnostics(diagnostics: dict[str, Any]) -> dict[str, Any] | None:
    """Anomaly, freshness, comparison and schema figures: small values, empty ones left out."""
    kept: dict[str, Any] = {}
    for key, value in diagnostics.items():
        if key in ("blocks", "value", "fail", "warn") or value in (None, "", [], {}):
            continue
        if len(json.dumps(value, default=str)) <= _MAX_DIAGNOSTIC_CHARS:
            kept[key] = value
    return kept or None


def _unread(document: dict[str, Any], errors: list[tuple[str, str]]) -> list[str]:
    """Warnings: sections meshgov does not store, and a scan that says it erred but logs no error."""
    warnings = [text for key, text in _UNREAD_SECTIONS.items() if document.get(key)]
    if document.get("hasErrors") is True and not errors:
        warnings.append("the scan says it had errors (hasErrors) but its logs hold no error")
    return warnings


def _time(document: dict[str, Any], key: str) -> datetime | None:
    """Soda writes UTC with an offset; anything else is refused rather than guessed."""
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CollectorParseError(f"not a time: {value!r}", key)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CollectorParseError(f"not an ISO 8601 time: {value!r}", key) from None
    if parsed.tzinfo is None:
        raise CollectorParseError(
            f"time without a zone: {value!r} (Soda writes UTC offsets like +00:00)", key
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise CollectorParseError(f"time out of range: {value!r}", key) from None


def _logged_errors(logs: Any) -> list[tuple[str, str]]:
    """(position, first line) of each distinct error the scan logged."""
    if not isinstance(logs, list):
        return []
    errors: dict[str, str] = {}
    for index, log in enumerate(logs):
        if not isinstance(log, dict) or str(log.get("level")).lower() != "error":
            continue
        message = (_text(log.get("message")) or "").strip()
        first_line = message.splitlines()[0][:300] if message else "(no message)"
        errors.setdefault(first_line, f"logs[{index}]")
    return [(where, line) for line, where in errors.items()]


def _attributes(value: Any) -> dict[str, Any]:
    if not isinstance(value, list):
        return {}
    return {str(a["name"]): a.get("value") for a in value if isinstance(a, dict) and a.get("name")}


def _dimension(entry: dict[str, Any], attributes: dict[str, Any]) -> str | None:
    declared = _text(entry.get("dataQualityDimension"))
    if declared:
        return declared
    for key, value in attributes.items():
        if key.lower().replace("_", "") in _DIMENSION_ATTRIBUTES and isinstance(value, str):
            return value
    return None


def _failing_rows(diagnostics: dict[str, Any]) -> int | None:
    blocks = diagnostics.get("blocks")
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "failedRowsAnalysis":
            total = block.get("totalFailingRows")
            if isinstance(total, int) and not isinstance(total, bool):
                return total
    return None


def _location(value: Any) -> str | None:
    if not isinstance(value, dict) or not _text(value.get("filePath")):
        return None
    line = value.get("line")
    return f"{value['filePath']}:{line}" if isinstance(line, int) else str(value["filePath"])


def _soda_version(logs: Any) -> str | None:
    first = logs[0] if isinstance(logs, list) and logs else None
    message = _text(first.get("message")) if isinstance(first, dict) else None
    match = _SODA_VERSION.match(message or "")
    return match[1] if match else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
