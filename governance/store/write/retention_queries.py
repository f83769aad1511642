"""Counts and batched deletes for `meshgov prune`, and the horizon that collecting respects.

Only raw evidence is named here. The daily roll-ups, snapshots, evaluation rows, the
board's tables, the governance log and the source_files watermarks never are: a prune can
only ever remove what this module lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    delete,
    exists,
    func,
    or_,
    select,
)

from governance.model.records import (
    AuditEvent,
    CheckResult,
    LineageObservation,
    LogRecord,
    PipelineRun,
    Record,
    SliSample,
)
from governance.store.schema.board_tables import governance_log
from governance.store.schema.engine_tables import (
    evaluations,
    policy_results,
    product_facts,
    slo_status,
)
from governance.store.schema.tables import (
    audit_events,
    check_results,
    collector_files,
    collector_runs,
    log_records,
    observed_lineage,
    pipeline_runs,
    sli_samples,
)

PRUNED_ACTION = "evidence.pruned"  # the governance log action a prune appends
EVALUATION_DETAILS: tuple[Table, ...] = (product_facts, policy_results, slo_status)


@dataclass(frozen=True)
class RawTable:
    """A raw evidence table with an integer id, and which of its rows are older than a cutoff."""

    table: Table

    def older_than(self, cutoff: datetime) -> ColumnElement[bool]:
        """The rows a prune at `cutoff` removes."""
        t = self.table
        if t is pipeline_runs:
            # A run counts from when it ended (or started, while running); a run with
            # neither time has no age and stays.
            return func.coalesce(t.c.ended_at, t.c.started_at) < cutoff
        if t is observed_lineage:
            return t.c.last_seen < cutoff  # an edge still seen recently stays whole
        if t is collector_files:
            # The per-file detail of old collector runs; the run rows (one per source and
            # run, with their counts) stay as the history of what was collected.
            old_runs = select(collector_runs.c.id).where(collector_runs.c.finished_at < cutoff)
            return t.c.collector_run_id.in_(old_runs.scalar_subquery())
        column = t.c.run_time if t is check_results else t.c.time
        return column < cutoff


RAW_TABLES: tuple[RawTable, ...] = tuple(
    RawTable(t)
    for t in (
        collector_files,
        observed_lineage,
        pipeline_runs,
        audit_events,
        sli_samples,
        log_records,
        check_results,
    )
)


def count_older(connection: Connection, raw: RawTable, cutoff: datetime) -> int:
    """How many rows of a raw table a prune at `cutoff` removes."""
    return (
        connection.scalar(select(func.count()).select_from(raw.table).where(raw.older_than(cutoff)))
        or 0
    )


def delete_older_batch(
    connection: Connection, raw: RawTable, cutoff: datetime, after: int, limit: int
) -> tuple[int, int | None]:
    """Delete the next `limit` old rows with id > `after`; returns (deleted, last id or None).

    The ids are found in id order from `after` on (keyset paging: each batch starts where
    the previous stopped), then removed by id range, so no statement binds thousands of ids.
    """
    t = raw.table
    condition = raw.older_than(cutoff)
    ids = connection.scalars(
        select(t.c.id).where(condition, t.c.id > after).order_by(t.c.id).limit(limit)
    ).all()
    if not ids:
        return 0, None
    # Every old row with an id in [first, last] is one of `ids`: they were the first found.
    deleted = connection.execute(
        delete(t).where(t.c.id >= ids[0], t.c.id <= ids[-1], condition)
    ).rowcount
    return deleted, ids[-1]


def evaluations_with_old_details(connection: Connection, cutoff: datetime) -> list[int]:
    """Evaluations before `cutoff` that still hold facts, results or SLO status.

    The newest evaluation is never among them, whatever its age: explain, the policy pages
    and the exports read its details.
    """
    newest = select(func.max(evaluations.c.id)).scalar_subquery()
    holds = or_(
        *(exists().where(t.c.evaluation_id == evaluations.c.id) for t in EVALUATION_DETAILS)
    )
    query = (
        select(evaluations.c.id)
        .where(evaluations.c.as_of < cutoff, evaluations.c.id < newest, holds)
        .order_by(evaluations.c.id)
    )
    return list(connection.scalars(query))


def count_evaluation_details(
    connection: Connection, evaluation_ids: Sequence[int]
) -> dict[str, int]:
    """Rows of each detail table that belong to these evaluations."""
    counts = {}
    for t in EVALUATION_DETAILS:
        counts[t.name] = sum(
            connection.scalar(
                select(func.count()).select_from(t).where(t.c.evaluation_id.in_(chunk))
            )
            or 0
            for chunk in _chunks(evaluation_ids, 500)
        )
    return counts


def delete_evaluation_details(connection: Connection, evaluation_id: int) -> dict[str, int]:
    """Delete one evaluation's facts, policy results and SLO status (its row and snapshots stay)."""
    return {
        t.name: connection.execute(delete(t).where(t.c.evaluation_id == evaluation_id)).rowcount
        for t in EVALUATION_DETAILS
    }


def _chunks(values: Sequence[int], size: int) -> list[Sequence[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


# --- the horizon collecting respects ----------------------------------------------------


def pruned_before(connection: Connection) -> datetime | None:
    """The latest cutoff any prune used (from the governance log), or None if none ran.

    Read from the log because it is append-only: the horizon cannot be lost or lowered.
    """
    if connection.dialect.name == "sqlite":  # read before every write: the driver's own query
        payloads = [
            payload
            for (payload,) in connection.connection.driver_connection.execute(
                HORIZON_SQL.replace("%s", "?"), (PRUNED_ACTION,)
            )
        ]
    else:
        payloads = list(
            connection.scalars(
                select(governance_log.c.payload).where(governance_log.c.action == PRUNED_ACTION)
            )
        )
    return horizon_of(payloads)


# What the governance log holds for a prune; `pruned_before` reads it, and so does the
# PostgreSQL batch writer, in the same round trip as its writes.
HORIZON_SQL = "SELECT payload FROM governance_log WHERE action = %s"


def horizon_of(payloads: Iterable[str]) -> datetime | None:
    """The latest cutoff among prunes' log payloads (others set no horizon)."""
    cutoffs = []
    for payload in payloads:
        try:
            cutoffs.append(datetime.fromisoformat(json.loads(payload)["cutoff"]))
        except (ValueError, KeyError, TypeError):
            continue  # not a prune's payload: it sets no horizon
    return max(cutoffs, default=None)


def record_time(record: Record) -> datetime | None:
    """When a record happened, for the horizon; None for records without a time (SLOs)."""
    if isinstance(record, CheckResult):
        return record.run_time
    if isinstance(record, LogRecord | AuditEvent | SliSample):
        return record.time
    if isinstance(record, PipelineRun):
        return record.ended_at or record.started_at
    if isinstance(record, LineageObservation):
        return record.observed_at
    return None


def after_horizon(
    records: Sequence[Record], keys: Sequence[str] | None, horizon: datetime
) -> tuple[list[Record], list[str] | None]:
    """The records (and their keys, when given) not older than the horizon."""
    kept = [i for i, r in enumerate(records) if (when := record_time(r)) is None or when >= horizon]
    if len(kept) == len(records):
        return list(records), None if keys is None else list(keys)
    return [records[i] for i in kept], None if keys is None else [keys[i] for i in kept]


def prepared_after_horizon(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    rollup: Sequence[tuple[str | None, str, str, bool]],
    horizon: str,
) -> tuple[list[Sequence[Any]], list[tuple[str | None, str, str, bool]]]:
    """Prepared check rows (SQLite text times) not older than the horizon, with their roll-up."""
    at = list(columns).index("run_time")
    kept = [i for i, row in enumerate(rows) if row[at] >= horizon]
    return [rows[i] for i in kept], [rollup[i] for i in kept]
