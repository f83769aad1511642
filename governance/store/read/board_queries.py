"""Read models of the board's workflow: the queue, an item's history, decisions, grants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from governance.model.records import ContractVersion
from governance.model.vocabulary import CLASSIFICATION_RANK
from governance.store.schema.board_tables import (
    access_grants,
    access_requests,
    decisions,
    policy_file_state,
    review_events,
    review_items,
)
from governance.store.schema.engine_tables import evaluations, waivers
from governance.store.schema.tables import contract_columns, contracts, ports, products


def items(
    connection: Connection,
    *,
    states: Sequence[str] | None = None,
    product_id: str | None = None,
    domain_id: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Review items, filtered; comments attached (oldest first)."""
    query = select(review_items)
    if states:
        query = query.where(review_items.c.state.in_(list(states)))
    if product_id:
        query = query.where(review_items.c.product_id == product_id)
    if domain_id:
        query = query.where(review_items.c.domain_id == domain_id)
    if kind:
        query = query.where(review_items.c.kind == kind)
    rows = [dict(r._mapping) for r in connection.execute(query.order_by(review_items.c.id))]
    comments: dict[int, list[dict[str, Any]]] = {}
    if rows:
        found = connection.execute(
            select(review_events.c.item_id, review_events.c.time, review_events.c.actor)
            .add_columns(review_events.c.body)
            .where(
                review_events.c.action == "comment",
                review_events.c.item_id.in_([r["id"] for r in rows]),
            )
            .order_by(review_events.c.id)
        )
        for event in found:
            comments.setdefault(event.item_id, []).append(
                {"time": event.time, "actor": event.actor, "body": event.body}
            )
    for row in rows:
        row["comments"] = comments.get(row["id"], [])
    return rows


def item_events(connection: Connection, item_id: int) -> list[dict[str, Any]]:
    """An item's history: every move and comment, oldest first."""
    query = select(review_events).where(review_events.c.item_id == item_id)
    return [dict(r._mapping) for r in connection.execute(query.order_by(review_events.c.id))]


def item_decisions(connection: Connection, item_id: int) -> list[dict[str, Any]]:
    """The decisions taken on one item."""
    query = select(decisions).where(decisions.c.item_id == item_id).order_by(decisions.c.number)
    return [dict(r._mapping) for r in connection.execute(query)]


def decisions_since(connection: Connection, since: datetime) -> list[dict[str, Any]]:
    """Decisions taken from `since` on, in order."""
    query = select(decisions).where(decisions.c.decided_at >= since).order_by(decisions.c.number)
    return [dict(r._mapping) for r in connection.execute(query)]


def waiver_rows(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Waivers of every status, newest first."""
    query = select(waivers)
    if product_id:
        query = query.where(waivers.c.product_id == product_id)
    return [dict(r._mapping) for r in connection.execute(query.order_by(waivers.c.id.desc()))]


def access_rows(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Access requests with their grant (if any), newest first."""
    query = select(
        access_requests,
        access_grants.c.id.label("grant_id"),
        access_grants.c.expires_at,
        access_grants.c.reassess_at,
        access_grants.c.status.label("grant_status"),
    ).join_from(
        access_requests,
        access_grants,
        access_grants.c.request_id == access_requests.c.id,
        isouter=True,
    )
    if product_id:
        query = query.where(access_requests.c.product_id == product_id)
    return [
        dict(r._mapping) for r in connection.execute(query.order_by(access_requests.c.id.desc()))
    ]


def product_brief(connection: Connection, product_id: str) -> dict[str, Any] | None:
    """A product's id, name, domain, status and tier."""
    row = connection.execute(
        select(
            products.c.id,
            products.c.name,
            products.c.domain_id,
            products.c.status,
            products.c.tier,
            products.c.registered_at,
        ).where(products.c.id == product_id)
    ).first()
    return dict(row._mapping) if row else None


def product_briefs(connection: Connection) -> dict[str, dict[str, Any]]:
    """Every registered product's brief, by id."""
    query = select(
        products.c.id,
        products.c.name,
        products.c.domain_id,
        products.c.status,
        products.c.tier,
        products.c.registered_at,
    )
    return {r.id: dict(r._mapping) for r in connection.execute(query)}


def output_port_classification(
    connection: Connection, product_id: str, port: str
) -> tuple[bool, str | None]:
    """(port exists, strictest classification of its contract's columns, if any)."""
    row = connection.execute(
        select(ports.c.contract_id).where(
            ports.c.product_id == product_id, ports.c.kind == "output", ports.c.name == port
        )
    ).first()
    if row is None:
        return False, None
    if not row.contract_id:
        return True, None
    classes = connection.scalars(
        select(contract_columns.c.classification).where(
            contract_columns.c.contract_id == row.contract_id
        )
    )
    known = [c.lower() for c in classes if c and c.lower() in CLASSIFICATION_RANK]
    return True, max(known, key=CLASSIFICATION_RANK.__getitem__) if known else None


def output_ports(connection: Connection, product_id: str) -> list[str]:
    """Names of a product's output ports."""
    query = select(ports.c.name).where(ports.c.product_id == product_id, ports.c.kind == "output")
    return sorted(set(connection.scalars(query)))


def contract_versions(connection: Connection) -> dict[str, list[ContractVersion]]:
    """Every registered contract version with its columns, by contract id."""
    serving = {
        r.contract_id: r.product_id
        for r in connection.execute(
            select(ports.c.contract_id, ports.c.product_id).where(ports.c.kind == "output")
        )
        if r.contract_id
    }
    columns: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}
    for c in connection.execute(select(contract_columns)):
        columns.setdefault((c.contract_id, c.contract_version), {})[(c.object_name, c.name)] = {
            "logical_type": c.logical_type,
            "physical_type": c.physical_type,
            "classification": c.classification,
        }
    found: dict[str, list[ContractVersion]] = {}
    for row in connection.execute(
        select(contracts.c.id, contracts.c.version, contracts.c.data_product)
    ):
        found.setdefault(row.id, []).append(
            ContractVersion(
                row.id,
                row.version,
                row.data_product or serving.get(row.id),
                columns.get((row.id, row.version), {}),
            )
        )
    return found


def known_policy_files(connection: Connection) -> dict[str, str] | None:
    """Global policy files as last seen (None before the first look)."""
    rows = list(connection.execute(select(policy_file_state)))
    return {r.path: r.sha256 for r in rows} if rows else None


def first_evaluation_at(connection: Connection) -> datetime | None:
    """When the mesh was first evaluated: the queue's baseline for new products."""
    return connection.scalar(select(func.min(evaluations.c.finished_at)))
