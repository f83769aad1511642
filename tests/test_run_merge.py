"""Runs and lineage merge the same on both stores: in Python on SQLite, in SQL on PostgreSQL.

A run reported by several events (START, then COMPLETE or FAIL, in any order, in one batch or
across batches) is one row: the widest time span, the most final state and that event's
columns, the product once known, the details of all. A lineage edge keeps its first and last
sighting. On PostgreSQL this is the upsert's own SET (no read back, no lock); these tests
hold it to the Python merge SQLite uses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from governance.model.records import LineageObservation, PipelineRun
from governance.store import Store
from governance.store.schema.tables import observed_lineage, pipeline_runs
from governance.store.write.evidence import write_records
from tests import pg_server

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def run(run_id: str, state: str, minutes: int, product: str | None, **details) -> PipelineRun:
    at = T0 + timedelta(minutes=minutes)
    return PipelineRun(
        product_id=product,
        job="dbt/orders.build",
        run_id=run_id,
        state=state,
        started_at=at if state == "running" else None,
        ended_at=None if state == "running" else at,
        source_tool="openlineage",
        source=f"events-{state}-{minutes}.jsonl",
        details=details,
    )


def edge(minutes: int, source: str) -> LineageObservation:
    at = T0 + timedelta(minutes=minutes)
    return LineageObservation(None, "orders", "s3://raw/shop_events", "dbt/orders.build", at, "openlineage", source)  # fmt: skip


# Batches written one after another; each inner list is one transaction.
STORIES = {
    "start then complete": [[run("a", "running", 0, None, a=1)], [run("a", "success", 9, "orders", b=2)]],
    "complete then start": [[run("a", "success", 9, "orders", b=2)], [run("a", "running", 0, None, a=1)]],
    "fail after success": [[run("a", "success", 5, "orders")], [run("a", "failed", 7, None, error="x")]],
    "success after fail": [[run("a", "failed", 7, "orders", error="x")], [run("a", "success", 5, None)]],
    "all in one batch": [[run("a", "running", 0, None, a=1), run("a", "success", 9, "orders", a=2)]],
    "three runs, mixed": [
        [run("a", "running", 0, None), run("b", "success", 3, "orders", x=1)],
        [run("b", "running", 1, None, y=2), run("c", "aborted", 4, None), run("a", "success", 8, None)],
    ],
    "lineage sightings": [[edge(5, "one")], [edge(1, "two")], [edge(9, "three"), edge(3, "four")]],
}  # fmt: skip


def stored(url: str, batches: list[list]) -> tuple[list[dict], list[dict], list[set[str]]]:
    store = Store(url)
    store.init()
    news = []
    for batch in batches:
        with store.begin() as connection:
            news.append(write_records(connection, batch))
    with store.read() as connection:
        runs = [
            {k: v for k, v in row._mapping.items() if k not in ("id", "collected_at")}
            for row in connection.execute(select(pipeline_runs).order_by(pipeline_runs.c.run_key))
        ]
        edges = [
            {k: v for k, v in row._mapping.items() if k != "id"}
            for row in connection.execute(select(observed_lineage))
        ]
    store.dispose()
    return runs, edges, news


@pytest.mark.parametrize("story", list(STORIES))
def test_postgresql_merges_as_sqlite_does(story, tmp_path: Path, pg_available):
    pg_server.require(pg_available)
    name = pg_server.create_database("meshgov_merge")
    try:
        on_pg = stored(pg_server.database_url(name), STORIES[story])
    finally:
        pg_server.drop_database(name)
    on_sqlite = stored(f"sqlite:///{tmp_path / 'merge.db'}", STORIES[story])
    assert on_pg == on_sqlite
    runs, edges, news = on_pg
    assert sum(len(new) for new in news) == len(runs) + len(edges)  # new once, then merged


def test_a_finished_run_keeps_its_span_and_final_state(tmp_path: Path):
    runs, _, _ = stored(f"sqlite:///{tmp_path / 'm.db'}", STORIES["complete then start"])
    (row,) = runs
    assert row["state"] == "success" and row["product_id"] == "orders"
    assert row["started_at"] == T0 and row["ended_at"] == T0 + timedelta(minutes=9)
    assert row["details"] == {"a": 1, "b": 2}
    assert row["source"] == "events-success-9.jsonl"  # the most final event's columns
