"""The shipped policy pack: it loads cleanly, covers the quality attributes, and is consistent."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.engine.facts import build_facts
from governance.engine.policies import evaluate_product, load_pack
from governance.engine.sli import attach_slos
from governance.model.evidence import Evidence
from governance.model.vocabulary import QUALITY_ATTRIBUTES
from tests.engine.facts_builder import (
    NOW,
    TODAY,
    healthy_facts,
    slo_status,
    waiver,
    with_paths,
    with_slos,
)

PACK_ROOT = Path(__file__).parents[2] / "policy_rules"
PACK = load_pack(PACK_ROOT)
GLOBAL = [p for p in PACK.policies if p.scope == "global"]
DOMAIN = [p for p in PACK.policies if p.scope == "domain"]
FAR_FUTURE = date(2099, 1, 1)  # every grace period is over: grace policies are enforced


def outcomes(facts: dict[str, Any], today: date = TODAY) -> dict[str, str]:
    return {r.policy_id: r.outcome for r in evaluate_product(PACK.policies, facts, today)}


def failing(facts: dict[str, Any], today: date = TODAY) -> set[str]:
    return {pid for pid, outcome in outcomes(facts, today).items() if outcome == "fail"}


# --- the pack loads and is complete --------------------------------------------------------


def test_the_default_pack_loads_without_refusals():
    assert PACK.refusals == ()
    assert len(GLOBAL) >= 15
    assert all(p.path.startswith(str(PACK_ROOT / "global")) for p in GLOBAL)


@pytest.mark.parametrize("policy", PACK.policies, ids=lambda p: p.id)
def test_every_policy_explains_itself(policy):
    assert policy.title and policy.rationale and policy.message
    assert policy.attribute in QUALITY_ATTRIBUTES
    assert policy.cited, "the expression reads no fact"


def test_the_global_policies_cover_every_quality_attribute():
    assert {p.attribute for p in GLOBAL} == set(QUALITY_ATTRIBUTES)


def test_domain_policies_exist_for_at_least_two_domains_and_belong_to_them():
    domains = {p.domain for p in DOMAIN}
    assert len(domains) >= 2
    for policy in DOMAIN:
        assert policy.path.startswith(str(PACK_ROOT / "domains" / policy.domain))
        assert policy.owner == policy.domain
        assert policy.id.startswith(f"{policy.domain}.")


def test_every_level_and_severity_is_used_by_an_enforced_policy():
    enforced = [p for p in PACK.policies if p.lifecycle == "enforced"]
    assert {p.level for p in enforced} == {"bronze", "silver", "gold"}
    assert {p.severity for p in enforced} == {"blocker", "major", "minor"}


# --- the healthy fixture is a real facts document -----------------------------------------


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_shape(value[0])]
    return "list" if isinstance(value, list) else "value"


def _evidence() -> Evidence:
    """One product with one piece of every kind of evidence, in the shape the store gives."""
    hour = timedelta(hours=1)
    return Evidence(
        products={
            "orders": {
                "name": "Orders",
                "domain_id": "sales",
                "status": "active",
                "tier": "gold",
                "version": "1.0.0",
                "description": "Every order placed in the web shop.",
                "tags": ["sales"],
                "team": [{"username": "alice", "name": "Alice", "role": "owner"}],
                "support": [{"channel": "#orders", "url": "https://chat/orders"}],
            }
        },
        ports={
            "orders": [
                {
                    "kind": "output",
                    "name": "orders",
                    "version": "1",
                    "type": "tables",
                    "contract_id": "c1",
                },
                {
                    "kind": "input",
                    "name": "customers",
                    "version": "1",
                    "type": None,
                    "contract_id": None,
                },
            ]
        },
        contracts={
            "c1": {
                "id": "c1",
                "version": "1",
                "status": "active",
                "columns": [{"name": "email", "classification": "restricted"}],
                "document": {"slaProperties": [{"property": "latency", "value": 1, "unit": "d"}]},
            }
        },
        lineage=[
            {
                "upstream_product": "customers",
                "downstream_product": "orders",
                "downstream_port": "customers",
            }
        ],
        observed_lineage=[],
        check_window={"orders": {"checks": 2, "passed": 2, "days": 1}},
        check_names={"orders": [{"check_name": "email_not_null", "checks": 2, "passed": 2}]},
        latest_checks={
            "orders": [
                {
                    "run_time": NOW - hour,
                    "check_name": "email_not_null",
                    "success": True,
                    "column_name": "email",
                    "source_tool": "gx",
                    "suite": "orders",
                }
            ]
        },
        runs={
            "orders": [
                {
                    "started_at": NOW - 2 * hour,
                    "ended_at": NOW - hour,
                    "state": "success",
                    "job": "daily",
                }
            ]
        },
        last_success={"orders": NOW - hour},
        logs={"orders": {"INFO": 10, "ERROR": 1}},
        audit={"orders": {"consumers": 1, "accesses": 3, "changes": 0, "last": NOW - hour}},
        slos={},
        slis={},
        collected={"orders": NOW - hour},
        waivers={"orders": [{"policy_id": "tagged", "status": "approved", "expires_at": None}]},
        open_items={},
    )


def test_healthy_facts_have_exactly_the_shape_facts_py_builds():
    evidence = _evidence()
    built = build_facts(evidence, NOW)["orders"]
    attach_slos(built, evidence, NOW)
    assert built["slos"] and built["waivers"]  # every nested list has an item to compare
    assert _shape(healthy_facts(waivers=[waiver("tagged")])) == _shape(built)


# --- healthy facts pass; each breakage fails the intended policy ----------------------------


@pytest.mark.parametrize("domain", ["sales", *sorted({p.domain for p in DOMAIN})])
@pytest.mark.parametrize("today", [TODAY, FAR_FUTURE], ids=["today", "after-every-grace"])
def test_a_healthy_product_passes_every_applicable_policy(domain, today):
    results = evaluate_product(PACK.policies, healthy_facts(product__domain=domain), today)
    applicable = [r for r in results if r.outcome != "not_applicable"]
    assert {r.policy_id: r.outcome for r in applicable if r.outcome != "pass"} == {}
    assert len(applicable) == len(GLOBAL) + sum(p.domain == domain for p in DOMAIN)
    if today == FAR_FUTURE:
        assert {r.lifecycle for r in applicable} == {"enforced", "draft"}


BREAKAGES = [
    # The main ways a product breaks the pack.
    pytest.param({"owners": []}, {"owner-present"}, id="no-owner"),
    pytest.param(
        {"ports.output.0.has_contract": False, "ports.output.0.contract_status": None},
        {"output-contract"},
        id="port-without-contract",
    ),
    pytest.param(
        {"classification.unclassified": ["discount_code"], "classification.classified": 3},
        {"columns-classified"},
        id="unclassified-column",
    ),
    pytest.param(
        {"slo_summary.declared": 0},
        {"slos-declared-gold", "error-budget-left"},
        id="gold-without-slos",
    ),
    pytest.param(
        {"lineage.deprecated_upstream": ["legacy-orders"]},
        {"no-deprecated-inputs"},
        id="deprecated-upstream",
    ),
    pytest.param(
        {"quality.latest_run_age_hours": 72.0}, {"quality-checks-recent"}, id="old-checks"
    ),
    pytest.param(
        {"quality.latest_run_age_hours": None}, {"quality-checks-recent"}, id="no-check-time"
    ),
    # One breakage for every other policy of the pack.
    pytest.param(
        {"ports.output": []}, {"output-port-declared", "output-contract"}, id="no-output-port"
    ),
    pytest.param({"ports.output.0.type": ""}, {"output-port-typed"}, id="untyped-port"),
    pytest.param(
        {"ports.output.0.contract_status": "draft"}, {"active-contract"}, id="draft-contract"
    ),
    pytest.param({"support.0.url": None}, {"support-channel"}, id="support-without-url"),
    pytest.param(
        {"product.description": "Orders."}, {"description-present"}, id="short-description"
    ),
    pytest.param({"product.description": None}, {"description-present"}, id="no-description"),
    pytest.param({"product.tags": []}, {"tagged"}, id="no-tags"),
    pytest.param(
        {"audit.accesses": 0, "audit.changes": 0},
        {"restricted-data-audited"},
        id="restricted-unaudited",
    ),
    pytest.param({"quality.has_checks": False}, {"quality-checks-present"}, id="no-checks"),
    pytest.param({"quality.window_pass_rate": 0.94}, {"quality-pass-rate"}, id="low-pass-rate"),
    pytest.param({"runs.success_rate": 0.85}, {"pipeline-reliable"}, id="unreliable-runs"),
    pytest.param({"runs.total": 0, "runs.success_rate": None}, {"pipeline-reliable"}, id="no-runs"),
    pytest.param({"slo_summary.exhausted": 1}, {"error-budget-left"}, id="exhausted-budget"),
    pytest.param({"logs.records": 0, "logs.error_rate": None}, {"telemetry-present"}, id="no-logs"),
    pytest.param(
        {"logs.errors": 120, "logs.error_rate": 0.1}, {"log-error-rate"}, id="many-log-errors"
    ),
    pytest.param({"evidence.age_hours": 100.0}, {"evidence-current"}, id="stale-evidence"),
    pytest.param({"contracts.0.sla.latency_hours": None}, {"contract-sla"}, id="no-latency"),
    pytest.param(
        {"lineage.undeclared_upstream": ["payments"]}, {"lineage-declared"}, id="undeclared-input"
    ),
    pytest.param(
        {"product.domain": "finance", "runs.failed": 3, "runs.success_rate": 0.9},
        {"finance.pipeline-no-failures"},
        id="finance-failures",
    ),
    pytest.param(
        {"product.domain": "finance", "audit.accesses": 0, "audit.changes": 0},
        {"finance.changes-audited", "restricted-data-audited"},
        id="finance-unaudited",
    ),
    pytest.param(
        {"product.domain": "podcasts", "runs.last_success_age_hours": 30.0},
        {"podcasts.fresh-within-a-day"},
        id="podcasts-stale",
    ),
    pytest.param(
        {
            "product.domain": "users",
            "classification.unclassified": ["email"],
            "classification.suspected_personal_unclassified": ["email"],
        },
        {"columns-classified", "users.no-suspected-personal-unclassified"},
        id="users-personal-unclassified",
    ),
]


@pytest.mark.parametrize(("changes", "policies"), BREAKAGES)
def test_a_breakage_fails_the_intended_policy(changes, policies):
    results = evaluate_product(PACK.policies, with_paths(healthy_facts(), changes), TODAY)
    assert {
        r.policy_id for r in results if r.outcome != "pass" and r.outcome != "not_applicable"
    } == policies
    by_id = {p.id: p for p in PACK.policies}
    for r in results:
        if r.policy_id in policies:
            assert r.outcome == "fail"
            assert r.message.startswith(by_id[r.policy_id].message)


def test_every_policy_of_the_pack_has_a_breakage_test():
    covered = set().union(*(case.values[1] for case in BREAKAGES))
    assert covered == {p.id for p in PACK.policies}


def test_an_exhausted_slo_fails_only_the_error_budget_policy():
    facts = with_slos(
        healthy_facts(),
        [slo_status("orders-freshness"), slo_status("orders-complete", "exhausted")],
    )
    assert failing(facts) == {"error-budget-left"}


def test_slos_declared_gold_applies_only_to_gold_products():
    facts = with_slos(healthy_facts(product__tier="silver"), [])
    assert outcomes(facts)["slos-declared-gold"] == "not_applicable"
    assert failing(facts) == {"error-budget-left"}


def test_a_waiver_on_a_pack_policy_is_honoured():
    facts = healthy_facts(owners=[], waivers=[waiver("owner-present")])
    assert outcomes(facts)["owner-present"] == "waived"
    assert failing(facts) == set()


@pytest.mark.parametrize(
    ("policy_id", "today", "lifecycle"),
    [
        ("log-error-rate", date(2027, 3, 31), "grace"),
        ("log-error-rate", date(2027, 4, 1), "enforced"),
        ("podcasts.fresh-within-a-day", date(2027, 1, 15), "grace"),
        ("podcasts.fresh-within-a-day", date(2027, 1, 16), "enforced"),
        ("evidence-current", FAR_FUTURE, "draft"),
        ("owner-present", TODAY, "enforced"),
    ],
)
def test_the_pack_lifecycles(policy_id, today, lifecycle):
    (policy,) = [p for p in PACK.policies if p.id == policy_id]
    assert policy.lifecycle_on(today) == lifecycle
