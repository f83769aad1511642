"""Reads for "why did it move": a day's snapshots and the details of their evaluations.

A day's judgement of a product is its snapshot of that day, or of the last day before it
that has one (meshgov may not have run every day). The snapshot's evaluation keeps its
facts and policy results until `meshgov prune` removes old evaluations' details.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from governance.store.read.judgements import scores_in_order
from governance.store.schema.engine_tables import (
    evaluations,
    health_snapshots,
    policy_results,
    product_facts,
)


def _with_as_of() -> Any:
    return select(health_snapshots, evaluations.c.as_of).join(
        evaluations, evaluations.c.id == health_snapshots.c.evaluation_id
    )


def snapshot_on(connection: Connection, product_id: str, day: date) -> dict[str, Any] | None:
    """The product's snapshot of `day`, or of the last day before it that has one."""
    query = (
        _with_as_of()
        .where(health_snapshots.c.product_id == product_id, health_snapshots.c.day <= day)
        .order_by(health_snapshots.c.day.desc())
        .limit(1)
    )
    row = connection.execute(query).first()
    return scores_in_order(dict(row._mapping)) if row else None


def snapshot_days(
    connection: Connection, product_id: str | None = None, domain_id: str | None = None
) -> tuple[date, date] | None:
    """The first and last day with a snapshot (of a product, a domain, or any)."""
    query = select(func.min(health_snapshots.c.day), func.max(health_snapshots.c.day))
    if product_id is not None:
        query = query.where(health_snapshots.c.product_id == product_id)
    if domain_id is not None:
        query = query.where(health_snapshots.c.domain_id == domain_id)
    first, last = connection.execute(query).one()
    return None if first is None else (first, last)


def domain_snapshots_on(connection: Connection, domain_id: str, day: date) -> list[dict[str, Any]]:
    """The domain's snapshots of its last evaluated day on or before `day` ("*": the mesh)."""
    scope = [] if domain_id == "*" else [health_snapshots.c.domain_id == domain_id]
    last = connection.execute(
        select(func.max(health_snapshots.c.day)).where(health_snapshots.c.day <= day, *scope)
    ).scalar()
    if last is None:
        return []
    query = (
        _with_as_of()
        .where(health_snapshots.c.day == last, *scope)
        .order_by(health_snapshots.c.product_id)
    )
    return [scores_in_order(dict(row._mapping)) for row in connection.execute(query)]


def evaluation_details(
    connection: Connection, evaluation_id: int, product_id: str
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The product's facts and policy results in that evaluation (None, []: pruned)."""
    facts = connection.execute(
        select(product_facts.c.facts).where(
            product_facts.c.evaluation_id == evaluation_id,
            product_facts.c.product_id == product_id,
        )
    ).scalar()
    results = connection.execute(
        select(policy_results)
        .where(
            policy_results.c.evaluation_id == evaluation_id,
            policy_results.c.product_id == product_id,
        )
        .order_by(policy_results.c.policy_id)
    )
    return facts, [dict(row._mapping) for row in results]


def details_of_evaluation(
    connection: Connection, evaluation_id: int
) -> dict[str, tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    """Every product's facts and policy results in one evaluation, in two queries."""
    found: dict[str, tuple[dict[str, Any] | None, list[dict[str, Any]]]] = {}
    for product_id, facts in connection.execute(
        select(product_facts.c.product_id, product_facts.c.facts).where(
            product_facts.c.evaluation_id == evaluation_id
        )
    ):
        found[product_id] = (facts, [])
    results = connection.execute(
        select(policy_results)
        .where(policy_results.c.evaluation_id == evaluation_id)
        .order_by(policy_results.c.product_id, policy_results.c.policy_id)
    )
    for row in results:
        found.setdefault(row.product_id, (None, []))[1].append(dict(row._mapping))
    return found
