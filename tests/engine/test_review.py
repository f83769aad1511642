"""The review queue's rules: every state × every move, priority, due dates, triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from governance.engine.review import (
    KINDS,
    MOVES,
    ItemSpec,
    closes_on_decision,
    due_at,
    next_state,
    priority,
)
from governance.engine.triggers import (
    TriggerInputs,
    breaking_changes,
    desired_items,
    plan_queue,
    version_key,
)
from governance.errors import IllegalMove
from governance.model.records import ContractVersion
from governance.model.vocabulary import DECISION_OUTCOMES as OUTCOMES
from governance.model.vocabulary import ITEM_STATES as STATES

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)

# The whole state machine, written out: (state, move) -> next state, or None when refused.
# `decide` is checked with every outcome; `reopen` depends on the decision taken.
EXPECTED: dict[tuple[str, str], str | None] = {
    ("open", "agenda"): "on_agenda",
    ("open", "unagenda"): None,
    ("open", "decide"): "decided",
    ("open", "reopen"): None,
    ("open", "close"): "closed",
    ("open", "comment"): "open",
    ("open", "assign"): "open",
    ("on_agenda", "agenda"): None,
    ("on_agenda", "unagenda"): "open",
    ("on_agenda", "decide"): "decided",
    ("on_agenda", "reopen"): None,
    ("on_agenda", "close"): "closed",
    ("on_agenda", "comment"): "on_agenda",
    ("on_agenda", "assign"): "on_agenda",
    ("decided", "agenda"): None,
    ("decided", "unagenda"): None,
    ("decided", "decide"): None,
    ("decided", "reopen"): "open",  # only after deferred / changes_requested (below)
    ("decided", "close"): "closed",
    ("decided", "comment"): "decided",
    ("decided", "assign"): "decided",
    **{("closed", move): None for move in MOVES},
}


def test_the_expected_table_covers_every_state_and_move():
    assert set(EXPECTED) == {(s, m) for s in STATES for m in MOVES}


@pytest.mark.parametrize(("state", "move"), sorted(EXPECTED))
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_state_and_move(state, move, outcome):
    expected = EXPECTED[(state, move)]
    kwargs = {"outcome": outcome} if move == "decide" else {}
    if move == "reopen":
        kwargs["decided_outcome"] = outcome
        if outcome in ("approved", "rejected"):
            expected = None  # a final decision is not reopened
    if expected is None:
        with pytest.raises(IllegalMove) as refused:
            next_state(state, move, **kwargs)
        assert move in str(refused.value) or "final" in str(refused.value)
    else:
        assert next_state(state, move, **kwargs) == expected


def test_an_illegal_move_says_what_is_allowed():
    with pytest.raises(IllegalMove, match="from decided the moves are: reopen, close, comment"):
        next_state("decided", "agenda")


@pytest.mark.parametrize("outcome", [None, "maybe"])
def test_a_decision_needs_a_known_outcome(outcome):
    with pytest.raises(IllegalMove, match="needs an outcome"):
        next_state("on_agenda", "decide", outcome=outcome)


def test_unknown_states_and_moves_are_programming_errors():
    with pytest.raises(ValueError, match="unknown state"):
        next_state("limbo", "agenda")
    with pytest.raises(ValueError, match="unknown move"):
        next_state("open", "escalate")


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_requests_close_on_a_final_decision_standing_items_wait_for_their_cause(kind, outcome):
    closes = closes_on_decision(kind, outcome)
    if kind in ("blocker", "budget_exhausted") or outcome in ("deferred", "changes_requested"):
        assert not closes
    else:
        assert closes


def test_priority_grows_with_severity_tier_and_age_and_age_is_capped():
    gold_blocker = priority("blocker", "gold", NOW, NOW)
    bronze_blocker = priority("blocker", "bronze", NOW, NOW)
    gold_minor = priority("minor", "gold", NOW, NOW)
    assert gold_blocker > bronze_blocker and gold_blocker > gold_minor
    week_old = priority("blocker", "gold", NOW - timedelta(days=7), NOW)
    assert week_old == 2 * gold_blocker
    assert priority("blocker", "gold", NOW - timedelta(days=400), NOW) == priority(
        "blocker", "gold", NOW - timedelta(days=28), NOW
    )
    assert priority("major", None, NOW, NOW) == 2.0  # an unknown tier weighs as bronze


def test_due_dates_follow_the_kind():
    assert due_at("blocker", NOW) == NOW + timedelta(days=7)
    assert due_at("policy_change", NOW) == NOW + timedelta(days=30)


def test_an_item_spec_refuses_unknown_kinds_and_severities():
    with pytest.raises(ValueError, match="kind"):
        ItemSpec("k", "gossip", None, None, "t", "s", "major", None, "d")
    with pytest.raises(ValueError, match="severity"):
        ItemSpec("k", "blocker", None, None, "t", "s", "catastrophic", None, "d")
    assert ItemSpec("k", "access_request", None, None, "t", "s", "minor", None, "d").decider == (
        "domain_owner"
    )


# --- triggers ---------------------------------------------------------------------------


def product(domain="sales", status="active", tier="gold", registered=NOW - timedelta(days=30)):
    return {"domain_id": domain, "status": status, "tier": tier, "registered_at": registered}


def result(product_id, policy_id, outcome="fail", severity="blocker", lifecycle="enforced"):
    return {
        "product_id": product_id,
        "policy_id": policy_id,
        "outcome": outcome,
        "severity": severity,
        "lifecycle": lifecycle,
        "message": f"{policy_id} says no",
        "facts": {"owners": []},
    }


def slo(product_id, name, status):
    return {
        "product_id": product_id,
        "slo": name,
        "status": status,
        "attainment": 0.95,
        "target": 0.99,
        "period_days": 28.0,
        "error_budget_remaining": -3.0,
    }


def inputs(**overrides):
    values = {
        "products": {"orders": product(), "carts": product(tier="bronze")},
        "policy_results": [],
        "policy_titles": {"owner-present": "A named owner"},
        "slo_status": [],
    }
    values.update(overrides)
    return TriggerInputs(**values)


def test_an_enforced_failing_blocker_opens_an_item_citing_the_policy_and_facts():
    found = inputs(
        policy_results=[
            result("orders", "owner-present"),
            result("orders", "tagged", severity="minor"),
            result("carts", "owner-present", lifecycle="grace"),
            result("carts", "support-channel", outcome="error"),
        ]
    )
    items = desired_items(found)
    assert list(items) == ["blocker:orders:owner-present"]
    item = items["blocker:orders:owner-present"]
    assert (item.kind, item.product_id, item.domain_id, item.tier) == (
        "blocker",
        "orders",
        "sales",
        "gold",
    )
    assert item.evidence[0]["ref"] == "owner-present"
    assert item.evidence[1] == {
        "kind": "facts",
        "ref": "owners",
        "label": "owners",
        "detail": "[]",
    }


def test_exhausted_error_budgets_open_items_other_statuses_do_not():
    found = inputs(
        slo_status=[slo("orders", "fresh", "exhausted"), slo("carts", "fresh", "breached")]
    )
    items = desired_items(found)
    assert list(items) == ["budget:orders:fresh"]
    assert "attainment 95.00% against 99.00% over 28 days" in items["budget:orders:fresh"].summary


def test_acceptance_for_candidates_and_products_registered_after_the_baseline():
    baseline = NOW - timedelta(days=10)
    found = inputs(
        products={
            "old": product(registered=NOW - timedelta(days=30)),
            "proposed": product(status="proposed", registered=NOW - timedelta(days=30)),
            "new": product(registered=NOW - timedelta(days=1)),
        },
        baseline=baseline,
    )
    assert sorted(k for k in desired_items(found) if k.startswith("acceptance")) == [
        "acceptance:new",
        "acceptance:proposed",
    ]
    # Before the first evaluation every active product is part of the mesh as it stands.
    assert [k for k in desired_items(inputs(products=found.products))] == ["acceptance:proposed"]


def contract(version, columns, product_id="orders"):
    return ContractVersion("orders-contract", version, product_id, columns)


def test_breaking_changes_removed_retyped_and_tightened_columns():
    old = contract(
        "1.0.0",
        {
            ("orders", "id"): {
                "logical_type": "string",
                "physical_type": "STRING",
                "classification": "internal",
            },
            ("orders", "email"): {
                "logical_type": "string",
                "physical_type": "STRING",
                "classification": "internal",
            },
            ("orders", "amount"): {
                "logical_type": "number",
                "physical_type": "NUMERIC",
                "classification": "internal",
            },
        },
    )
    new = contract(
        "2.0.0",
        {
            ("orders", "id"): {
                "logical_type": "string",
                "physical_type": "string",
                "classification": "internal",
            },
            ("orders", "email"): {
                "logical_type": "string",
                "physical_type": "STRING",
                "classification": "restricted",
            },
            ("orders", "amount"): {
                "logical_type": "integer",
                "physical_type": "INT64",
                "classification": "public",
            },
            ("orders", "added"): {
                "logical_type": "string",
                "physical_type": "STRING",
                "classification": None,
            },
        },
    )
    assert breaking_changes(old, new) == [
        "column orders.amount retyped: logical_type number → integer",
        "column orders.amount retyped: physical_type NUMERIC → INT64",
        "column orders.email classification tightened: internal → restricted",
    ]
    assert breaking_changes(new, old)[0] == "column orders.added removed"
    items = desired_items(inputs(contracts={"orders-contract": [new, old]}))
    spec = items["contract_change:orders-contract:1.0.0->2.0.0"]
    assert spec.product_id == "orders" and len(spec.evidence) == 3


def test_compatible_versions_open_nothing_and_versions_sort_numerically():
    cols = {
        ("o", "id"): {
            "logical_type": "string",
            "physical_type": "STRING",
            "classification": "internal",
        }
    }
    more = {
        **cols,
        ("o", "extra"): {
            "logical_type": "string",
            "physical_type": "S",
            "classification": "public",
        },
    }
    assert not desired_items(
        inputs(contracts={"c": [contract("1.0.0", cols), contract("1.1.0", more)]})
    )
    assert sorted(["1.10.0", "1.9.0", "1.9.0-rc1"], key=version_key) == [
        "1.9.0",
        "1.9.0-rc1",
        "1.10.0",
    ]


def test_policy_files_first_look_is_a_baseline_then_changes_open_items():
    files = {"global/ownership.yaml": "a" * 64, "global/quality.yaml": "b" * 64}
    assert not desired_items(inputs(policy_files=files, known_policy_files=None))
    assert not desired_items(inputs(policy_files=files, known_policy_files=files))
    changed = {"global/ownership.yaml": "c" * 64, "global/security.yaml": "d" * 64}
    items = desired_items(inputs(policy_files=changed, known_policy_files=files))
    assert sorted(s.title for s in items.values()) == [
        "Global policy file global/ownership.yaml changed",
        "Global policy file global/quality.yaml removed",
        "Global policy file global/security.yaml added",
    ]


def queued(item_id, key, kind, state="open", product_id="orders", subject=None):
    return {
        "id": item_id,
        "item_key": key,
        "kind": kind,
        "state": state,
        "product_id": product_id,
        "subject": subject or {},
    }


def test_plan_deduplicates_and_closes_standing_items_whose_cause_is_gone():
    now_failing = inputs(
        policy_results=[
            result("orders", "owner-present"),
            result("carts", "owner-present", "waived"),
        ],
        slo_status=[slo("orders", "fresh", "ok")],
    )
    desired = desired_items(now_failing)
    plan = plan_queue(
        desired,
        [
            queued(
                1,
                "blocker:orders:owner-present",
                "blocker",
                "on_agenda",
                subject={"policy_id": "owner-present"},
            ),
            queued(
                2,
                "blocker:carts:owner-present",
                "blocker",
                "decided",
                "carts",
                {"policy_id": "owner-present"},
            ),
            queued(3, "budget:orders:fresh", "budget_exhausted", subject={"slo": "fresh"}),
            queued(4, "waiver:9", "waiver_request"),
            queued(5, "blocker:gone:owner-present", "blocker", product_id="gone"),
        ],
        now_failing,
    )
    assert plan.open == []  # item 1 already tracks the failing blocker
    assert plan.close == [
        (2, "policy owner-present is now waived for carts"),
        (3, "SLO fresh of orders is ok again"),
        (5, "product gone is no longer registered"),
    ]


def test_a_standing_cause_that_returns_after_its_item_closed_opens_a_new_item():
    found = inputs(policy_results=[result("orders", "owner-present")])
    plan = plan_queue(
        desired_items(found),
        [queued(1, "blocker:orders:owner-present", "blocker", "closed")],
        found,
    )
    assert [s.key for s in plan.open] == ["blocker:orders:owner-present"]


def test_a_one_off_item_is_asked_once_even_after_it_closed():
    found = inputs(products={"new": product(status="proposed")})
    plan = plan_queue(
        desired_items(found), [queued(1, "acceptance:new", "acceptance", "closed", "new")], found
    )
    assert plan.open == [] and plan.close == []
