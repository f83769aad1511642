"""Read models of a product's operations: runs, log error rate, recent errors, audit trail.

Each is bounded (a window of days or a row limit) so the product page costs the same
whatever the length of the history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from governance.store.schema.tables import audit_events, log_daily, log_records, pipeline_runs

ERROR_SEVERITY = 17  # OTLP severityNumber 17-24: ERROR and FATAL


def recent_runs(connection: Connection, product_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The newest pipeline runs of a product."""
    query = (
        select(
            pipeline_runs.c.job,
            pipeline_runs.c.run_id,
            pipeline_runs.c.state,
            pipeline_runs.c.started_at,
            pipeline_runs.c.ended_at,
            pipeline_runs.c.source_tool,
        )
        .where(pipeline_runs.c.product_id == product_id)
        .order_by(pipeline_runs.c.started_at.desc().nulls_last())
        .limit(limit)
    )
    rows = [dict(r._mapping) for r in connection.execute(query)]
    for row in rows:
        started, ended = row["started_at"], row["ended_at"]
        row["minutes"] = (
            round((ended - started).total_seconds() / 60, 1) if started and ended else None
        )
    return rows


def log_error_rate(
    connection: Connection, product_id: str, days: int = 30, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Per day: log records and the share at ERROR or above, from the daily roll-up."""
    query = select(log_daily.c.day, log_daily.c.severity, log_daily.c.records).where(
        log_daily.c.product_id == product_id
    )
    if now is not None:
        query = query.where(log_daily.c.day > (now - timedelta(days=days)).date())
    days_seen: dict[Any, list[int]] = {}
    for row in connection.execute(query):
        totals = days_seen.setdefault(row.day, [0, 0])
        totals[0] += row.records
        if row.severity in ("ERROR", "FATAL"):
            totals[1] += row.records
    rows = [
        {
            "day": day,
            "records": total,
            "errors": errors,
            "error_rate": errors / total if total else None,
        }
        for day, (total, errors) in sorted(days_seen.items())
    ]
    return rows[-days:]


def recent_errors(connection: Connection, product_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest ERROR/FATAL log records of a product."""
    query = (
        select(
            log_records.c.time,
            log_records.c.severity_text,
            log_records.c.body,
            log_records.c.service,
            log_records.c.run_id,
            log_records.c.trace_id,
        )
        .where(
            log_records.c.product_id == product_id, log_records.c.severity_number >= ERROR_SEVERITY
        )
        .order_by(log_records.c.time.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in connection.execute(query)]


def audit_trail(connection: Connection, product_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The newest audit events on a product: who did what, read or change."""
    query = (
        select(
            audit_events.c.time,
            audit_events.c.actor,
            audit_events.c.action,
            audit_events.c.resource,
            audit_events.c.read_only,
            audit_events.c.source_tool,
        )
        .where(audit_events.c.product_id == product_id)
        .order_by(audit_events.c.time.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in connection.execute(query)]


def audit_summary(connection: Connection, product_id: str, since: datetime) -> dict[str, int]:
    """Readers, reads and changes since a time."""
    row = connection.execute(
        select(
            func.count(func.distinct(audit_events.c.actor)).filter(audit_events.c.read_only),
            func.count().filter(audit_events.c.read_only),
            func.count().filter(~audit_events.c.read_only),
        ).where(audit_events.c.product_id == product_id, audit_events.c.time >= since)
    ).one()
    return {"readers": row[0], "reads": row[1], "changes": row[2]}
