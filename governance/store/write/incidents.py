"""Incident writes: a sync's plan applied in one transaction, and the owner's responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, update

from governance.model.incidents import (
    ACKNOWLEDGED,
    ACTIVE,
    AUTO_RESOLVER,
    CLEARED,
    OPEN,
    RESOLVED,
    IncidentPlan,
)
from governance.store.schema.incident_tables import incidents


def apply_plan(connection: Connection, plan: IncidentPlan, now: datetime) -> list[int]:
    """Open, refresh and resolve as planned; the ids of the incidents opened."""
    opened = []
    for cause in plan.opened:
        opened.append(
            connection.execute(
                insert(incidents).returning(incidents.c.id),
                {
                    "incident_key": cause.key,
                    "product_id": cause.product_id,
                    "domain_id": cause.domain_id,
                    "kind": cause.kind,
                    "ref": cause.ref,
                    "title": cause.title,
                    "detail": cause.detail,
                    "state": OPEN,
                    "opened_at": now,
                    "last_seen_at": now,
                },
            ).scalar_one()
        )
    for incident_id, cause in plan.refreshed:
        connection.execute(
            update(incidents)
            .where(incidents.c.id == incident_id)
            .values(detail=cause.detail, last_seen_at=now)
        )
    if plan.resolved:
        connection.execute(
            update(incidents)
            .where(incidents.c.id.in_(plan.resolved), incidents.c.state.in_(ACTIVE))
            .values(state=RESOLVED, resolved_at=now, resolved_by=AUTO_RESOLVER, resolution=CLEARED)
        )
    return opened


def respond(
    connection: Connection,
    incident_id: int,
    state: str,
    who: str,
    now: datetime,
    note: str | None,
) -> bool:
    """Acknowledge (from open) or resolve (from open or acknowledged); False if it was not."""
    if state == ACKNOWLEDGED:
        values: dict[str, Any] = {"state": ACKNOWLEDGED, "acknowledged_at": now}
        values["acknowledged_by"] = who
        allowed_from: tuple[str, ...] = (OPEN,)
    else:
        values = {"state": RESOLVED, "resolved_at": now, "resolved_by": who, "resolution": note}
        allowed_from = ACTIVE
    done = connection.execute(
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.state.in_(allowed_from))
        .values(**values)
    )
    return done.rowcount == 1
