"""Reads of incidents: the active ones a sync compares with, and lists for pages and reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from governance.model.incidents import ACTIVE
from governance.store.schema.incident_tables import incidents


def active_incidents(connection: Connection) -> list[dict[str, Any]]:
    """Every incident still open or acknowledged."""
    query = select(incidents).where(incidents.c.state.in_(ACTIVE)).order_by(incidents.c.id)
    return [dict(r._mapping) for r in connection.execute(query)]


def incident(connection: Connection, incident_id: int) -> dict[str, Any] | None:
    """One incident by id."""
    row = connection.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    return dict(row._mapping) if row else None


def incident_rows(
    connection: Connection,
    product_id: str | None = None,
    domain_id: str | None = None,
    states: Sequence[str] | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Incidents, newest first; `since`: active ones, and those resolved since then."""
    query = select(incidents)
    if product_id is not None:
        query = query.where(incidents.c.product_id == product_id)
    if domain_id is not None:
        query = query.where(incidents.c.domain_id == domain_id)
    if states is not None:
        query = query.where(incidents.c.state.in_(list(states)))
    if since is not None:
        query = query.where(
            or_(incidents.c.resolved_at.is_(None), incidents.c.resolved_at >= since)
        )
    query = query.order_by(incidents.c.opened_at.desc(), incidents.c.id.desc())
    return [dict(r._mapping) for r in connection.execute(query)]
