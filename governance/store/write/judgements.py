"""Writing an evaluation's judgements, and the waivers they take into account.

One evaluation is one transaction: facts, policy results, SLO status, the day's health
snapshots and the domain and mesh roll-ups. Detail rows (facts, results, SLO status) of an
older evaluation of the same day are replaced, so evaluating every few minutes does not
grow the store; snapshots keep one row per product and day forever, for trends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from governance.model.results import Judgement, PolicyResult
from governance.model.vocabulary import BREACHED_SLO_STATES, VIOLATION_OUTCOMES
from governance.store.schema.engine_tables import (
    domain_snapshots,
    evaluations,
    health_snapshots,
    policy_results,
    product_facts,
    slo_status,
    waivers,
)
from governance.store.schema.types import as_jsonable
from governance.store.write.upsert import upsert


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


def _compliant(results: Sequence[PolicyResult]) -> bool:
    return not any(r.enforced and r.outcome in VIOLATION_OUTCOMES for r in results)


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
                    s["status"] in BREACHED_SLO_STATES for j in members for s in j.facts["slos"]
                ),
            }
        )
    return rows


def add_waiver(connection: Connection, values: Mapping[str, Any]) -> int:
    """Record a waiver (issue 5's board decisions will be the usual way in)."""
    return connection.execute(insert(waivers).returning(waivers.c.id), dict(values)).scalar_one()
