"""Writing an evaluation's judgements, and the read models over the newest one.

One evaluation is one transaction: facts, policy results, SLO status, the day's health
snapshots and the domain and mesh roll-ups. Detail rows (facts, results, SLO status) of an
older evaluation of the same day are replaced, so evaluating every few minutes does not
grow the store; snapshots keep one row per product and day forever, for trends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from governance.engine.scoring import DIMENSIONS as SCORE_DIMENSIONS
from governance.store.schema.engine_tables import (
    domain_snapshots,
    evaluations,
    health_snapshots,
    policy_results,
    product_facts,
    slo_status,
    waivers,
)
from governance.store.schema.types import as_jsonable, in_order
from governance.store.write.upsert import upsert


@dataclass(frozen=True)
class Judgement:
    """What the engine concluded about one product."""

    product_id: str
    domain_id: str
    facts: dict[str, Any]
    results: Sequence[Any]  # PolicyResult
    score: Any  # HealthScore


def write_evaluation(
    connection: Connection,
    *,
    as_of: datetime,
    started_at: datetime,
    finished_at: datetime,
    judgements: Sequence[Judgement],
    policies: int,
    refusals: Sequence[str],
    policy_digest: str,
) -> int:
    """Write one evaluation; returns its id."""
    evaluation_id = connection.execute(
        insert(evaluations).returning(evaluations.c.id),
        {
            "as_of": as_of,
            "started_at": started_at,
            "finished_at": finished_at,
            "products": len(judgements),
            "policies": policies,
            "refusals": list(refusals),
            "policy_digest": policy_digest,
        },
    ).scalar_one()
    day = as_of.date()
    _drop_same_day_details(connection, day, evaluation_id)
    facts_rows, result_rows, slo_rows, snapshots = [], [], [], []
    for j in judgements:
        facts_rows.append(
            {
                "evaluation_id": evaluation_id,
                "product_id": j.product_id,
                "facts": as_jsonable(j.facts),
            }
        )
        for r in j.results:
            result_rows.append(
                {
                    "evaluation_id": evaluation_id,
                    "product_id": j.product_id,
                    "policy_id": r.policy_id,
                    "outcome": r.outcome,
                    "severity": r.severity,
                    "level": r.level,
                    "lifecycle": r.lifecycle,
                    "message": r.message[:4000],
                    "facts": as_jsonable(r.facts),
                }
            )
        for s in j.facts["slos"]:
            slo_rows.append(
                {"evaluation_id": evaluation_id, "product_id": j.product_id, "slo": s["name"]}
                | {k: s[k] for k in _SLO_FIELDS}
            )
        explanation = j.score.as_dict()
        snapshots.append(
            {
                "product_id": j.product_id,
                "day": day,
                "domain_id": j.domain_id,
                "evaluation_id": evaluation_id,
                "score": j.score.score,
                "grade": j.score.grade,
                "level": j.score.level,
                "compliant": int(_compliant(j.results)),
                "dimensions": {n: d["value"] for n, d in explanation["dimensions"].items()},
                "explanation": explanation,
                "consumers": (j.facts.get("audit") or {}).get("consumers"),
                "accesses": (j.facts.get("audit") or {}).get("accesses"),
            }
        )
    for table, rows in (
        (product_facts, facts_rows),
        (policy_results, result_rows),
        (slo_status, slo_rows),
    ):
        for start in range(0, len(rows), 2000):
            connection.execute(insert(table), rows[start : start + 2000])
    upsert(connection, health_snapshots, snapshots, ["product_id", "day"])
    upsert(
        connection, domain_snapshots, _rollups(judgements, day, evaluation_id), ["domain_id", "day"]
    )
    return evaluation_id


_SLO_FIELDS = (
    "source",
    "budgeting_method",
    "target",
    "period_days",
    "attainment",
    "error_budget_remaining",
    "burn_rate_long",
    "burn_rate_short",
    "time_to_exhaustion_hours",
    "status",
)


def _compliant(results: Sequence[Any]) -> bool:
    return not any(r.enforced and r.outcome in ("fail", "error") for r in results)


def _drop_same_day_details(connection: Connection, day: date, keep: int) -> None:
    older = [
        row.id
        for row in connection.execute(select(evaluations.c.id, evaluations.c.as_of))
        if row.id != keep and row.as_of.date() == day
    ]
    for table in (product_facts, policy_results, slo_status):
        if older:
            connection.execute(delete(table).where(table.c.evaluation_id.in_(older)))


def _rollups(
    judgements: Sequence[Judgement], day: date, evaluation_id: int
) -> list[dict[str, Any]]:
    groups: dict[str, list[Judgement]] = {"*": list(judgements)}
    for j in judgements:
        groups.setdefault(j.domain_id, []).append(j)
    rows = []
    for domain_id, members in groups.items():
        if not members:
            continue
        rows.append(
            {
                "domain_id": domain_id,
                "day": day,
                "evaluation_id": evaluation_id,
                "products": len(members),
                "mean_score": round(sum(j.score.score for j in members) / len(members), 2),
                "compliant": sum(_compliant(j.results) for j in members),
                "levels": dict(Counter(j.score.level for j in members)),
                "slos_breached": sum(
                    s["status"] in ("breached", "exhausted")
                    for j in members
                    for s in j.facts["slos"]
                ),
            }
        )
    return rows


# --- reads ------------------------------------------------------------------------------


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


def add_waiver(connection: Connection, values: Mapping[str, Any]) -> int:
    """Record a waiver (issue 5's board decisions will be the usual way in)."""
    return connection.execute(insert(waivers).returning(waivers.c.id), dict(values)).scalar_one()


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
