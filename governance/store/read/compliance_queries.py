"""Read models of the compliance pages: the product × policy matrix, pass rates by day, waivers.

Policy results exist only for the newest evaluation of each day (judgements replaces a day's
older details), so a trend over days reads one evaluation per day and costs the same however
often the mesh is evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from governance.model.vocabulary import JUDGED_OUTCOMES, PASSING_OUTCOMES
from governance.store.read.judgements import latest_evaluation
from governance.store.schema.engine_tables import evaluations, policy_results, waivers
from governance.store.schema.tables import products

EXPIRY_HORIZON_DAYS = 30


def pass_rate(outcomes: Mapping[str, int]) -> float | None:
    """Passed (pass or waived) over judged outcomes; None when no product was judged."""
    judged = sum(outcomes.get(o, 0) for o in JUDGED_OUTCOMES)
    passed = sum(outcomes.get(o, 0) for o in PASSING_OUTCOMES)
    return round(passed / judged, 4) if judged else None


def compliance_matrix(connection: Connection) -> list[dict[str, Any]]:
    """Every product × policy outcome of the newest evaluation, with the product's domain."""
    evaluation = latest_evaluation(connection)
    if evaluation is None:
        return []
    query = (
        select(
            policy_results.c.product_id,
            products.c.name.label("product_name"),
            products.c.domain_id,
            products.c.status.label("product_status"),
            policy_results.c.policy_id,
            policy_results.c.outcome,
            policy_results.c.severity,
            policy_results.c.level,
            policy_results.c.lifecycle,
            policy_results.c.message,
            policy_results.c.facts,
        )
        # Outer join: a product removed from the registry after the evaluation keeps its row.
        .join_from(
            policy_results,
            products,
            products.c.id == policy_results.c.product_id,
            isouter=True,
        )
        .where(policy_results.c.evaluation_id == evaluation["id"])
        .order_by(policy_results.c.product_id, policy_results.c.policy_id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def policy_pass_rate_by_day(
    connection: Connection, domains: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Per stored day and policy: judged, passed, failed, errors and the pass rate.

    With `domains`, only those domains' products are counted.
    """
    # Small: one evaluation per day keeps its results; the counting happens in SQL.
    evaluation_days = _evaluation_days(connection)
    if not evaluation_days:
        return []
    query = (
        select(
            policy_results.c.evaluation_id,
            policy_results.c.policy_id,
            policy_results.c.outcome,
            func.count().label("products"),
        )
        .where(policy_results.c.evaluation_id.in_(list(evaluation_days)))
        .group_by(
            policy_results.c.evaluation_id,
            policy_results.c.policy_id,
            policy_results.c.outcome,
        )
    )
    if domains:
        query = query.join_from(
            policy_results, products, products.c.id == policy_results.c.product_id
        ).where(products.c.domain_id.in_(list(domains)))
    counts = connection.execute(query)
    tallies: dict[tuple[date, str], dict[str, int]] = {}
    for row in counts:
        key = (evaluation_days[row.evaluation_id], row.policy_id)
        tally = tallies.setdefault(key, {})
        tally[row.outcome] = tally.get(row.outcome, 0) + row.products
    return [
        {
            "day": day,
            "policy_id": policy_id,
            "judged": sum(tally.get(o, 0) for o in JUDGED_OUTCOMES),
            "passed": sum(tally.get(o, 0) for o in PASSING_OUTCOMES),
            "failed": tally.get("fail", 0),
            "errors": tally.get("error", 0),
            "pass_rate": pass_rate(tally),
        }
        for (day, policy_id), tally in sorted(tallies.items())
    ]


def _evaluation_days(connection: Connection) -> dict[int, date]:
    """The evaluations that still hold policy results, by id, with their day (newest per day)."""
    with_results = select(policy_results.c.evaluation_id).distinct().scalar_subquery()
    rows = connection.execute(
        select(evaluations.c.id, evaluations.c.as_of)
        .where(evaluations.c.id.in_(with_results))
        .order_by(evaluations.c.id)
    )
    newest: dict[date, int] = {}
    for row in rows:
        newest[row.as_of.date()] = row.id  # ids grow: the last one of a day wins
    return {evaluation_id: day for day, evaluation_id in newest.items()}


def waiver_state(waiver: Mapping[str, Any], now: datetime, horizon_days: int) -> str:
    """active, expiring (within the horizon), expired, or the status when not approved."""
    if waiver["status"] != "approved":
        return str(waiver["status"])
    expires_at = waiver["expires_at"]
    if expires_at is None:
        return "active"
    if expires_at <= now:
        return "expired"
    return "expiring" if expires_at <= now + timedelta(days=horizon_days) else "active"


def waiver_states(
    connection: Connection, now: datetime, horizon_days: int = EXPIRY_HORIZON_DAYS
) -> list[dict[str, Any]]:
    """Every waiver with its state on `now` and the days it has left, soonest expiry first."""
    rows = [dict(r._mapping) for r in connection.execute(select(waivers).order_by(waivers.c.id))]
    for row in rows:
        row["state"] = waiver_state(row, now, horizon_days)
        expires_at = row["expires_at"]
        row["days_left"] = (expires_at - now).days if expires_at is not None else None
    return sorted(rows, key=_expiry_order)


def _expiry_order(row: Mapping[str, Any]) -> tuple[bool, datetime | None, int]:
    return (row["expires_at"] is None, row["expires_at"], row["id"])


def in_force(waiver_rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The waivers that count today: approved and unexpired (active or expiring)."""
    return [w for w in waiver_rows if w["state"] in ("active", "expiring")]
