"""Read models of the mesh overview and the domain page: snapshots and roll-ups, not raw rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from governance.model.vocabulary import BREACHED_SLO_STATES
from governance.store.read.judgements import latest_evaluation, scores_in_order
from governance.store.schema.board_tables import review_items
from governance.store.schema.engine_tables import domain_snapshots, health_snapshots, slo_status
from governance.store.schema.tables import domains, products

TREND_DAYS = 90  # trends show the last 90 days: a page costs the same at 90 or 900 days


def product_health(connection: Connection, domain_id: str | None = None) -> list[dict[str, Any]]:
    """Each product's newest snapshot with its name, tier, owner, SLOs breached, open items."""
    evaluation = latest_evaluation(connection)
    if evaluation is None:
        return []
    query = (
        select(
            health_snapshots.c.product_id,
            health_snapshots.c.domain_id,
            health_snapshots.c.score,
            health_snapshots.c.grade,
            health_snapshots.c.level,
            health_snapshots.c.compliant,
            health_snapshots.c.dimensions,
            health_snapshots.c.consumers,
            health_snapshots.c.accesses,
            health_snapshots.c.explanation["capped_by"].label("capped_by"),
            products.c.name,
            products.c.tier,
            products.c.owner,
            products.c.owner_name,
        )
        .join(products, products.c.id == health_snapshots.c.product_id)
        .where(health_snapshots.c.evaluation_id == evaluation["id"])
    )
    if domain_id:
        query = query.where(health_snapshots.c.domain_id == domain_id)
    rows = [dict(r._mapping) for r in connection.execute(query)]
    breached = dict(
        connection.execute(
            select(slo_status.c.product_id, func.count())
            .where(
                slo_status.c.evaluation_id == evaluation["id"],
                slo_status.c.status.in_(BREACHED_SLO_STATES),
            )
            .group_by(slo_status.c.product_id)
        ).all()
    )
    items = dict(
        connection.execute(
            select(review_items.c.product_id, func.count())
            .where(review_items.c.state != "closed")
            .group_by(review_items.c.product_id)
        ).all()
    )
    for row in rows:
        row["slos_breached"] = breached.get(row["product_id"], 0)
        row["open_items"] = items.get(row["product_id"], 0)
        row["capped_by"] = row["capped_by"] or []
    rows = [scores_in_order(row) for row in rows]
    return sorted(rows, key=lambda r: (r["score"], r["product_id"]))


def open_item_count(connection: Connection, domain_id: str | None = None) -> int:
    """Review items not closed yet."""
    query = select(func.count()).select_from(review_items).where(review_items.c.state != "closed")
    if domain_id:
        query = query.where(review_items.c.domain_id == domain_id)
    return connection.scalar(query) or 0


def _since(connection: Connection, days: int) -> Any:
    """The first day of the last `days` days of roll-ups."""
    newest = connection.scalar(select(func.max(domain_snapshots.c.day)))
    return newest - timedelta(days=days - 1) if newest else None


def health_trend(
    connection: Connection, domain_id: str | None = None, days: int = TREND_DAYS
) -> list[dict[str, Any]]:
    """Daily roll-ups of the last `days` days: the mesh's ("*") or one domain's, oldest first."""
    query = select(domain_snapshots).where(
        domain_snapshots.c.domain_id == (domain_id or "*"),
        domain_snapshots.c.day >= _since(connection, days),
    )
    return [dict(r._mapping) for r in connection.execute(query.order_by(domain_snapshots.c.day))]


def domain_trends(connection: Connection, days: int = TREND_DAYS) -> list[dict[str, Any]]:
    """Daily roll-ups of every domain (not the mesh) over the last `days` days, for the heatmap."""
    query = (
        select(
            domain_snapshots.c.domain_id,
            domain_snapshots.c.day,
            domain_snapshots.c.mean_score,
            domain_snapshots.c.products,
            domain_snapshots.c.compliant,
            domain_snapshots.c.slos_breached,
        )
        .where(
            domain_snapshots.c.domain_id != "*", domain_snapshots.c.day >= _since(connection, days)
        )
        .order_by(domain_snapshots.c.day, domain_snapshots.c.domain_id)
    )
    return [dict(r._mapping) for r in connection.execute(query)]


def domain_names(connection: Connection) -> dict[str, str]:
    """Domain id → display name."""
    return {r.id: r.name or r.id for r in connection.execute(select(domains.c.id, domains.c.name))}


def slo_budget_history(connection: Connection, product_id: str) -> list[dict[str, Any]]:
    """Error budget remaining per SLO and day (the newest evaluation of each day), for burn-down."""
    from governance.store.schema.engine_tables import evaluations

    query = (
        select(
            evaluations.c.as_of,
            slo_status.c.slo,
            slo_status.c.error_budget_remaining,
            slo_status.c.status,
        )
        .join(evaluations, evaluations.c.id == slo_status.c.evaluation_id)
        .where(slo_status.c.product_id == product_id)
        .order_by(evaluations.c.as_of)
    )
    return [dict(r._mapping) for r in connection.execute(query)]


def check_trend(connection: Connection, days: int = TREND_DAYS) -> list[dict[str, Any]]:
    """Checks and passes per day and domain over the last `days` days, summed in SQL."""
    from governance.store.schema.tables import check_daily

    newest = connection.scalar(select(func.max(check_daily.c.day)))
    if newest is None:
        return []
    query = (
        select(
            products.c.domain_id,
            check_daily.c.day,
            func.sum(check_daily.c.checks).label("checks"),
            func.sum(check_daily.c.passed).label("passed"),
        )
        .join(products, products.c.id == check_daily.c.product_id)
        .where(check_daily.c.day > newest - timedelta(days=days))
        .group_by(products.c.domain_id, check_daily.c.day)
        .order_by(check_daily.c.day, products.c.domain_id)
    )
    return [
        {"domain_id": r.domain_id, "day": r.day, "checks": int(r.checks), "passed": int(r.passed)}
        for r in connection.execute(query)
    ]
