"""Reads of review items as the board's moves need them: one item, its last event, the queue.

The read models of the pages and the board pack are in board_queries.py; these are the reads
a move makes inside its own transaction, before it changes the item.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from governance.store.schema.board_tables import access_requests, review_events, review_items


def item_row(connection: Connection, item_id: int) -> dict[str, Any] | None:
    """One review item as a dict, or None."""
    row = connection.execute(select(review_items).where(review_items.c.id == item_id)).first()
    return dict(row._mapping) if row is not None else None


def last_event(connection: Connection, item_id: int) -> dict[str, Any] | None:
    """Who did what to an item last, and when (actor, action, time), or None."""
    row = connection.execute(
        select(review_events.c.actor, review_events.c.action, review_events.c.time)
        .where(review_events.c.item_id == item_id)
        .order_by(review_events.c.id.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row is not None else None


def queued_items(connection: Connection) -> list[dict[str, Any]]:
    """Every item's key, kind, state and subject: what the triggers deduplicate against."""
    query = select(
        review_items.c.id,
        review_items.c.item_key,
        review_items.c.kind,
        review_items.c.state,
        review_items.c.product_id,
        review_items.c.subject,
    )
    return [dict(r._mapping) for r in connection.execute(query)]


def access_request_row(connection: Connection, request_id: int) -> dict[str, Any]:
    """One access request (it must exist: an item's subject points to it)."""
    row = connection.execute(
        select(access_requests).where(access_requests.c.id == request_id)
    ).one()
    return dict(row._mapping)
