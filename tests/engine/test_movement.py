"""Why a score moved (engine/movement.py): causes, their points, and that they add up.

Both days are scored by the real scoring (and, where the default pack decides, the real
policies); the move is then split and each split is checked against the two scores.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from governance.engine.movement import Judged, ScoreMove, explain_domain_move, explain_move
from governance.engine.scoring import ScoringConfig, score_product
from governance.model.results import PolicyResult
from tests.engine.facts_builder import NOW, healthy_facts, slo_status, waiver, with_paths, with_slos
from tests.engine.test_scoring import passing, result

DAY = NOW.date()


def judged(
    facts: dict[str, Any], results: list[PolicyResult], days_ago: int = 0, *, pruned: bool = False
) -> Judged:
    """A stored judgement of facts and results, `days_ago` before NOW."""
    score = score_product(facts, results, ScoringConfig())
    return Judged(
        "orders",
        DAY - timedelta(days=days_ago),
        NOW - timedelta(days=days_ago),
        score.as_dict(),
        None if pruned else facts,
        () if pruned else tuple(results),
    )


def failing_checks(facts: dict[str, Any], *checks: str) -> dict[str, Any]:
    """The facts with `checks` failing in the latest run (of its 4 results)."""
    quality = facts["quality"]
    failed = len(checks)
    return with_paths(
        facts,
        {
            "quality.latest_failed": failed,
            "quality.latest_failed_checks": sorted(checks),
            "quality.latest_pass_rate": (quality["latest_checks"] - failed)
            / quality["latest_checks"],
        },
    )


def assert_adds_up(move: ScoreMove) -> None:
    """Dimensions + cap + rounding make the move; each dimension's causes make its points."""
    cap = sum(c.points or 0 for c in move.causes if c.kind == "cap")
    total = sum(d.points for d in move.dimensions) + cap + move.rounding
    assert total == pytest.approx(move.delta, abs=1e-6)
    if move.detailed:
        for dimension in move.dimensions:
            mine = sum(c.points or 0 for c in move.causes if c.dimension == dimension.name)
            assert mine == pytest.approx(dimension.points, abs=0.05), dimension.name


def cause(move: ScoreMove, kind: str, ref: str) -> Any:
    found = [c for c in move.causes if c.kind == kind and c.ref == ref]
    assert found, [(c.kind, c.ref) for c in move.causes]
    return found[0]


def test_nothing_changed_is_no_move_and_no_cause() -> None:
    facts = healthy_facts()
    move = explain_move(judged(facts, passing(), 7), judged(facts, passing()))
    assert move.delta == 0 and move.causes == ()
    assert_adds_up(move)


def test_a_check_that_started_failing_costs_what_its_pass_rate_share_is_worth() -> None:
    before = healthy_facts()
    after = failing_checks(before, "expect_column_values_to_not_be_null(amount)")
    move = explain_move(judged(before, passing(), 1), judged(after, passing()))
    check = cause(move, "check", "expect_column_values_to_not_be_null(amount)")
    assert check.change == "started failing" and check.dimension == "quality"
    # One of 4 latest results: the latest rate 1.0 -> 0.75, quality (mean of latest and
    # window) 100 -> 87.5, a 30 / 100 weight: 3.75 points.
    assert check.points == pytest.approx(-3.75)
    assert move.delta == pytest.approx(-3.8, abs=0.06)
    assert_adds_up(move)
    back = explain_move(judged(after, passing(), 1), judged(before, passing()))
    assert cause(back, "check", "expect_column_values_to_not_be_null(amount)").change == (
        "passes again"
    )


def test_an_exhausted_slo_and_a_burning_one_are_told_apart() -> None:
    before = healthy_facts()
    after = with_slos(
        before,
        [
            slo_status("orders-freshness", "exhausted", source="odcs"),
            slo_status("orders-complete", "at_risk", error_budget_remaining=0.5),
        ],
    )
    move = explain_move(judged(before, passing(), 3), judged(after, passing()))
    exhausted = cause(move, "slo", "orders-freshness")
    burning = cause(move, "slo", "orders-complete")
    assert exhausted.change == "error budget exhausted"
    assert burning.change == "at risk" and "budget left 50.0%" in burning.after
    # Reliability is the mean of two SLOs: one 100 -> 0, the other 100 -> 50 (20 of 100 weight).
    assert exhausted.points == pytest.approx(-10.0)
    assert burning.points == pytest.approx(-5.0)
    assert_adds_up(move)


def test_a_budget_that_burns_without_a_status_change_is_only_listed_when_it_costs_points() -> None:
    before = with_slos(
        healthy_facts(), [slo_status("orders-complete", "at_risk", error_budget_remaining=0.6)]
    )
    burnt = with_slos(
        before, [slo_status("orders-complete", "at_risk", error_budget_remaining=0.4)]
    )
    move = explain_move(judged(before, passing(), 1), judged(burnt, passing()))
    assert cause(move, "slo", "orders-complete").change == "error budget burned"
    assert cause(move, "slo", "orders-complete").points == pytest.approx(-4.0)
    # ok counts as 100 whatever the budget: a burn inside ok moves nothing and is not news.
    calm = with_slos(
        healthy_facts(),
        [
            slo_status("orders-freshness", source="odcs"),
            slo_status("orders-complete", error_budget_remaining=0.5),
        ],
    )
    quiet = explain_move(judged(healthy_facts(), passing(), 1), judged(calm, passing()))
    assert not [c for c in quiet.causes if c.kind == "slo"]


def test_an_expired_waiver_is_its_own_cause() -> None:
    expired = NOW - timedelta(days=2)
    was = [*passing(), result("owner-present", "waived", severity="major")]
    now = [*passing(), result("owner-present", "fail", severity="major")]
    before = healthy_facts(waivers=[waiver("owner-present", expires_at=expired)])
    after = healthy_facts(waivers=[waiver("owner-present", active=False, expires_at=expired)])
    move = explain_move(judged(before, was, 5), judged(after, now))
    ended = cause(move, "waiver", "owner-present")
    assert ended.change == f"waiver expired {expired:%Y-%m-%d}, policy fails"
    assert ended.before == "waived (major)" and ended.after == "fail (major)"
    # Compliance weighs 5 + 3 + 1 + 3 by severity; the waived major passed, now it fails.
    assert ended.points == pytest.approx(-100 * 3 / 12 * 25 / 100)
    assert_adds_up(move)


def test_a_withdrawn_waiver_says_so() -> None:
    was = [*passing(), result("owner-present", "waived")]
    now = [*passing(), result("owner-present", "fail")]
    after = healthy_facts(waivers=[waiver("owner-present", active=False)])  # expires in 30 days
    move = explain_move(judged(healthy_facts(), was, 1), judged(after, now))
    assert cause(move, "waiver", "owner-present").change == "waiver withdrawn, policy fails"


def test_a_blocker_that_starts_failing_caps_the_score_and_both_are_causes() -> None:
    now = [result("b-blocker", "fail", severity="blocker"), *passing()[1:]]
    move = explain_move(judged(healthy_facts(), passing(), 2), judged(healthy_facts(), now))
    assert move.after.score["score"] == 40.0
    flipped = cause(move, "policy", "b-blocker")
    assert flipped.change == "started failing" and flipped.points < 0
    capped = cause(move, "cap", "b-blocker")
    assert capped.change == "score capped" and capped.points < 0
    assert_adds_up(move)
    lifted = explain_move(judged(healthy_facts(), now, 1), judged(healthy_facts(), passing()))
    assert cause(lifted, "cap", "b-blocker").change == "cap lifted"


@pytest.mark.parametrize(
    ("was", "now", "change"),
    [
        ("pass", "fail", "started failing"),
        ("fail", "pass", "passes again"),
        ("fail", "waived", "waived"),
        ("not_applicable", "fail", "applies now, fails"),
        ("fail", "not_applicable", "no longer applies"),
    ],
)
def test_each_kind_of_policy_flip_is_named(was: str, now: str, change: str) -> None:
    move = explain_move(
        judged(healthy_facts(), [*passing(), result("p", was)], 1),
        judged(healthy_facts(), [*passing(), result("p", now)]),
    )
    assert cause(move, "policy", "p").change == change
    assert_adds_up(move)


def test_a_policy_in_grace_moves_nothing_and_is_not_listed() -> None:
    move = explain_move(
        judged(healthy_facts(), [*passing(), result("p", "pass", lifecycle="grace")], 1),
        judged(healthy_facts(), [*passing(), result("p", "fail", lifecycle="grace")]),
    )
    assert move.delta == 0 and move.causes == ()


def test_a_policy_that_becomes_enforced_while_failing_is_named() -> None:
    move = explain_move(
        judged(healthy_facts(), [*passing(), result("p", "fail", lifecycle="grace")], 1),
        judged(healthy_facts(), [*passing(), result("p", "fail")]),
    )
    assert cause(move, "policy", "p").change == "now enforced, fails"


def test_documentation_items_and_operations_are_causes() -> None:
    before = healthy_facts()
    after = with_paths(
        before,
        {
            "support": [],
            "runs.succeeded": 5,
            "runs.failed": 5,
            "runs.success_rate": 0.5,
        },
    )
    move = explain_move(judged(before, passing(), 1), judged(after, passing()))
    support = cause(move, "documentation", "support channel")
    assert support.change == "now missing"
    assert support.points == pytest.approx(-100 / 7 * 10 / 100)
    runs = cause(move, "runs", "pipeline runs")
    assert runs.change == "success rate fell" and runs.points < 0
    assert_adds_up(move)


def test_changes_that_interact_leave_a_rest_so_the_causes_still_add_up() -> None:
    # Two SLOs of one dimension fail at once while a third appears: undoing each alone
    # gives back less than the whole.
    before = with_slos(healthy_facts(), [slo_status("a"), slo_status("b")])
    after = with_slos(
        healthy_facts(),
        [slo_status("a", "exhausted"), slo_status("b", "exhausted"), slo_status("c")],
    )
    move = explain_move(judged(before, passing(), 1), judged(after, passing()))
    assert {c.ref for c in move.causes if c.kind == "slo"} == {"a", "b", "c"}
    assert_adds_up(move)


def test_pruned_details_still_split_by_dimension_and_name_causes_without_points() -> None:
    before = healthy_facts()
    after = failing_checks(before, "expect_column_values_to_be_unique(id)")
    move = explain_move(judged(before, passing(), 30, pruned=True), judged(after, passing()))
    assert not move.detailed
    quality = next(d for d in move.dimensions if d.name == "quality")
    assert quality.points == pytest.approx(-3.75)
    check = cause(move, "check", "expect_column_values_to_be_unique(id)")
    assert check.points is None and check.change == "appeared"
    assert_adds_up(move)


def test_as_dict_is_plain_json() -> None:
    after = failing_checks(healthy_facts(), "c(x)")
    move = explain_move(judged(healthy_facts(), passing(), 1), judged(after, passing()))
    document = move.as_dict()
    assert document["before"]["day"] == (DAY - timedelta(days=1)).isoformat()
    assert document["delta"] == move.delta and document["detailed"] is True
    assert document["causes"][0] == {
        "kind": "check",
        "ref": "c(x)",
        "change": "started failing",
        "before": "passed",
        "after": "fails",
        "dimension": "quality",
        "points": -3.75,
    }


def test_a_domain_move_is_its_products_shares() -> None:
    before = {"orders": 80.0, "revenue": 60.0, "retired": 40.0}
    after = {"orders": 90.0, "revenue": 60.0, "new": 30.0}
    move = explain_domain_move("sales", (date(2026, 5, 1), DAY), before, after, {})
    assert move.before_mean == 60.0 and move.after_mean == 60.0
    shares = {s.product_id: s.points for s in move.products}
    assert sum(shares.values()) == pytest.approx(move.delta)
    assert shares["orders"] == pytest.approx(90 / 3 - 80 / 3)
    assert shares["revenue"] == pytest.approx(0.0)
    assert shares["new"] == pytest.approx(10.0) and shares["retired"] == pytest.approx(-40 / 3)
    assert move.products[0].product_id == "retired"  # the biggest share first
