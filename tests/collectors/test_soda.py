"""The Soda collector's parse step: pure, over real Soda Core 3.5 scans (Python API and CLI)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors import Parsed, ProductDirectory, SourceContext, get_collector
from collectors.soda import SodaCollector
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import CheckResult
from tests.collectors.properties import (
    bad_input_names,
    check_bad_input,
    check_bad_inputs_listed,
    json_paths,
    json_values,
    mutated,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
SODA = FIXTURES / "soda"
BAD = FIXTURES / "bad_inputs" / "soda"
API = json.loads((SODA / "scan_results.json").read_text())
CLI = json.loads((SODA / "scan_results_cli.json").read_text())
ABORTED = json.loads((SODA / "scan_results_cli_aborted.json").read_text())
DIRECTORY = ProductDirectory(
    products=frozenset({"sales-orders"}),
    aliases={"shop_duckdb.orders": "sales-orders", "customers": "crm-customers"},
)


def parse(document: dict | bytes, product: str | None = None) -> Parsed:
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    source = SourceContext(path="soda/scan_results.json", product_id=product, directory=DIRECTORY)
    return SodaCollector().parse(content, source)


def by_name(parsed: Parsed) -> dict[tuple[str, str], CheckResult]:
    return {(r.suite, r.check): r for r in parsed.records}


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("soda"), SodaCollector)


@pytest.mark.parametrize("document", [API, CLI], ids=["get_scan_results", "soda_scan_srf"])
def test_real_scan_pass_warn_fail(document):
    found = by_name(parse(document))
    outcomes = {key: (r.status, r.success) for key, r in found.items()}
    assert outcomes[("orders", "row_count > 0")] == ("pass", True)
    assert outcomes[("orders", "status is a known value")] == ("warn", False)
    assert outcomes[("orders", "amount upper bound")] == ("fail", False)
    assert outcomes[("orders", "missing_count(order_id) = 0")] == ("fail", False)
    assert outcomes[("customers", "missing_percent(email) < 10 %")] == ("fail", False)
    upper = found[("orders", "amount upper bound")]
    assert (upper.column, upper.port, upper.details["value"]) == ("amount", "orders", 1200.0)
    assert upper.details["dimension"] == "Accuracy" and upper.unexpected_count is None
    assert upper.details["params"]["definition"].startswith("checks for orders:")
    missing = found[("orders", "missing_count(order_id) = 0")]
    assert missing.unexpected_count == 1  # the failed rows analysis' totalFailingRows
    assert found[("orders", "duplicate_count(order_id) = 0")].details["dimension"] == "Uniqueness"
    assert {r.source_tool for r in found.values()} == {"soda"}
    assert found[("orders", "row_count > 0")].details["soda_version"] == "3.5.6"


def test_run_time_is_the_data_timestamp_in_utc():
    parsed = parse(API)
    expected = datetime.fromisoformat(API["dataTimestamp"])
    assert {r.run_time for r in parsed.records} == {expected}
    assert all(r.run_time.utcoffset().total_seconds() == 0 for r in parsed.records)
    details = parsed.records[0].details
    assert (
        details["scan_started_at"] == datetime.fromisoformat(API["scanStartTimestamp"]).isoformat()
    )
    assert details["scan_definition"] == "orders_daily"


def test_backfilled_data_timestamp_wins_and_offsets_convert_to_utc():
    document = copy.deepcopy(CLI)
    document["dataTimestamp"] = "2026-11-01T02:00:00+02:00"
    [first, *_] = parse(document).records
    assert first.run_time == datetime.fromisoformat("2026-11-01T00:00:00+00:00")
    del document["dataTimestamp"]
    assert parse(document).records[0].run_time == datetime.fromisoformat(CLI["scanStartTimestamp"])


def test_a_check_without_outcome_is_skipped_with_soda_reasons():
    found = by_name(parse(CLI))
    stable = found[("customers", "customers schema is stable")]
    assert (stable.status, stable.success) == ("skipped", False)
    assert stable.details["not_evaluated"] is True
    assert stable.details["outcome_reasons"][0]["code"] == "notEnoughHistory"


def test_a_check_without_outcome_and_an_error_reason_is_an_error():
    document = copy.deepcopy(CLI)
    check = next(c for c in document["checks"] if c["name"] == "customers schema is stable")
    check["outcomeReasons"] = [{"code": "x", "message": "broken", "severity": "error"}]
    assert by_name(parse(document))[("customers", "customers schema is stable")].status == "error"
    del check["outcome"]
    assert by_name(parse(document))[("customers", "customers schema is stable")].status == "error"


def test_logged_errors_become_problems_so_unevaluated_checks_show():
    parsed = parse(API)  # the erroring check (a missing column) is absent from checks[]
    assert len(parsed.records) == 9
    reasons = [str(p) for p in parsed.problems]
    assert any('column "discount" not found' in r for r in reasons)
    assert any("were not computed for check 'avg_discount < 5'" in r for r in reasons)
    assert all(p.position and p.position.startswith("logs[") for p in parsed.problems)
    assert len({str(p) for p in parsed.problems}) == len(parsed.problems)


def test_an_aborted_scan_is_refused_with_its_first_error():
    with pytest.raises(CollectorParseError, match="no check result.*discount") as refused:
        parse(ABORTED)
    assert refused.value.position.startswith("logs[")


def test_an_empty_scan_without_errors_reads_as_nothing():
    document = copy.deepcopy(CLI)
    document["checks"], document["logs"] = [], []
    assert parse(document).records == []


def test_products_come_from_the_dataset_or_the_source():
    found = by_name(parse(CLI))
    assert found[("orders", "row_count > 0")].product_id == "sales-orders"  # datasource.table
    assert found[("customers", "row_count between 1 and 100")].product_id == "crm-customers"
    assert {r.product_id for r in parse(CLI, product="shop").records} == {"shop"}


def test_automated_monitoring_checks_are_read_too():
    document = copy.deepcopy(CLI)
    monitor = copy.deepcopy(document["checks"][0])
    monitor.update(
        name="anomaly detection for row_count", archetype="volumeAnomaly", outcome="warn"
    )
    document["automatedMonitoringChecks"] = [monitor]
    found = by_name(parse(document))
    assert (
        found[("orders", "anomaly detection for row_count")].details["archetype"] == "volumeAnomaly"
    )


def test_dimension_from_soda_cloud_field():
    document = copy.deepcopy(CLI)
    document["checks"][0]["dataQualityDimension"] = "Completeness"
    assert (
        by_name(parse(document))[("orders", "row_count > 0")].details["dimension"] == "Completeness"
    )


def test_thresholds_metric_values_and_diagnostics_are_kept():
    failing = by_name(parse(API))
    check = next(r for r in failing.values() if r.details.get("thresholds"))
    assert set(check.details["thresholds"]) <= {"fail", "warn"}
    with_metrics = [r for r in failing.values() if r.details.get("metrics")]
    assert with_metrics and all(isinstance(r.details["metrics"], dict) for r in with_metrics)
    document = copy.deepcopy(API)
    document["checks"][0]["diagnostics"].update(
        {"anomalyProbability": 0.9, "column_additions": [], "huge": "x" * 5000}
    )
    first = parse(document).records[0]
    assert first.details["diagnostics"] == {"anomalyProbability": 0.9}


@pytest.mark.parametrize(
    ("outcome", "status"), [("excluded", "skipped"), ("unevaluated", "skipped")]
)
def test_soda_4_outcomes_for_checks_not_evaluated_are_skipped(outcome, status):
    document = copy.deepcopy(API)
    document["checks"][0]["outcome"] = outcome
    first = parse(document).records[0]
    assert (first.status, first.details["outcome"]) == (status, outcome)


def test_checks_null_is_a_scan_without_checks():
    document = copy.deepcopy(API)
    document.update(checks=None, logs=[])
    assert parse(document).records == []


def test_unstored_sections_and_a_silent_error_flag_are_warned():
    document = copy.deepcopy(API)
    document["profiling"] = [{"table": "orders", "rowCount": 5}]
    document["metadata"] = [{"table": "orders"}]
    document["logs"] = [log for log in document["logs"] if log["level"].lower() != "error"]
    document["hasErrors"] = True
    warnings = parse(document).warnings
    assert any("profiling[]" in w for w in warnings)
    assert any("metadata[]" in w for w in warnings)
    assert any("hasErrors" in w for w in warnings)
    assert parse(CLI).warnings == []


def test_natural_keys_are_stable_and_distinct():
    keys = [r.check_key for r in parse(CLI).records]
    assert keys == [r.check_key for r in parse(CLI).records]
    assert len(set(keys)) == len(keys) == 10
    # Two unnamed schema checks share the name "Schema Check" on different datasets; the
    # definition keeps two same-named checks on one dataset apart too.
    document = copy.deepcopy(CLI)
    twin = copy.deepcopy(document["checks"][1])
    twin["definition"] += "\n      warn:\n        when forbidden column present: [ssn]"
    document["checks"].append(twin)
    assert len({r.check_key for r in parse(document).records}) == 11


@pytest.mark.parametrize("name", bad_input_names("soda"))
def test_bad_inputs_meet_their_expectation(name):
    check_bad_input(parse, "soda", name)


def test_bad_input_corpus_is_complete():
    check_bad_inputs_listed("soda")


def test_an_unknown_product_is_kept_unattributed():
    [result] = parse((BAD / "unknown_product.json").read_bytes()).records
    assert result.product_id is None and result.suite == "mystery_table"


JSON = json_values(max_leaves=30)


def _survives(content: bytes) -> None:
    try:
        parsed = parse(content)
    except (CollectorParseError, NotEvidence):
        return
    assert all(isinstance(r, CheckResult) for r in parsed.records)
    assert all(isinstance(p, CollectorParseError) for p in parsed.problems)


@given(st.binary())
def test_any_bytes_never_raise_anything_else(content):
    _survives(content)


@given(JSON)
def test_any_json_never_raises_anything_else(document):
    _survives(json.dumps(document).encode())


@given(st.dictionaries(st.sampled_from(sorted(CLI)), JSON))
def test_any_json_under_soda_keys_never_raises_anything_else(document):
    _survives(json.dumps(document).encode())


PATHS = json_paths(CLI, max_items=3)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON, st.booleans())
def test_mutated_real_scan_never_raises_anything_else(path, replacement, drop):
    _survives(json.dumps(mutated(CLI, path, replacement, drop)).encode())
