"""Writes for collected evidence: one writer per record kind, each idempotent by natural key.

Rollups (check_daily, log_daily) are kept incrementally: only rows that were actually new
are counted into them, so re-collecting evidence never inflates a count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select, text

from governance.model.records import (
    AuditEvent,
    CheckResult,
    LineageObservation,
    LogRecord,
    PipelineRun,
    Record,
    SliSample,
    SloDefinition,
)
from governance.store.schema.tables import (
    audit_events,
    log_daily,
    log_records,
    observed_lineage,
    pipeline_runs,
    sli_samples,
    slo_definitions,
)
from governance.store.schema.types import as_jsonable, utcnow
from governance.store.write.checks import write_check_results
from governance.store.write.evidence_pg import PIPELINED, write_pipelined
from governance.store.write.evidence_rows import (
    RUN_MERGE_SQL,
    WIDEN_SQL,
    log_rows,
    merge_runs,
    merge_sightings,
    record_keys,
    run_rows,
    severity_band,
    sighting_rows,
)
from governance.store.write.retention_queries import (
    after_horizon,
    pruned_before,
)
from governance.store.write.upsert import (
    add_counts,
    insert_new,
    psycopg_merge,
    sqlite_existing,
    sqlite_widen,
    upsert,
)


def _merge_by_key(
    connection: Connection,
    table: Table,
    key_column: str,
    incoming: dict[str, dict[str, Any]],
    merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
) -> set[str]:
    """Upsert rows that several events may report, merging with what is stored; returns new keys."""
    keys = list(incoming)
    stored: dict[str, dict[str, Any]] = {}
    # On SQLite, ask first which keys exist (a cheap index probe): usually none, and only
    # those are read back whole and converted.
    wanted = (
        sorted(sqlite_existing(connection, table, key_column, keys))
        if (connection.dialect.name == "sqlite")
        else keys
    )
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(table).where(table.c[key_column].in_(chunk))
        stored.update(
            {row._mapping[key_column]: dict(row._mapping) for row in connection.execute(query)}
        )
    rows = []
    for key, row in incoming.items():
        if key in stored:
            previous = {k: v for k, v in stored[key].items() if k != "id"}
            row = merge(previous, row)
        rows.append(row)
    upsert(connection, table, rows, [key_column])
    return set(keys) - set(stored)


def write_pipeline_runs(
    connection: Connection, runs: Sequence[PipelineRun], keys: Sequence[str] | None = None
) -> set[str]:
    """Upsert runs; several events of one run merge into one row."""
    incoming = run_rows(runs, keys)
    if connection.dialect.driver == "psycopg":  # merged in SQL, as merge_runs does
        return psycopg_merge(
            connection, pipeline_runs, list(incoming.values()), "run_key", RUN_MERGE_SQL
        )
    return _merge_by_key(connection, pipeline_runs, "run_key", incoming, merge_runs)


def write_lineage(
    connection: Connection, edges: Sequence[LineageObservation], keys: Sequence[str] | None = None
) -> set[str]:
    """Upsert observed lineage edges, widening their first/last sighting."""
    incoming = sighting_rows(edges, keys)
    rows = list(incoming.values())
    if connection.dialect.name == "sqlite":  # one writer: the span is widened in SQL
        return sqlite_widen(
            connection, observed_lineage, rows, "edge_key", "first_seen", "last_seen"
        )
    if connection.dialect.driver == "psycopg":  # widened in SQL, as merge_sightings does
        return psycopg_merge(connection, observed_lineage, rows, "edge_key", WIDEN_SQL)
    return _merge_by_key(connection, observed_lineage, "edge_key", incoming, merge_sightings)


def write_log_records(
    connection: Connection, records: Sequence[LogRecord], keys: Sequence[str] | None = None
) -> set[str]:
    """Insert log records by natural key; new ones are counted into the daily rollup."""
    rows = log_rows(records, keys)
    new = insert_new(connection, log_records, list(rows.values()), ["record_key"])
    daily = Counter(
        (row["product_id"], row["time"].date(), severity_band(row["severity_number"]))
        for key, row in rows.items()
        if key in new and row["product_id"] is not None
    )
    add_counts(
        connection,
        log_daily,
        [
            {"product_id": p, "day": d, "severity": s, "records": n}
            for (p, d, s), n in daily.items()
        ],
        ["product_id", "day", "severity"],
        ["records"],
    )
    return new


def write_audit_events(
    connection: Connection, events: Sequence[AuditEvent], keys: Sequence[str] | None = None
) -> set[str]:
    """Insert audit events by natural key."""
    rows = {
        key: {
            "event_key": key,
            "product_id": e.product_id,
            "time": e.time,
            "actor": e.actor,
            "action": e.action,
            "resource": e.resource,
            "read_only": e.read_only,
            "source_tool": e.source_tool,
            "event_id": e.event_id,
            "details": as_jsonable(e.details),
            "source": e.source,
        }
        for e, key in zip(events, record_keys(events, keys), strict=True)
    }
    return insert_new(connection, audit_events, list(rows.values()), ["event_key"])


def write_slo_definitions(
    connection: Connection, slos: Sequence[SloDefinition], keys: Sequence[str] | None = None
) -> set[str]:
    """Upsert SLO definitions: a changed file updates its SLOs; returns how many were new."""
    now = utcnow()
    incoming = {
        key: {
            "slo_key": key,
            "product_id": s.product_id,
            "name": s.name,
            "indicator": s.indicator,
            "target": s.target,
            "window": s.window,
            "budgeting_method": s.budgeting_method,
            "source_tool": s.source_tool,
            "details": as_jsonable(s.details),
            "source": s.source,
            "updated_at": now,
        }
        for s, key in zip(slos, record_keys(slos, keys), strict=True)
    }

    def keep_time_if_same(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        same = all(old[k] == new[k] for k in new if k != "updated_at")
        return {**new, "updated_at": old["updated_at"]} if same else new

    return _merge_by_key(connection, slo_definitions, "slo_key", incoming, keep_time_if_same)


def write_sli_samples(
    connection: Connection, samples: Sequence[SliSample], keys: Sequence[str] | None = None
) -> set[str]:
    """Insert SLI samples by natural key."""
    rows = {
        key: {
            "sample_key": key,
            "product_id": s.product_id,
            "indicator": s.indicator,
            "slo": s.slo,
            "time": s.time,
            "good": s.good,
            "total": s.total,
            "value": s.value,
            "labels": dict(s.labels),
            "source_tool": s.source_tool,
            "source": s.source,
        }
        for s, key in zip(samples, record_keys(samples, keys), strict=True)
    }
    return insert_new(connection, sli_samples, list(rows.values()), ["sample_key"])


WRITERS: dict[type, Callable[[Connection, Sequence[Any], Sequence[str] | None], set[str]]] = {
    CheckResult: write_check_results,
    PipelineRun: write_pipeline_runs,
    LineageObservation: write_lineage,
    LogRecord: write_log_records,
    AuditEvent: write_audit_events,
    SloDefinition: write_slo_definitions,
    SliSample: write_sli_samples,
}


MERGED = (PipelineRun, LineageObservation, SloDefinition)
MERGE_LOCK = 0x6D6573686701  # "meshg" + 1: the advisory lock of merging writers


def record_key(record: Record) -> str:
    """The natural key the store dedupes a record by."""
    return record.natural_key


def write_records(
    connection: Connection, records: Sequence[Record], keys: Sequence[str] | None = None
) -> set[str]:
    """Write records of any kind; returns the natural keys that were new to the store.

    `keys` (the records' natural keys, in order) saves computing them twice. Records older
    than the latest `meshgov prune` cutoff are dropped, see below. On PostgreSQL a batch of
    checks, runs, lineage and logs goes in one round trip (evidence_pg), the same rows.
    """
    if connection.dialect.driver == "psycopg" and records:
        keys = list(keys) if keys is not None else [r.natural_key for r in records]
        if all(type(r) in PIPELINED for r in records):
            new_keys = write_pipelined(connection, records, keys)
            if new_keys is not None:
                return new_keys  # else the horizon drops some record: the long way, below
    horizon = pruned_before(connection)
    if horizon is not None:
        # A prune deleted the raw rows before its cutoff but kept their days in check_daily
        # and log_daily. A file that changes afterwards is read again whole: its old rows
        # would look new to insert_new and be counted into the roll-ups a second time. So
        # nothing older than the horizon (the newest prune's cutoff) is written.
        records, keys = after_horizon(records, keys, horizon)
    new: set[str] = set()
    # Through psycopg, runs and lineage merge in SQL (psycopg_merge): only SLOs read first.
    merged = (SloDefinition,) if connection.dialect.driver == "psycopg" else MERGED
    if connection.dialect.name == "postgresql" and any(type(r) in merged for r in records):
        # Runs, lineage and SLO definitions are read, merged and written back: two shards
        # merging the same row at once would lose one's half. One lock, taken first in the
        # transaction, makes merging writers take turns (and cannot deadlock with itself).
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MERGE_LOCK})
    # Checks first (the largest table, as before), then each other kind, keys alongside.
    kinds: dict[type, tuple[list[Record], list[str]]] = {CheckResult: ([], [])}
    for record, key in zip(
        records, keys if keys is not None else record_keys(records, None), strict=True
    ):
        batch, batch_keys = kinds.setdefault(type(record), ([], []))
        batch.append(record)
        batch_keys.append(key)
    for kind, (batch, batch_keys) in kinds.items():
        if batch:
            new |= WRITERS[kind](connection, batch, batch_keys)
    return new
