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
from governance.model.vocabulary import RUN_STATE_RANK
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

SEVERITY_BANDS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def severity_band(number: int | None) -> str:
    """OTLP severityNumber 1-24 in bands of four; anything else is UNSPECIFIED."""
    if number is None or not 1 <= number <= 24:
        return "UNSPECIFIED"
    return SEVERITY_BANDS[(number - 1) // 4]


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


def _earliest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


def _merge_runs(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """START then COMPLETE, in any order: widest time span, the most final state."""
    later_state = RUN_STATE_RANK[new["state"]] >= RUN_STATE_RANK[old["state"]]
    return {
        **(new if later_state else old),
        "started_at": _earliest(old["started_at"], new["started_at"]),
        "ended_at": _latest(old["ended_at"], new["ended_at"]),
        "product_id": new["product_id"] or old["product_id"],
        "details": {**old["details"], **new["details"]},
    }


def write_pipeline_runs(
    connection: Connection, runs: Sequence[PipelineRun], keys: Sequence[str] | None = None
) -> set[str]:
    """Upsert runs; several events of one run merge into one row."""
    now = utcnow()
    incoming: dict[str, dict[str, Any]] = {}
    for run, run_key in zip(runs, _keys(runs, keys), strict=True):
        row = {
            "run_key": run_key,
            "product_id": run.product_id,
            "job": run.job,
            "run_id": run.run_id,
            "state": run.state,
            "started_at": run.started_at,
            "ended_at": run.ended_at,
            "source_tool": run.source_tool,
            "source": run.source,
            "details": as_jsonable(run.details),
            "collected_at": now,
        }
        key = row["run_key"]
        incoming[key] = _merge_runs(incoming[key], row) if key in incoming else row
    if connection.dialect.driver == "psycopg":  # merged in SQL, as _merge_runs does
        return psycopg_merge(
            connection, pipeline_runs, list(incoming.values()), "run_key", _RUN_MERGE_SQL
        )
    return _merge_by_key(connection, pipeline_runs, "run_key", incoming, _merge_runs)


def _run_merge_sql() -> str:
    """_merge_runs as the SET of an upsert, on PostgreSQL (`pipeline_runs`: the stored row)."""

    def rank(state: str) -> str:
        ranks = " ".join(f"WHEN '{name}' THEN {n}" for name, n in RUN_STATE_RANK.items())
        return f"(CASE {state} {ranks} ELSE -1 END)"

    later = f"{rank('excluded.state')} >= {rank('pipeline_runs.state')}"
    taken = [
        f'"{c}" = CASE WHEN {later} THEN excluded."{c}" ELSE pipeline_runs."{c}" END'
        for c in ("job", "run_id", "state", "source_tool", "source", "collected_at")
    ]
    return ", ".join(
        [
            *taken,
            "started_at = LEAST(pipeline_runs.started_at, excluded.started_at)",  # NULLs ignored
            "ended_at = GREATEST(pipeline_runs.ended_at, excluded.ended_at)",
            "product_id = COALESCE(excluded.product_id, pipeline_runs.product_id)",
            "details = pipeline_runs.details || excluded.details",  # JSONB: keys of the new win
        ]
    )


_RUN_MERGE_SQL = _run_merge_sql()


def _merge_sightings(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {
        **new,
        "first_seen": _earliest(old["first_seen"], new["first_seen"]),
        "last_seen": _latest(old["last_seen"], new["last_seen"]),
    }


def write_lineage(
    connection: Connection, edges: Sequence[LineageObservation], keys: Sequence[str] | None = None
) -> set[str]:
    """Upsert observed lineage edges, widening their first/last sighting."""
    incoming: dict[str, dict[str, Any]] = {}
    for edge, edge_key in zip(edges, _keys(edges, keys), strict=True):
        row = {
            "edge_key": edge_key,
            "upstream_product": edge.upstream_product,
            "downstream_product": edge.downstream_product,
            "dataset": edge.dataset,
            "job": edge.job,
            "first_seen": edge.observed_at,
            "last_seen": edge.observed_at,
            "source_tool": edge.source_tool,
            "source": edge.source,
        }
        key = row["edge_key"]
        incoming[key] = _merge_sightings(incoming[key], row) if key in incoming else row
    rows = list(incoming.values())
    if connection.dialect.name == "sqlite":  # one writer: the span is widened in SQL
        return sqlite_widen(
            connection, observed_lineage, rows, "edge_key", "first_seen", "last_seen"
        )
    if connection.dialect.driver == "psycopg":  # widened in SQL, as _merge_sightings does
        others = [c for c in rows[0] if c not in ("edge_key", "first_seen", "last_seen")]
        assignments = ", ".join(
            [
                *(f'"{c}" = excluded."{c}"' for c in others),
                "first_seen = LEAST(observed_lineage.first_seen, excluded.first_seen)",
                "last_seen = GREATEST(observed_lineage.last_seen, excluded.last_seen)",
            ]
        )
        return psycopg_merge(connection, observed_lineage, rows, "edge_key", assignments)
    return _merge_by_key(connection, observed_lineage, "edge_key", incoming, _merge_sightings)


def write_log_records(
    connection: Connection, records: Sequence[LogRecord], keys: Sequence[str] | None = None
) -> set[str]:
    """Insert log records by natural key; new ones are counted into the daily rollup."""
    rows = {
        key: {
            "record_key": key,
            "product_id": r.product_id,
            "time": r.time,
            "severity_number": r.severity_number,
            "severity_text": r.severity_text,
            "body": r.body,
            "trace_id": r.trace_id,
            "span_id": r.span_id,
            "run_id": r.run_id,
            "service": r.service,
            "attributes": as_jsonable(r.attributes),
            "source": r.source,
        }
        for r, key in zip(records, _keys(records, keys), strict=True)
    }
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
        for e, key in zip(events, _keys(events, keys), strict=True)
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
        for s, key in zip(slos, _keys(slos, keys), strict=True)
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
        for s, key in zip(samples, _keys(samples, keys), strict=True)
    }
    return insert_new(connection, sli_samples, list(rows.values()), ["sample_key"])


def _keys(records: Sequence[Any], keys: Sequence[str] | None) -> Sequence[str]:
    """The records' natural keys: as given (computed once, when parsed), else computed."""
    return keys if keys is not None else [r.natural_key for r in records]


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
    than the latest `meshgov prune` cutoff are dropped, see below.
    """
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
        records, keys if keys is not None else _keys(records, None), strict=True
    ):
        batch, batch_keys = kinds.setdefault(type(record), ([], []))
        batch.append(record)
        batch_keys.append(key)
    for kind, (batch, batch_keys) in kinds.items():
        if batch:
            new |= WRITERS[kind](connection, batch, batch_keys)
    return new
