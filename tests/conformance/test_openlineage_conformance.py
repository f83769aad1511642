"""OpenLineage conformance, the finer points: what the corpus's records say once stored.

The manifest (openlineage/MANIFEST.yaml) fixes each file's verdict and row counts; these tests
read the committed corpus through the real runner into real SQLite stores and look inside the
rows: statuses that follow severity, metrics kept with runs and checks, details of 1-1
assertions and TestRunFacet tests, the warnings kept with each file, lineage once products
claim the datasets, and the worker-process parse pipeline storing the same rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from collectors import Parsed, ProductDirectory, SourceContext, normalise_alias
from collectors.openlineage import OpenLineageCollector
from collectors.runner import run_sources
from collectors.sources import Source
from governance.model.records import LineageObservation
from governance.store import Store
from governance.store.schema.tables import check_results, collector_files, pipeline_runs
from tests.conformance import harness

CORPUS = Path(__file__).parent / "openlineage"
WAREHOUSE = "postgres://royalty-warehouse.internal:5432"


def collect(folder: Path, store_path: Path, *, pipeline: bool) -> dict[str, list[dict[str, Any]]]:
    """Collect a folder with the real runner; the stored rows, keyed by the corpus's own paths."""
    store = Store(f"sqlite:///{store_path}")
    store.init()
    try:
        run_sources(
            store, [Source(collector="openlineage", location=str(folder))], pipeline=pipeline
        )
        rows: dict[str, list[dict[str, Any]]] = {}
        with store.read() as connection:
            for table in (check_results, pipeline_runs, collector_files):
                source = table.c.path if table is collector_files else table.c.source
                rows[table.name] = [
                    dict(row._mapping)
                    | {"file": str(Path(row._mapping[source.name]).relative_to(folder))}
                    for row in connection.execute(select(table))
                ]
        return rows
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    return collect(CORPUS, tmp_path_factory.mktemp("ol") / "store.db", pipeline=False)


def rows_of(stored: dict, table: str, file: str) -> list[dict[str, Any]]:
    return [row for row in stored[table] if row["file"] == file]


def details(row: dict[str, Any]) -> dict[str, Any]:
    value = row["details"]
    return json.loads(value) if isinstance(value, str) else value


def test_severity_decides_between_warn_and_fail(stored):
    checks = {
        r["check_name"]: r
        for r in rows_of(stored, "check_results", "assertions/facet-1-1-severity.json")
    }
    statuses = {name: (row["status"], row["success"]) for name, row in checks.items()}
    assert statuses == {
        "not_null_artists_artist_id": ("pass", True),
        "accepted_values_artists_tier": ("warn", False),  # severity warn
        "relationships_artists_label_id": ("warn", False),  # severity warning
        "no_negative_advances": ("fail", False),  # severity ERROR
        "no_future_signings": ("fail", False),  # severity critical: unknown, a failure
        "artist_summary_not_empty": ("pass", True),
    }
    advances = details(checks["no_negative_advances"])
    assert advances["assertion"] == "custom_sql"  # the 1-1 name is the check, the kind stays
    assert (advances["expected"], advances["actual"], advances["content_type"]) == (
        "0",
        "12",
        "sql",
    )
    assert advances["content"].startswith("SELECT count(*) FROM artists")
    tier = details(checks["accepted_values_artists_tier"])
    assert tier["params"] == {"values": ["indie", "label", "major"]}
    # The facet under both inputFacets and facets (as dbt writes it) was read once.
    assert len(checks) == len(
        rows_of(stored, "check_results", "assertions/facet-1-1-severity.json")
    )


def test_facet_1_0_assertions_are_named_by_their_assertion(stored):
    checks = rows_of(stored, "check_results", "assertions/facet-1-0.json")
    seen = {(r["check_name"], r["column_name"], r["status"]) for r in checks}
    assert seen == {
        ("not_null", "payout_id", "pass"),
        ("unique", "payout_id", "pass"),
        ("accepted_values", "currency", "fail"),  # 1-0 has no severity: a failure
        ("row_count", None, "pass"),
    }


def test_metrics_are_kept_with_the_run_and_with_the_checks_they_measured(stored):
    file = "metrics/metrics-and-statistics.json"
    [run] = rows_of(stored, "pipeline_runs", file)
    run_details = details(run)
    sessions = "s3://royalty-lake/raw/listening_sessions"
    metrics = run_details["data_quality_metrics"][sessions]
    assert (metrics["rowCount"], metrics["bytes"], metrics["fileCount"]) == (120450, 88080384, 12)
    assert metrics["columnMetrics"]["listener_id"] == {"nullCount": 17, "distinctCount": 30211}
    assert metrics["columnMetrics"]["seconds_played"]["quantiles"]["0.5"] == 172
    daily = f"{WAREHOUSE}/royalties.public.sessions_daily"
    assert run_details["data_quality_metrics"][daily]["rowCount"] == 365  # the dataset facet
    assert run_details["input_statistics"][sessions]["rowCount"] == 120450
    assert run_details["output_statistics"][daily] == {
        "rowCount": 365,
        "size": 40960,
        "fileCount": 1,
    }
    checks = {r["check_name"]: r for r in rows_of(stored, "check_results", file)}
    not_null = checks["expect_column_values_to_not_be_null"]
    assert (not_null["status"], not_null["element_count"]) == ("warn", 120450)
    assert details(not_null)["column_metrics"] == {"nullCount": 17, "distinctCount": 30211}
    # Metrics are measurements, not checks: no check row was made of them.
    assert set(checks) == {
        "expect_column_values_to_not_be_null",
        "expect_table_row_count_to_be_between",
    }


def test_test_run_facet_tests_are_check_results(stored):
    checks = {
        r["check_name"]: r for r in rows_of(stored, "check_results", "testrun/test-run-facet.jsonl")
    }
    assert {name: row["status"] for name, row in checks.items()} == {
        "assert_statement_totals": "pass",
        "assert_payout_currency": "warn",  # fail, severity warn
        "assert_payout_rounding": "fail",
        "assert_late_statements": "skipped",
    }
    # One input: the test is about that dataset; two: the job names the suite.
    assert checks["assert_statement_totals"]["suite"] == "royalties.public.statements"
    assert checks["assert_payout_rounding"]["suite"] == "test.royalties.assert_payout_currency"
    assert details(checks["assert_payout_rounding"])["params"] == {"precision": 2}
    assert details(checks["assert_statement_totals"])["type"] == "singular"


def test_run_details_from_run_and_job_facets(stored):
    [run] = rows_of(stored, "pipeline_runs", "facets/descriptive-facets.json")
    got = details(run)
    assert (got["parent_run_id"], got["parent_job"]) == (
        "2d4e6f80-1a3c-4e5f-8a9b-0c1d2e3f4a70",
        "royalty-airflow/statements_dag",
    )
    assert (got["root_run_id"], got["root_job"]) == (
        "2d4e6f80-1a3c-4e5f-8a9b-0c1d2e3f4a00",
        "royalty-airflow/month_end",
    )
    assert got["nominal_start_time"] == "2026-10-05T06:00:00Z"
    assert got["processing_engine"]["name"] == "Airflow"
    assert got["job_type"] == {
        "processingType": "BATCH",
        "integration": "AIRFLOW",
        "jobType": "TASK",
    }
    assert got["job_owners"] == [{"name": "team:royalties", "type": "MAINTAINER"}]
    statements = f"{WAREHOUSE}/royalties.public.statements"
    assert got["dataset_owners"][statements][1] == {"name": "user:ana.okafor"}


def test_lifecycle_merges_into_one_row_per_run(stored):
    runs = {r["run_id"][-2:]: r for r in rows_of(stored, "pipeline_runs", "runs/lifecycle.jsonl")}
    assert {k: r["state"] for k, r in runs.items()} == {
        "01": "success",
        "02": "failed",
        "03": "aborted",
    }
    assert runs["01"]["started_at"] is not None and runs["01"]["ended_at"] is not None
    failed = details(runs["02"])
    assert failed["error_message"] == "relation royalties.public.stream_counts is locked"
    assert failed["error_language"] == "SQL"


def test_warnings_are_kept_with_the_file_once_per_kind(stored):
    warnings = {r["file"]: r["warnings"] or "" for r in stored["collector_files"]}
    descriptive = warnings["facets/descriptive-facets.json"]
    assert descriptive.count("does not read") == 1  # one warning naming every unread facet
    assert "lifecycleStateChange" not in descriptive  # a _deleted facet is no facet
    assert warnings["assertions/facet-1-0.json"] == ""


def test_a_facet_on_its_own_is_skipped_saying_why(stored):
    [row] = rows_of(stored, "collector_files", "not-events/facet-on-its-own.json")
    assert row["status"] == "skipped"
    assert "not an OpenLineage event but a facet (dataQualityAssertions)" in row["reason"]


def test_the_parse_pipeline_stores_the_same_rows(stored, tmp_path: Path):
    piped = collect(CORPUS, tmp_path / "piped.db", pipeline=True)

    def comparable(rows: dict, table: str, keep: tuple[str, ...]) -> list[tuple]:
        return sorted(
            tuple(json.dumps(details(r), sort_keys=True) if k == "details" else r[k] for k in keep)
            for r in rows[table]
        )

    for table, keep in (
        (
            "check_results",
            ("file", "suite", "check_name", "column_name", "status", "element_count", "details"),
        ),
        ("pipeline_runs", ("file", "job", "run_id", "state", "details")),
        ("collector_files", ("file", "status", "reason", "warnings")),
    ):
        assert comparable(piped, table, keep) == comparable(stored, table, keep), table


def test_lineage_between_products_once_they_claim_the_datasets():
    directory = ProductDirectory(
        products=frozenset({"listening", "statements"}),
        aliases={
            normalise_alias(f"{WAREHOUSE}/royalties.public.stream_counts"): "listening",
            normalise_alias(f"{WAREHOUSE}/royalties.public.statements"): "statements",
        },
    )
    content = (CORPUS / "runs" / "lifecycle.jsonl").read_bytes()
    parsed = OpenLineageCollector().parse(
        content, SourceContext(path="lifecycle.jsonl", directory=directory)
    )
    records = parsed.records if isinstance(parsed, Parsed) else parsed
    edges = {
        (e.upstream_product, e.downstream_product, e.dataset)
        for e in records
        if isinstance(e, LineageObservation)
    }
    stream_counts = f"{WAREHOUSE}/royalties.public.stream_counts"
    assert edges == {("listening", "statements", stream_counts)}


UPSTREAM_DBT = "integration/common/tests/dbt/no_test_metadata/result.json"


def test_upstream_dbt_assertions_keep_their_names():
    origin = harness.Origin(
        "OpenLineage/OpenLineage", "8f02abfb7a252783b95df79f443edb13959bf52c", UPSTREAM_DBT
    )
    if why := harness.mirror_missing(origin):
        pytest.skip(why)
    parsed = OpenLineageCollector().parse(
        harness.mirror_read(origin), SourceContext(path="result.json")
    )
    records = parsed.records if isinstance(parsed, Parsed) else parsed
    names = {r.check for r in records if hasattr(r, "check")}
    # dbt 1-1 assertions carry the test's name; distinct tests of one kind stay distinct.
    assert "not_null_customers_customer_id" in names
    assert "unique_customers_customer_id" in names
