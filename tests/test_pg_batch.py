"""PostgreSQL writes a batch of evidence in one round trip (evidence_pg): the same store as SQLite.

Checks and log records go as one statement per kind that also counts the new ones into the
daily roll-up; runs and lineage merge in SQL; the collector log is one statement with its
files. These tests write the same batches to both stores and compare every row, including the
awkward inputs: a check twice in a batch, a resend, NULL products, a float
column whose first value is an integer, days in several time zones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from governance.model.records import CheckResult, LineageObservation, LogRecord, PipelineRun
from governance.store import Store
from governance.store.schema.tables import (
    check_daily,
    check_results,
    collector_files,
    collector_runs,
    log_daily,
    log_records,
    pipeline_runs,
)
from governance.store.write import ledger
from governance.store.write.collector_log import FileOutcome, log_source_run
from governance.store.write.evidence import write_records
from governance.store.write.retention_queries import PRUNED_ACTION
from tests import pg_server

T0 = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
EAST = timezone(timedelta(hours=5))  # 23:30 UTC is already the next day here


def check(name: str, minutes: int, success: bool, product: str | None = "orders", **kw) -> CheckResult:  # fmt: skip
    return CheckResult(
        product_id=product,
        port=None,
        source_tool=kw.get("tool", "great_expectations"),
        suite="orders.suite",
        check=name,
        column=kw.get("column"),
        success=success,
        status="passed" if success else "failed",
        unexpected_count=kw.get("unexpected_count"),
        unexpected_percent=kw.get("percent"),
        element_count=kw.get("element_count"),
        run_time=kw.get("at", T0 + timedelta(minutes=minutes)),
        source="suite.json",
        details=kw.get("details", {"kwargs": {"column": "order_id"}}),
    )


def log(minutes: int, severity: int | None, product: str | None = "orders") -> LogRecord:
    at = T0 + timedelta(minutes=minutes)
    return LogRecord(product, at, severity, None, f"line {minutes}", None, None, "r1", "dbt", "logs.json", {"k": [1, 2]})  # fmt: skip


def run(run_id: str, minutes: int) -> PipelineRun:
    at = T0 + timedelta(minutes=minutes)
    return PipelineRun("orders", "dbt/orders.build", run_id, "success", at, at, "openlineage", "e.jsonl", {"n": minutes})  # fmt: skip


def sighting(minutes: int) -> LineageObservation:
    at = T0 + timedelta(minutes=minutes)
    return LineageObservation(None, "orders", "s3://raw/shop_events", "dbt/orders.build", at, "openlineage", "e.jsonl")  # fmt: skip


BATCHES = [
    [
        check("not_null", 0, True, percent=0, unexpected_count=0, element_count=10),
        check("unique", 0, False, percent=12.5, unexpected_count=3, column="order_id"),
        check("not_null", 0, True, percent=0),  # the same check twice in one batch
        check("failing", 1, False),
        check("unowned", 1, True, product=None),
        check("east", 0, True, at=T0.astimezone(EAST)),  # the same instant, another zone
        check("soda", 2, False, tool="soda", details={}),
        log(0, 9),
        log(0, 17),
        log(1, None),
        log(2, 21, product=None),
        run("a", 0),
        sighting(5),
    ],
    [  # a resend of part of the first, and new evidence on the next day
        check("not_null", 0, True, percent=0),
        check("unique", 0, False, percent=12.5, unexpected_count=3, column="order_id"),
        check("late", 60, True, percent=0.25),
        log(0, 9),
        log(61, 13),
        run("a", 0),
        run("b", 61),
        sighting(1),
        sighting(70),
    ],
]


def _rows(connection, table, order, skip=("id", "collected_at")) -> list[dict]:
    query = select(table).order_by(*(table.c[c] for c in order))
    return [
        {k: v for k, v in row._mapping.items() if k not in skip}
        for row in connection.execute(query)
    ]


def written(url: str, batches: list[list]) -> dict:
    store = Store(url)
    store.init()
    news = []
    for batch in batches:
        with store.begin() as connection:
            news.append(sorted(write_records(connection, batch)))
    with store.read() as connection:
        found = {
            "new": news,
            "checks": _rows(connection, check_results, ["check_key"]),
            "check_daily": _rows(connection, check_daily, ["product_id", "day", "source_tool"]),
            "logs": _rows(connection, log_records, ["record_key"]),
            "log_daily": _rows(connection, log_daily, ["product_id", "day", "severity"]),
            "runs": _rows(connection, pipeline_runs, ["run_key"]),
        }
    store.dispose()
    return found


@pytest.fixture
def pg_url_for(pg_available):
    pg_server.require(pg_available)
    made = []

    def url(name: str) -> str:
        made.append(pg_server.create_database(name))
        return pg_server.database_url(made[-1])

    yield url
    for name in made:
        pg_server.drop_database(name)


def test_postgresql_writes_checks_logs_and_their_rollups_as_sqlite_does(tmp_path: Path, pg_url_for):
    on_pg = written(pg_url_for("meshgov_batch"), BATCHES)
    on_sqlite = written(f"sqlite:///{tmp_path / 'batch.db'}", BATCHES)
    assert on_pg == on_sqlite
    daily = {(r["source_tool"], r["day"].isoformat()): r for r in on_pg["check_daily"]}
    # The duplicate and the resend counted once, the unowned check not at all; the check
    # written in another zone counts on that zone's date (as SQLite counts it: the day is
    # the Python date of the time as reported).
    assert daily[("great_expectations", "2026-11-24")] == {
        "product_id": "orders",
        "day": T0.date(),
        "source_tool": "great_expectations",
        "checks": 3,
        "passed": 1,
        "failed": 2,
    }
    assert daily[("great_expectations", "2026-11-25")]["checks"] == 2  # east, late
    percents = {r["check_name"]: r["unexpected_percent"] for r in on_pg["checks"]}
    assert percents["not_null"] == 0.0 and percents["unique"] == 12.5  # an int, then a float
    assert [(r["day"].isoformat(), r["severity"], r["records"]) for r in on_pg["log_daily"]] == [
        ("2026-11-24", "ERROR", 1),
        ("2026-11-24", "INFO", 1),
        ("2026-11-24", "UNSPECIFIED", 1),  # no severityNumber (11 characters: migration 0008)
        ("2026-11-25", "WARN", 1),
    ]
    assert len(on_pg["new"][1]) == 3  # the resends and the edge seen again are not new


def test_records_older_than_a_prune_are_dropped_on_postgresql_too(pg_url_for):
    url = pg_url_for("meshgov_horizon")
    store = Store(url)
    store.init()
    cutoff = T0 + timedelta(minutes=30)
    with store.begin() as connection:  # what `meshgov prune` logs
        ledger.append(
            connection,
            actor="admin@example.com",
            action=PRUNED_ACTION,
            subject="store",
            payload={"cutoff": cutoff.isoformat(), "older_than_days": 1, "counts": {}},
        )
    with store.begin() as connection:  # one record before the cutoff: the long way, filtered
        new = write_records(connection, [check("old", 0, True), check("recent", 60, True)])
    with store.begin() as connection:  # all after it: one round trip
        newer = write_records(connection, [check("later", 90, False), run("c", 90)])
    with store.read() as connection:
        names = {r["check_name"] for r in _rows(connection, check_results, ["check_key"])}
        daily = _rows(connection, check_daily, ["day"])
    store.dispose()
    assert names == {"recent", "later"}
    assert len(new) == 1 and len(newer) == 2
    assert [(r["checks"], r["passed"], r["failed"]) for r in daily] == [(2, 1, 1)]


def test_the_collector_log_is_the_same_on_both_stores(tmp_path: Path, pg_url_for):
    outcomes = [
        FileOutcome("a.json", "ok", records_read=3, records_new=2, content_sha256="ab" * 32),
        FileOutcome("b.json", "refused", "not JSON: line 2", position="line 2"),
        FileOutcome("c.json", "unchanged"),
        FileOutcome("d.json", "partial", "1 event refused", records_read=4, warnings=("w1", "w2")),
    ]
    found = []
    for url in (pg_url_for("meshgov_log"), f"sqlite:///{tmp_path / 'log.db'}"):
        store = Store(url)
        store.init()
        with store.begin() as connection:
            for files in (outcomes, []):
                log_source_run(
                    connection,
                    run_id="r-1",
                    collector="great_expectations",
                    source="push:tok-1",
                    product_id=None,
                    outcomes=files,
                    error=None,
                    started_at=T0,
                )
        with store.read() as connection:
            runs = _rows(connection, collector_runs, ["id"], skip=("id", "finished_at"))
            files = _rows(connection, collector_files, ["id"], skip=("id",))
            ids = [row.id for row in connection.execute(select(collector_runs.c.id))]
        store.dispose()
        assert {f["collector_run_id"] for f in files} == {ids[0]}
        found.append(
            (runs, [{k: v for k, v in f.items() if k != "collector_run_id"} for f in files])
        )
    assert found[0] == found[1]
    runs, files = found[0]
    assert [r["status"] for r in runs] == ["partial", "ok"]
    assert [f["path"] for f in files] == ["a.json", "b.json", "d.json"]  # unchanged: counted only
    assert files[2]["warnings"] == "w1\nw2"
