"""Why a score moved: two days' judgements read from the store and compared by the engine.

`meshgov explain PRODUCT --since DATE` and the product page's "What moved" both come here.
A day means the snapshot of that day or of the last day before it with one; the later day
defaults to the newest snapshot.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from governance.engine.movement import (
    DomainMove,
    Judged,
    ScoreMove,
    explain_domain_move,
    explain_move,
)
from governance.errors import NotEvaluated
from governance.model.results import PolicyResult
from governance.store import Store
from governance.store.read import movement_queries as queries

MESH = "*"  # the whole mesh, where a domain id is expected


def product_move(store: Store, product_id: str, since: date, until: date | None) -> ScoreMove:
    """The product's score on `since` and on `until` (default: its newest), and why it moved."""
    with store.read() as connection:
        days = queries.snapshot_days(connection, product_id=product_id)
        if days is None:
            raise NotEvaluated(
                f"{product_id} has no score yet: run `meshgov evaluate` (or `--backfill N`)"
            )
        until = _checked(since, until, days, f"{product_id} has a score")
        before = queries.snapshot_on(connection, product_id, since)
        after = queries.snapshot_on(connection, product_id, until)
        assert before is not None and after is not None  # both days are within `days`
        return explain_move(_judged(connection, before), _judged(connection, after))


def domain_move(store: Store, domain_id: str, since: date, until: date | None) -> DomainMove:
    """The domain's (MESH: the mesh's) mean score on two days, split into its products'."""
    with store.read() as connection:
        days = queries.snapshot_days(connection, domain_id=None if domain_id == MESH else domain_id)
        what = "the mesh" if domain_id == MESH else f"domain {domain_id}"
        if days is None:
            raise NotEvaluated(
                f"{what} has no scores: check the domain id, or run `meshgov evaluate`"
            )
        until = _checked(since, until, days, f"{what} has scores")
        rows_before = {
            r["product_id"]: r for r in queries.domain_snapshots_on(connection, domain_id, since)
        }
        rows_after = {
            r["product_id"]: r for r in queries.domain_snapshots_on(connection, domain_id, until)
        }
        # The day's snapshots come from one evaluation or a few: their details in bulk.
        details: dict[int, Any] = {}
        for row in (*rows_before.values(), *rows_after.values()):
            if row["evaluation_id"] not in details:
                details[row["evaluation_id"]] = queries.details_of_evaluation(
                    connection, row["evaluation_id"]
                )
        moves = {
            product_id: explain_move(
                _judged_from(rows_before[product_id], details), _judged_from(row, details)
            )
            for product_id, row in rows_after.items()
            if product_id in rows_before
        }
    day_before = next(iter(rows_before.values()))["day"]
    day_after = next(iter(rows_after.values()))["day"]
    return explain_domain_move(
        domain_id,
        (day_before, day_after),
        {p: r["score"] for p, r in rows_before.items()},
        {p: r["score"] for p, r in rows_after.items()},
        moves,
    )


def _checked(since: date, until: date | None, days: tuple[date, date], what: str) -> date:
    """`until` (default: the newest day), refusing days the history cannot answer."""
    first, last = days
    until = until or last
    if since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    if since < first:
        raise NotEvaluated(
            f"{what} from {first} on, not on or before {since}: choose a later --since, or "
            "run `meshgov evaluate --backfill N` to score past days"
        )
    return until


def _judged(connection: Connection, snapshot: dict[str, Any]) -> Judged:
    facts, rows = queries.evaluation_details(
        connection, snapshot["evaluation_id"], snapshot["product_id"]
    )
    return _judgement(snapshot, facts, rows)


def _judged_from(snapshot: dict[str, Any], details: dict[int, Any]) -> Judged:
    facts, rows = details[snapshot["evaluation_id"]].get(snapshot["product_id"], (None, []))
    return _judgement(snapshot, facts, rows)


def _judgement(
    snapshot: dict[str, Any], facts: dict[str, Any] | None, rows: list[dict[str, Any]]
) -> Judged:
    results = [
        PolicyResult(
            product_id=row["product_id"],
            policy_id=row["policy_id"],
            outcome=row["outcome"],
            severity=row["severity"],
            level=row["level"],
            lifecycle=row["lifecycle"],
            message=row["message"],
        )
        for row in rows
    ]
    return Judged(
        product_id=snapshot["product_id"],
        day=snapshot["day"],
        as_of=snapshot["as_of"],
        score=snapshot["explanation"],
        facts=facts,
        results=tuple(results),
    )
