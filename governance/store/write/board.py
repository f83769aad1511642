"""Writes of the board's workflow: review items and their events, decisions, waivers, access.

Each function runs in the caller's transaction and writes what the service decided (the
state machine and the effects of a decision belong to the engine and the service); none
of them judges anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from governance.store.schema.board_tables import (
    access_grants,
    access_requests,
    decisions,
    policy_file_state,
    review_events,
    review_items,
)
from governance.store.schema.engine_tables import waivers


def insert_item(connection: Connection, values: Mapping[str, Any]) -> int:
    """Queue a review item; returns its id."""
    return connection.execute(
        insert(review_items).returning(review_items.c.id), dict(values)
    ).scalar_one()


def update_item(
    connection: Connection, item_id: int, version: int, values: Mapping[str, Any], now: datetime
) -> bool:
    """Change an item only if it is still at `version` (optimistic); True when it was."""
    done = connection.execute(
        update(review_items)
        .where(review_items.c.id == item_id, review_items.c.version == version)
        .values(**values, updated_at=now, version=version + 1)
    ).rowcount
    return done == 1


def add_event(
    connection: Connection,
    item_id: int,
    now: datetime,
    actor: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    body: str | None,
) -> None:
    """Record one move in an item's history."""
    connection.execute(
        insert(review_events),
        {
            "item_id": item_id,
            "time": now,
            "actor": actor,
            "action": action,
            "from_state": from_state,
            "to_state": to_state,
            "body": body,
        },
    )


def next_decision_number(connection: Connection) -> int:
    """The number the next decision record gets (GDR-nnnn), one past the highest."""
    return (connection.scalar(select(func.max(decisions.c.number))) or 0) + 1


def insert_decision(connection: Connection, values: Mapping[str, Any]) -> None:
    """Store a decision record."""
    connection.execute(insert(decisions), dict(values))


def insert_waiver(connection: Connection, values: Mapping[str, Any]) -> int:
    """Store a waiver (requested, or approved by a decision); returns its id."""
    return connection.execute(insert(waivers).returning(waivers.c.id), dict(values)).scalar_one()


def update_waiver(
    connection: Connection,
    waiver_id: int,
    values: Mapping[str, Any],
    *,
    status: str | None = None,
) -> int:
    """Change a waiver (only while it has `status`, when given); returns the rows changed."""
    query = update(waivers).where(waivers.c.id == waiver_id)
    if status is not None:
        query = query.where(waivers.c.status == status)
    return connection.execute(query.values(**values)).rowcount


def insert_access_request(connection: Connection, values: Mapping[str, Any]) -> int:
    """Store an access request; returns its id."""
    return connection.execute(
        insert(access_requests).returning(access_requests.c.id), dict(values)
    ).scalar_one()


def update_access_request(
    connection: Connection,
    request_id: int,
    values: Mapping[str, Any],
    *,
    status: str | None = None,
) -> int:
    """Change an access request (only while it has `status`, when given); rows changed."""
    query = update(access_requests).where(access_requests.c.id == request_id)
    if status is not None:
        query = query.where(access_requests.c.status == status)
    return connection.execute(query.values(**values)).rowcount


def insert_grant(connection: Connection, values: Mapping[str, Any]) -> int:
    """Store an access grant; returns its id."""
    return connection.execute(
        insert(access_grants).returning(access_grants.c.id), dict(values)
    ).scalar_one()


def replace_policy_files(connection: Connection, files: Mapping[str, str], now: datetime) -> None:
    """Make the stored policy files (path → sha256) exactly `files`, seen at `now`."""
    connection.execute(policy_file_state.delete())
    if files:
        connection.execute(
            insert(policy_file_state),
            [{"path": p, "sha256": s, "seen_at": now} for p, s in sorted(files.items())],
        )
