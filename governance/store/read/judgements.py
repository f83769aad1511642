"""Read models over the newest evaluation's judgements: scores, results, SLO status, facts.

Also their history (daily snapshots and roll-ups), the waivers the next evaluation reads,
and the flat exports of `meshgov export`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from governance.model.vocabulary import SCORE_DIMENSIONS
from governance.store.schema.engine_tables import (
    domain_snapshots,
    evaluations,
    health_snapshots,
    policy_results,
    product_facts,
    slo_status,
    waivers,
)
from governance.store.schema.types import in_order


def latest_evaluation(connection: Connection) -> dict[str, Any] | None:
    """The newest evaluation (every evaluation row is written complete, in one transaction)."""
    row = connection.execute(select(evaluations).order_by(evaluations.c.id.desc()).limit(1)).first()
    return dict(row._mapping) if row else None


def latest_scores(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Each product's snapshot from the newest evaluation."""
    evaluation = latest_evaluation(connection)
    if evaluation is None:
        return []
    query = select(health_snapshots).where(health_snapshots.c.evaluation_id == evaluation["id"])
    if product_id:
        query = query.where(health_snapshots.c.product_id == product_id)
    query = query.order_by(health_snapshots.c.domain_id, health_snapshots.c.product_id)
    return [scores_in_order(dict(row._mapping)) for row in connection.execute(query)]


def scores_in_order(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot row with its dimensions in the scoring's order, whatever the backend kept."""
    snapshot["dimensions"] = in_order(snapshot["dimensions"], SCORE_DIMENSIONS)
    explanation = snapshot.get("explanation")
    if isinstance(explanation, dict) and isinstance(explanation.get("dimensions"), dict):
        explanation["dimensions"] = in_order(explanation["dimensions"], SCORE_DIMENSIONS)
    return snapshot


def latest_policy_results(
    connection: Connection, product_id: str | None = None
) -> list[dict[str, Any]]:
    """Every product × policy outcome of the newest evaluation."""
    return _latest_rows(connection, policy_results, product_id, policy_results.c.policy_id)


def latest_slo_status(
    connection: Connection, product_id: str | None = None
) -> list[dict[str, Any]]:
    """Every SLO's status in the newest evaluation."""
    return _latest_rows(connection, slo_status, product_id, slo_status.c.slo)


def latest_facts(connection: Connection, product_id: str) -> dict[str, Any] | None:
    """A product's facts document from the newest evaluation."""
    rows = _latest_rows(connection, product_facts, product_id, product_facts.c.product_id)
    return rows[0]["facts"] if rows else None


def _latest_rows(
    connection: Connection, table: Any, product_id: str | None, order: Any
) -> list[dict[str, Any]]:
    evaluation = latest_evaluation(connection)
    if evaluation is None:
        return []
    query = select(table).where(table.c.evaluation_id == evaluation["id"])
    if product_id:
        query = query.where(table.c.product_id == product_id)
    return [dict(r._mapping) for r in connection.execute(query.order_by(table.c.product_id, order))]


def score_history(
    connection: Connection, product_id: str | None = None, domain_id: str | None = None
) -> list[dict[str, Any]]:
    """Daily snapshots (a product's) or roll-ups (a domain's, or the mesh's with "*")."""
    if product_id:
        query = select(health_snapshots.c.day, health_snapshots.c.score, health_snapshots.c.level)
        query = query.where(health_snapshots.c.product_id == product_id)
        return [
            dict(r._mapping) for r in connection.execute(query.order_by(health_snapshots.c.day))
        ]
    query = select(domain_snapshots).where(domain_snapshots.c.domain_id == (domain_id or "*"))
    return [dict(r._mapping) for r in connection.execute(query.order_by(domain_snapshots.c.day))]


def active_waivers(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Waivers by product (every status: the facts say which are active)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in connection.execute(select(waivers).order_by(waivers.c.id)):
        found.setdefault(row.product_id, []).append(dict(row._mapping))
    return found


def evaluation_count(connection: Connection) -> int:
    """How many evaluations the store holds."""
    return connection.scalar(select(func.count()).select_from(evaluations)) or 0


# --- exports ----------------------------------------------------------------------------


def export_scores(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Scores: product, domain, score, grade, level, one field per dimension, capped_by."""
    rows = []
    for row in latest_scores(connection, product_id):
        explanation = row["explanation"]
        rows.append(
            {
                "product": row["product_id"],
                "domain": row["domain_id"],
                "score": row["score"],
                "grade": row["grade"],
                "level": row["level"],
                **{name: value for name, value in row["dimensions"].items()},
                "compliant": bool(row["compliant"]),
                "capped_by": explanation.get("capped_by", []),
                "day": row["day"],
            }
        )
    return rows


def export_policies(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Policy results: product, policy_id, outcome, severity, level, lifecycle, message."""
    return [
        {
            "product": r["product_id"],
            "policy_id": r["policy_id"],
            "outcome": r["outcome"],
            "severity": r["severity"],
            "level": r["level"],
            "lifecycle": r["lifecycle"],
            "message": r["message"],
        }
        for r in latest_policy_results(connection, product_id)
    ]


def export_slo_status(
    connection: Connection, product_id: str | None = None
) -> list[dict[str, Any]]:
    """SLO status: product, slo, attainment, error budget, burn rates, status."""
    return [
        {
            "product": r["product_id"],
            "slo": r["slo"],
            "attainment": r["attainment"],
            "error_budget_remaining": r["error_budget_remaining"],
            "burn_rate_long": r["burn_rate_long"],
            "burn_rate_short": r["burn_rate_short"],
            "status": r["status"],
            "target": r["target"],
            "budgeting_method": r["budgeting_method"],
            "period_days": r["period_days"],
            "time_to_exhaustion_hours": r["time_to_exhaustion_hours"],
            "source": r["source"],
        }
        for r in latest_slo_status(connection, product_id)
    ]
