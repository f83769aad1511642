"""Quality results in OpenLineage events: dataQualityAssertions and the test run facet.

How assertions and tests become CheckResults (check names, statuses, severity, metrics) is
described in collectors/openlineage.py, the collector that calls these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors import SourceContext
from collectors.openlineage_facets import Notes
from governance.model.records import CheckResult
from governance.model.vocabulary import CheckStatus

TOOL = "openlineage"
_WARN_SEVERITIES = frozenset({"warn", "warning"})
_KNOWN_SEVERITIES = _WARN_SEVERITIES | {"error"}
# TestExecution.status: the spec's pass/fail/skip, and meshgov's own words for the same.
_TEST_STATUSES: dict[str, CheckStatus] = {
    "pass": "pass",
    "fail": "fail",
    "skip": "skipped",
    "skipped": "skipped",
    "warn": "warn",
    "error": "error",
}


@dataclass(frozen=True)
class Dataset:
    """An input or output dataset of an event, with the facets meshgov read from it."""

    qualified: str  # namespace/name
    name: str
    product: str | None
    assertions: list[dict[str, Any]]  # in document order, from every facet key
    metrics: dict[str, Any] | None
    statistics: dict[str, int] | None
    owners: list[dict[str, str]] | None


@dataclass(frozen=True)
class EventContext:
    """What every record of one event shares."""

    time: datetime
    source: SourceContext
    run_details: dict[str, Any]  # job and run id, for the checks


def assertion_results(dataset: Dataset, event: EventContext, notes: Notes) -> list[CheckResult]:
    """One CheckResult per assertion; the same assertion under two facet keys counts once."""
    results: dict[str, CheckResult] = {}
    for assertion in dataset.assertions:
        result = _check(assertion, dataset, event, notes)
        results.setdefault(result.check_key, result)
    return list(results.values())


def _check(
    assertion: dict[str, Any], dataset: Dataset, event: EventContext, notes: Notes
) -> CheckResult:
    details: dict[str, Any] = {
        "params": assertion.get("params") or {},
        "dataset": dataset.qualified,
        "assertion": assertion["assertion"],
        **event.run_details,
    }
    for key in ("severity", "name", "description", "expected", "actual", "content"):
        if assertion.get(key) is not None:
            details[key] = assertion[key]
    if assertion.get("contentType") is not None:
        details["content_type"] = assertion["contentType"]
    column = assertion.get("column") or None
    row_count = None
    if dataset.metrics is not None:
        row_count = dataset.metrics.get("rowCount")
        column_metrics = dataset.metrics["columnMetrics"].get(column) if column else None
        if column_metrics is not None:
            details["column_metrics"] = column_metrics
    success = assertion["success"]
    status: CheckStatus = "pass" if success else _failed(assertion.get("severity"), notes)
    return CheckResult(
        # The assertion is about this dataset: its product, else the source's.
        product_id=dataset.product or event.source.product_id,
        port=None,
        source_tool=TOOL,
        suite=dataset.name,
        check=assertion.get("name") or assertion["assertion"],
        column=column,
        success=success,
        status=status,
        unexpected_count=None,
        unexpected_percent=None,
        element_count=row_count,
        run_time=event.time,
        source=event.source.path,
        details=details,
    )


def _failed(severity: str | None, notes: Notes) -> CheckStatus:
    """A failed check's status: a warning when its severity says failures only warn."""
    if severity is None:
        return "fail"
    lowered = severity.strip().lower()
    if lowered not in _KNOWN_SEVERITIES:
        notes.severities.add(severity)
    return "warn" if lowered in _WARN_SEVERITIES else "fail"


def test_results(
    tests: list[dict[str, Any]],
    product: str | None,
    suite: str,
    event: EventContext,
    notes: Notes,
) -> list[CheckResult]:
    """One CheckResult per test execution of the run's TestRunFacet."""
    results: dict[str, CheckResult] = {}
    for test in tests:
        status = _TEST_STATUSES.get(test["status"].strip().lower())
        if status is None:
            notes.statuses.add(test["status"])
            continue
        if status == "fail":
            status = _failed(test.get("severity"), notes)
        details: dict[str, Any] = {"params": test.get("params") or {}, **event.run_details}
        for key in ("type", "severity", "description", "expected", "actual", "content"):
            if test.get(key) is not None:
                details[key] = test[key]
        if test.get("contentType") is not None:
            details["content_type"] = test["contentType"]
        result = CheckResult(
            product_id=product,
            port=None,
            source_tool=TOOL,
            suite=suite,
            check=test["name"],
            column=None,
            success=status == "pass",
            status=status,
            unexpected_count=None,
            unexpected_percent=None,
            element_count=None,
            run_time=event.time,
            source=event.source.path,
            details=details,
        )
        results.setdefault(result.check_key, result)
    return list(results.values())
