"""Evidence into PostgreSQL in one round trip: the horizon, checks, runs, lineage and logs.

What OpenLineage events, OTLP logs and the results uploads carry (check results, runs,
lineage sightings, log records) is written by one statement per kind (pg_batch), all sent on
one pipeline together with the read of the prune horizon. A pushed group of requests took
ten round trips before; the worker waited on them more than it computed.

The horizon (see write_records) has to be known before anything is written, yet is read in
the same round trip: the statements run under a savepoint, and in the rare batch that holds
a record older than the horizon the savepoint is rolled back and the caller writes the batch
the long way, filtered. Merging is the same as on every backend (evidence_rows), in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from governance.model.records import (
    CheckResult,
    LineageObservation,
    LogRecord,
    PipelineRun,
    Record,
)
from governance.store.schema.tables import (
    check_daily,
    check_results,
    log_daily,
    log_records,
    observed_lineage,
    pipeline_runs,
)
from governance.store.write import pg_batch
from governance.store.write.checks import check_rows
from governance.store.write.evidence_rows import (
    RUN_MERGE_SQL,
    WIDEN_SQL,
    log_rows,
    run_rows,
    severity_band,
    sighting_rows,
)
from governance.store.write.pg_batch import Rollup, Statement
from governance.store.write.retention_queries import (
    HORIZON_SQL,
    PRUNED_ACTION,
    horizon_of,
    record_time,
)

PIPELINED = frozenset({CheckResult, PipelineRun, LineageObservation, LogRecord})

CHECK_ROLLUP = Rollup(
    check_daily,
    ("product_id", "day", "source_tool"),
    (("checks", "true"), ("passed", 'u."success"'), ("failed", 'u."success" IS NOT TRUE')),
)
LOG_ROLLUP = Rollup(log_daily, ("product_id", "day", "severity"), (("records", "true"),))
SAVEPOINT = "meshgov_batch"


def write_pipelined(
    connection: Connection, records: Sequence[Record], keys: Sequence[str]
) -> set[str] | None:
    """Write records of the PIPELINED kinds; the natural keys that were new, or None (and
    nothing written) when the prune horizon would drop one of them."""
    kinds: dict[type, tuple[list[Any], list[str]]] = {}
    for record, key in zip(records, keys, strict=True):
        batch, batch_keys = kinds.setdefault(type(record), ([], []))
        batch.append(record)
        batch_keys.append(key)
    horizon = Statement(HORIZON_SQL, (PRUNED_ACTION,))
    # One order of tables for every writer (checks, runs, lineage, logs), rows sorted by key
    # within each: concurrent writers lock in the same order and cannot deadlock.
    writes = [
        _STATEMENTS[kind](*kinds[kind]) for kind in _STATEMENTS if kind in kinds and kinds[kind][0]
    ]
    pg_batch.send(connection, [Statement(f"SAVEPOINT {SAVEPOINT}", ()), horizon, *writes])
    cutoff = horizon_of(payload for (payload,) in horizon.rows or [])
    if cutoff is not None and any(
        (when := record_time(record)) is not None and when < cutoff for record in records
    ):
        pg_batch.run(connection, Statement(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}", ()))
        return None
    new: set[str] = set()
    for statement in writes:
        # insert_new returns the keys inserted; merge returns (key, whether it was new).
        new.update(row[0] for row in statement.rows or [] if len(row) == 1 or row[1])
    return new


def _checks(results: list[CheckResult], keys: list[str]) -> Statement:
    rows = sorted(check_rows(results, keys).values(), key=lambda row: row["check_key"])
    days = [row["run_time"].date() for row in rows]
    return pg_batch.insert_counted(
        check_results, rows, "check_key", CHECK_ROLLUP, {"day": "date"}, [days]
    )


def _runs(runs: list[PipelineRun], keys: list[str]) -> Statement:
    return pg_batch.merge(
        pipeline_runs, list(run_rows(runs, keys).values()), "run_key", RUN_MERGE_SQL
    )


def _sightings(edges: list[LineageObservation], keys: list[str]) -> Statement:
    rows = list(sighting_rows(edges, keys).values())
    return pg_batch.merge(observed_lineage, rows, "edge_key", WIDEN_SQL)


def _logs(records: list[LogRecord], keys: list[str]) -> Statement:
    rows = sorted(log_rows(records, keys).values(), key=lambda row: row["record_key"])
    days = [row["time"].date() for row in rows]
    bands = [severity_band(row["severity_number"]) for row in rows]
    return pg_batch.insert_counted(
        log_records,
        rows,
        "record_key",
        LOG_ROLLUP,
        {"day": "date", "severity": "varchar"},
        [days, bands],
    )


_STATEMENTS = {
    CheckResult: _checks,
    PipelineRun: _runs,
    LineageObservation: _sightings,
    LogRecord: _logs,
}
