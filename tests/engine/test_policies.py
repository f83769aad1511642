"""The policy engine: loading YAML+CEL policies (and refusing broken ones), outcomes, lifecycle."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import cel
import pytest
import yaml

from governance.engine.facts import _waiver
from governance.engine.policies import (
    Policy,
    PolicyRefusal,
    applies,
    evaluate_mesh,
    evaluate_product,
    load_file,
    load_pack,
)
from governance.model.results import PolicyResult
from tests.engine.facts_builder import (
    NOW,
    TODAY,
    healthy_facts,
    waiver,
    with_path,
    with_paths,
    without_path,
)

PACK = Path(__file__).parents[2] / "policy_rules"


def entry(policy_id: str = "owner-present", **fields: Any) -> dict[str, Any]:
    """A valid policy mapping; keyword arguments replace fields (None removes one)."""
    base: dict[str, Any] = {
        "id": policy_id,
        "title": "A named owner",
        "rationale": "Someone must be accountable.",
        "attribute": "discoverable",
        "severity": "blocker",
        "level": "bronze",
        "lifecycle": "enforced",
        "expression": "facts.owners.size() > 0",
        "message": "no owner in the team",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def write(root: Path, relative: str, content: Any) -> Path:
    """Write a policy file: text as is, anything else as YAML."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def compile_one(tmp_path: Path, relative: str = "global/p.yaml", **fields: Any) -> Policy:
    """One policy loaded from a file, failing the test if it is refused."""
    path = write(tmp_path, relative, entry(**fields))
    found, refused = load_file(path, tmp_path)
    assert refused == [] and len(found) == 1, refused
    return found[0]


def outcome_of(policy: Policy, facts: dict[str, Any], today: date = TODAY) -> PolicyResult:
    (result,) = evaluate_product([policy], facts, today)
    return result


# --- loading -----------------------------------------------------------------------------


def test_a_file_with_one_policy_mapping_loads_with_defaults(tmp_path):
    write(tmp_path, "global/owner.yaml", entry())
    pack = load_pack(tmp_path)
    assert pack.refusals == ()
    (policy,) = pack.policies
    assert policy.id == "owner-present"
    assert (policy.scope, policy.domain, policy.owner) == ("global", None, "board")
    assert (policy.severity, policy.level, policy.lifecycle) == ("blocker", "bronze", "enforced")
    assert policy.attribute == "discoverable"
    assert policy.path == str(tmp_path / "global" / "owner.yaml")
    assert policy.cited == ("facts.owners",)  # `.size()` is a call on the fact, not a field


def test_a_file_with_a_policies_list_loads_every_entry(tmp_path):
    write(
        tmp_path,
        "global/many.yml",
        {
            "policies": [
                entry("owner-present"),
                entry("tagged", expression="facts.product.tags.size() > 0"),
            ]
        },
    )
    pack = load_pack(tmp_path)
    assert pack.refusals == ()
    assert [p.id for p in pack.policies] == ["owner-present", "tagged"]


def test_a_policy_under_domains_folder_belongs_to_that_domain(tmp_path):
    write(tmp_path, "domains/finance/audit.yaml", {"policies": [entry("finance.audited")]})
    pack = load_pack(tmp_path)
    (policy,) = pack.policies
    assert (policy.scope, policy.domain, policy.owner) == ("domain", "finance", "finance")
    assert applies(policy, healthy_facts(product__domain="finance"))
    assert not applies(policy, healthy_facts(product__domain="sales"))


def test_a_domain_policy_file_loaded_on_its_own_keeps_its_domain(tmp_path):
    path = write(tmp_path, "domains/finance/audit.yaml", entry("finance.audited"))
    (policy,), refused = load_file(path)
    assert refused == []
    assert (policy.scope, policy.domain) == ("domain", "finance")


def test_scope_and_domain_can_be_written_in_the_policy(tmp_path):
    policy = compile_one(tmp_path, scope="domain", domain="users", owner="users-team")
    assert (policy.scope, policy.domain, policy.owner) == ("domain", "users", "users-team")


def test_a_domain_folder_given_as_root_keeps_its_domain(tmp_path):
    write(tmp_path, "domains/finance/audit.yaml", entry("finance.audited"))
    (policy,) = load_pack(tmp_path / "domains" / "finance").policies
    assert (policy.scope, policy.domain) == ("domain", "finance")


REFUSALS = [
    pytest.param(
        {"expression": "facts.owners.size() >"},
        ["CEL:", "Syntax error", "facts.owners.size() >"],
        id="cel-syntax-error",
    ),
    pytest.param({"severty": "major"}, ["unknown field(s) severty"], id="unknown-field"),
    pytest.param(
        {"severity": "critical"},
        ["severity: expected one of blocker, major, minor, got 'critical'"],
        id="bad-severity",
    ),
    pytest.param({"severity": None}, ["severity: expected one of", "got None"], id="no-severity"),
    pytest.param(
        {"level": "platinum"}, ["level: expected one of bronze, silver, gold"], id="bad-level"
    ),
    pytest.param(
        {"lifecycle": "active"},
        ["lifecycle: expected one of draft, grace, enforced, got 'active'"],
        id="bad-lifecycle",
    ),
    pytest.param(
        {"lifecycle": "grace"},
        ["grace_until: a date (YYYY-MM-DD) is required with lifecycle grace"],
        id="grace-without-grace-until",
    ),
    pytest.param(
        {"lifecycle": "grace", "grace_until": "next spring"},
        ["grace_until: a date"],
        id="grace-until-not-a-date",
    ),
    pytest.param(
        {"expression": "fact.owners.size() > 0"},
        ["CEL: unknown variable(s) fact", "expressions read `facts`"],
        id="unknown-variable-typo",
    ),
    pytest.param(
        {"expression": "facts.owners.size() > minimum"},
        ["unknown variable(s) minimum"],
        id="unknown-variable-free",
    ),
    pytest.param({"title": None}, ["title: required text"], id="no-title"),
    pytest.param({"rationale": "  "}, ["rationale: required text"], id="blank-rationale"),
    pytest.param({"expression": None}, ["expression: required text"], id="no-expression"),
    pytest.param(
        {"attribute": "fast"}, ["attribute: expected one of discoverable"], id="bad-attribute"
    ),
    pytest.param({"scope": "mesh"}, ["scope: expected global or domain"], id="bad-scope"),
    pytest.param({"scope": "domain"}, ["scope domain needs a domain"], id="domain-scope-no-domain"),
    pytest.param(
        {"applies_to": {"owner": ["x"]}}, ["applies_to: unknown key(s) owner"], id="applies-to-key"
    ),
    pytest.param(
        {"applies_to": {"tier": [1, 2]}},
        ["applies_to.tier: expected a list"],
        id="applies-to-value",
    ),
    pytest.param(
        {"applies_to": ["gold"]}, ["applies_to: expected a mapping"], id="applies-to-list"
    ),
]


@pytest.mark.parametrize(("fields", "expected"), REFUSALS)
def test_a_broken_policy_is_refused_with_file_id_and_reason_and_its_neighbours_load(
    tmp_path, fields, expected
):
    path = write(
        tmp_path,
        "global/mixed.yaml",
        {"policies": [entry("good-before"), entry("broken-one", **fields), entry("good-after")]},
    )
    write(tmp_path, "global/other.yaml", entry("other-file"))
    pack = load_pack(tmp_path)
    assert sorted(p.id for p in pack.policies) == ["good-after", "good-before", "other-file"]
    (refusal,) = pack.refusals
    assert refusal.path == str(path)
    assert refusal.policy_id == "broken-one"
    for text in expected:
        assert text in refusal.reason
    assert str(refusal).startswith(f"{path} (policy broken-one): ")


def test_a_bad_id_is_refused_and_labelled_by_what_was_written(tmp_path):
    write(tmp_path, "global/p.yaml", {"policies": [entry("Owner Present"), entry("ok-one")]})
    pack = load_pack(tmp_path)
    assert [p.id for p in pack.policies] == ["ok-one"]
    (refusal,) = pack.refusals
    assert refusal.policy_id == "Owner Present"
    assert refusal.reason.startswith("id: lower-case letters")


def test_an_entry_that_is_not_a_mapping_is_refused_by_position(tmp_path):
    write(tmp_path, "global/p.yaml", {"policies": ["owner-present", entry("ok-one")]})
    pack = load_pack(tmp_path)
    assert [p.id for p in pack.policies] == ["ok-one"]
    assert [(r.policy_id, r.reason) for r in pack.refusals] == [("#1", "expected a mapping")]


def test_a_duplicate_id_across_files_is_refused_in_the_later_file(tmp_path):
    first = write(tmp_path, "global/a.yaml", entry("dup", title="First"))
    second = write(
        tmp_path, "global/b.yaml", {"policies": [entry("dup", title="Second"), entry("b-only")]}
    )
    pack = load_pack(tmp_path)
    assert [(p.id, p.title) for p in pack.policies] == [
        ("dup", "First"),
        ("b-only", "A named owner"),
    ]
    (refusal,) = pack.refusals
    assert (refusal.path, refusal.policy_id) == (str(second), "dup")
    assert refusal.reason == f"duplicate id; first in {first}"


def test_a_duplicate_id_across_roots_is_refused(tmp_path):
    write(tmp_path, "one/p.yaml", entry("dup"))
    write(tmp_path, "two/p.yaml", entry("dup"))
    pack = load_pack([tmp_path / "one", str(tmp_path / "two")])
    assert [p.id for p in pack.policies] == ["dup"]
    assert [r.path for r in pack.refusals] == [str(tmp_path / "two" / "p.yaml")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            "policies:\n  - id: x\n    title: [unclosed\n", "cannot read YAML", id="yaml-syntax"
        ),
        pytest.param(b"id: caf\xe9\n", "cannot read YAML", id="not-utf8"),
        pytest.param(
            "just a sentence\n", "expected a policy mapping or `policies: [...]`", id="scalar"
        ),
        pytest.param("", "expected a policy mapping or `policies: [...]`", id="empty"),
        pytest.param(
            "policies:\n  id: x\n",
            "expected a policy mapping or `policies: [...]`",
            id="policies-not-list",
        ),
    ],
)
def test_an_unreadable_file_is_refused_and_other_files_still_load(tmp_path, content, reason):
    bad = tmp_path / "global" / "bad.yaml"
    bad.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, encoding="utf-8")
    write(tmp_path, "global/good.yaml", entry())
    pack = load_pack(tmp_path)
    assert [p.id for p in pack.policies] == ["owner-present"]
    (refusal,) = pack.refusals
    assert (refusal.path, refusal.policy_id) == (str(bad), None)
    assert refusal.reason.startswith(reason)
    assert str(refusal).startswith(f"{bad}: ")


def test_a_missing_root_is_refused_and_other_roots_load(tmp_path):
    write(tmp_path, "rules/p.yaml", entry())
    pack = load_pack([tmp_path / "nowhere", tmp_path / "rules"])
    assert [p.id for p in pack.policies] == ["owner-present"]
    assert pack.refusals == (
        PolicyRefusal(str(tmp_path / "nowhere"), None, "no such policy file or folder"),
    )


def test_only_yaml_files_are_read(tmp_path):
    write(tmp_path, "global/p.yaml", entry("a-yaml"))
    write(tmp_path, "global/q.yml", entry("a-yml"))
    write(tmp_path, "global/README.md", "# not a policy\n")
    write(tmp_path, "global/r.yaml.bak", entry("a-backup"))
    assert sorted(p.id for p in load_pack(tmp_path).policies) == ["a-yaml", "a-yml"]


def test_a_macro_variable_used_outside_its_macro_is_refused(tmp_path):
    path = write(
        tmp_path,
        "global/p.yaml",
        entry(expression='facts.ports.output.all(p, p.has_contract) && p.type != ""'),
    )
    found, refused = load_file(path, tmp_path)
    assert found == []
    assert "unknown variable(s) p" in refused[0].reason


def test_a_policy_reading_now_either_is_refused_or_evaluates(tmp_path):
    path = write(tmp_path, "global/p.yaml", entry(expression="now == now"))
    found, refused = load_file(path, tmp_path)
    if refused:
        return
    assert outcome_of(found[0], healthy_facts()).outcome == "pass"


@pytest.mark.parametrize(
    ("expression", "unbound"),
    [
        ("facts.ports.output.all(p, p.has_contract)", []),
        ("facts.ports.output.all(p, facts.support.exists(s, s.url == p.name))", []),
        ("facts.ports.output.all(p, p.has_contract) && p.name != ''", ["p"]),
        ("facts.support.exists(s, s.url != '') || facts.ports.output.all(p, s.url == '')", ["s"]),
        ("facts.ports.output.map(p, p.name).exists(n, n == 'p') && facts.p == 1", []),
        ("facts.ports.output.all(p, p.has_contract) || x > 1e5", ["x"]),
        ("[1, 2].all(x, x > 0) && {'x': 1}.x == 1", []),
    ],
)
def test_only_variables_inside_the_macro_that_binds_them_count_as_bound(expression, unbound):
    from governance.engine.policies.sandbox import unbound_variables

    assert unbound_variables({"p", "s", "n", "x"}, expression) == unbound


def test_macro_variables_are_not_taken_for_unknown_variables(tmp_path):
    policy = compile_one(
        tmp_path,
        expression='facts.support.exists(s, s.url != null && s.url != "")'
        " && facts.ports.output.all(port, port.has_contract)",
    )
    assert policy.cited == ("facts.support", "facts.ports.output")


# --- evaluation outcomes -----------------------------------------------------------------


def test_pass_cites_the_facts_it_read(tmp_path):
    policy = compile_one(tmp_path)
    result = outcome_of(policy, healthy_facts())
    assert result.outcome == "pass"
    assert result.product_id == "orders" and result.policy_id == "owner-present"
    assert result.message.startswith("A named owner: owners = ")
    assert "alice" in result.message.lower()
    assert result.facts == {"facts.owners": healthy_facts()["owners"]}


def test_fail_gives_the_policy_message_and_the_facts_used(tmp_path):
    policy = compile_one(tmp_path)
    result = outcome_of(policy, healthy_facts(owners=[]))
    assert result.outcome == "fail"
    assert result.message == "no owner in the team; owners = []"
    assert result.facts == {"facts.owners": []}
    assert (result.severity, result.level, result.lifecycle) == ("blocker", "bronze", "enforced")
    assert result.enforced


def test_fail_without_a_message_names_the_title(tmp_path):
    policy = compile_one(tmp_path, message=None)
    assert outcome_of(policy, healthy_facts(owners=[])).message == (
        "not met: A named owner; owners = []"
    )


def test_fail_cites_every_leaf_fact_but_not_their_parents(tmp_path):
    policy = compile_one(
        tmp_path,
        expression="facts.quality.latest_run_age_hours != null"
        " && facts.quality.latest_run_age_hours <= 48.0 && facts.quality.has_checks",
    )
    result = outcome_of(policy, with_path(healthy_facts(), "quality.latest_run_age_hours", 72.5))
    assert result.outcome == "fail"
    assert result.message.endswith(
        "; quality.latest_run_age_hours = 72.5; quality.has_checks = True"
    )


@pytest.mark.parametrize(
    ("applies_to", "changes", "outcome"),
    [
        pytest.param({"tier": ["gold"]}, {}, "pass", id="tier-match"),
        pytest.param(
            {"tier": ["gold"]}, {"product.tier": "silver"}, "not_applicable", id="tier-other"
        ),
        pytest.param({"tier": ["gold"]}, {"product.tier": None}, "not_applicable", id="tier-none"),
        pytest.param({"tier": "GOLD"}, {"product.tier": "Gold"}, "pass", id="tier-case-and-string"),
        pytest.param(
            {"status": ["active"]},
            {"product.status": "deprecated"},
            "not_applicable",
            id="status-other",
        ),
        pytest.param(
            {"status": ["active", "deprecated"]},
            {"product.status": "deprecated"},
            "fail",
            id="status-match",
        ),
        pytest.param({"tags": ["pii"]}, {}, "not_applicable", id="tags-none-shared"),
        pytest.param(
            {"tags": ["pii"]}, {"product.tags": ["sales", "PII"]}, "fail", id="tags-one-shared"
        ),
        pytest.param({"port_types": ["api"]}, {}, "not_applicable", id="port-type-other"),
        pytest.param({"port_types": ["tables", "api"]}, {}, "fail", id="port-type-match"),
        pytest.param(
            {"port_types": ["tables"]},
            {"ports.output": []},
            "not_applicable",
            id="port-type-no-ports",
        ),
        pytest.param({"domains": ["finance"]}, {}, "not_applicable", id="domains-other"),
        pytest.param(
            {"domains": ["finance"]}, {"product.domain": "finance"}, "fail", id="domains-match"
        ),
        pytest.param(
            {"tier": ["gold"], "status": ["active"]},
            {"product.status": "draft"},
            "not_applicable",
            id="all-selectors-must-match",
        ),
    ],
)
def test_applies_to_selects_products(tmp_path, applies_to, changes, outcome):
    # The policy fails whenever it applies (owners emptied) unless the selector test expects pass.
    policy = compile_one(tmp_path, applies_to=applies_to)
    facts = with_paths(healthy_facts(), changes)
    if outcome != "pass":
        facts = with_path(facts, "owners", [])
    result = outcome_of(policy, facts)
    assert result.outcome == outcome
    if outcome == "not_applicable":
        assert result.message.startswith("out of scope: ")
        assert result.facts == {}


def test_a_domain_policy_is_not_applicable_to_other_domains(tmp_path):
    policy = compile_one(tmp_path, "domains/finance/p.yaml", applies_to={"tier": ["gold"]})
    result = outcome_of(policy, healthy_facts(owners=[]))
    assert result.outcome == "not_applicable"
    assert result.message == "out of scope: domain finance; tier in gold"
    assert outcome_of(policy, healthy_facts(owners=[], product__domain="finance")).outcome == "fail"


@pytest.mark.parametrize(
    ("expression", "facts_change", "message"),
    [
        pytest.param(
            "facts.quality.no_such_key == 1",
            {},
            "CEL evaluation failed: KeyError",
            id="missing-key",
        ),
        pytest.param(
            "facts.logs.records", {}, "expression returned int, not a bool", id="int-result"
        ),
        pytest.param(
            "facts.product.description", {}, "expression returned str, not a bool", id="str-result"
        ),
        pytest.param(
            "facts.product.tags", {}, "expression returned list, not a bool", id="list-result"
        ),
        pytest.param(
            "facts.quality.latest_run_age_hours <= 48.0",
            {"quality.latest_run_age_hours": None},
            "CEL evaluation failed: TypeError",
            id="null-compared",
        ),
        pytest.param(
            "facts.product.tags[5] == 'x'", {}, "CEL evaluation failed: IndexError", id="index"
        ),
        pytest.param(
            "facts.runs.succeeded / facts.runs.failed > 1",
            {},
            "CEL evaluation failed: ZeroDivisionError",
            id="division-by-zero",
        ),
    ],
)
def test_an_error_is_reported_and_other_policies_still_run(
    tmp_path, expression, facts_change, message
):
    broken = compile_one(tmp_path, "global/broken.yaml", id="broken", expression=expression)
    before = compile_one(tmp_path, "global/before.yaml", id="before")
    after = compile_one(
        tmp_path, "global/after.yaml", id="after", expression="facts.runs.total > 0"
    )
    facts = with_paths(healthy_facts(), facts_change)
    results = evaluate_product([before, broken, after], facts, TODAY)
    assert [(r.policy_id, r.outcome) for r in results] == [
        ("before", "pass"),
        ("broken", "error"),
        ("after", "pass"),
    ]
    assert results[1].message.startswith(message)


def test_an_error_is_never_waived(tmp_path):
    policy = compile_one(tmp_path, expression="facts.quality.no_such_key == 1")
    facts = healthy_facts(waivers=[waiver("owner-present")])
    assert outcome_of(policy, facts).outcome == "error"


def test_an_active_waiver_turns_a_fail_into_waived(tmp_path):
    policy = compile_one(tmp_path)
    facts = healthy_facts(owners=[], waivers=[waiver("owner-present", reason="hiring an owner")])
    result = outcome_of(policy, facts)
    assert result.outcome == "waived"
    assert result.message == (
        "waived until 2026-07-01T12:00:00Z by board: hiring an owner; owners = []"
    )
    assert result.facts == {"facts.owners": []}


def test_a_waiver_without_expiry_says_so(tmp_path):
    policy = compile_one(tmp_path)
    facts = healthy_facts(owners=[], waivers=[waiver("owner-present", expires_at=None)])
    assert outcome_of(policy, facts).message.startswith("waived until further notice by board")


@pytest.mark.parametrize(
    "waivers",
    [
        pytest.param([waiver("owner-present", active=False)], id="inactive"),
        pytest.param(
            [waiver("owner-present", active=False, expires_at=NOW - timedelta(days=1))],
            id="expired",
        ),
        pytest.param([waiver("support-channel")], id="other-policy"),
        pytest.param([], id="none"),
    ],
)
def test_a_waiver_that_is_not_active_or_for_another_policy_leaves_fail(tmp_path, waivers):
    policy = compile_one(tmp_path)
    assert outcome_of(policy, healthy_facts(owners=[], waivers=waivers)).outcome == "fail"


def test_an_inactive_waiver_does_not_hide_an_active_one_for_the_same_policy(tmp_path):
    policy = compile_one(tmp_path)
    waivers = [waiver("owner-present", active=True), waiver("owner-present", active=False)]
    assert outcome_of(policy, healthy_facts(owners=[], waivers=waivers)).outcome == "waived"


def test_a_waiver_does_not_change_a_pass(tmp_path):
    policy = compile_one(tmp_path)
    assert outcome_of(policy, healthy_facts(waivers=[waiver("owner-present")])).outcome == "pass"


@pytest.mark.parametrize(
    ("status", "expires_at", "active"),
    [
        ("approved", NOW + timedelta(days=1), True),
        ("approved", None, True),
        ("approved", NOW - timedelta(seconds=1), False),
        ("approved", NOW, False),
        ("requested", NOW + timedelta(days=1), False),
        ("rejected", None, False),
    ],
)
def test_facts_mark_a_waiver_active_only_while_approved_and_unexpired(status, expires_at, active):
    row = {"policy_id": "p", "status": status, "expires_at": expires_at}
    assert _waiver(row, NOW)["active"] is active


def test_evaluation_does_not_need_a_waivers_section(tmp_path):
    policy = compile_one(tmp_path)
    assert outcome_of(policy, without_path(healthy_facts(owners=[]), "waivers")).outcome == "fail"


# --- lifecycle ---------------------------------------------------------------------------


def test_a_failing_draft_is_reported_but_not_enforced(tmp_path):
    policy = compile_one(tmp_path, lifecycle="draft")
    result = outcome_of(policy, healthy_facts(owners=[]), today=date(2099, 1, 1))
    assert (result.outcome, result.lifecycle, result.enforced) == ("fail", "draft", False)


@pytest.mark.parametrize(
    ("today", "lifecycle"),
    [
        (date(2026, 1, 1), "grace"),
        (date(2026, 3, 30), "grace"),
        (date(2026, 3, 31), "grace"),  # the grace_until day itself is still grace
        (date(2026, 4, 1), "enforced"),
        (date(2030, 1, 1), "enforced"),
    ],
)
def test_grace_turns_into_enforced_after_grace_until(tmp_path, today, lifecycle):
    policy = compile_one(tmp_path, lifecycle="grace", grace_until="2026-03-31")
    assert policy.grace_until == date(2026, 3, 31)
    assert policy.lifecycle == "grace"
    assert policy.lifecycle_on(today) == lifecycle
    result = outcome_of(policy, healthy_facts(owners=[]), today=today)
    assert (result.outcome, result.lifecycle) == ("fail", lifecycle)
    assert result.enforced is (lifecycle == "enforced")


def test_grace_until_may_be_a_yaml_date(tmp_path):
    path = write(
        tmp_path,
        "global/p.yaml",
        yaml.safe_dump(entry(lifecycle="grace")) + "grace_until: 2026-03-31\n",
    )
    (policy,), _ = load_file(path)
    assert policy.grace_until == date(2026, 3, 31)


def test_a_grace_until_timestamp_is_refused_or_treated_as_its_date(tmp_path):
    text = yaml.safe_dump(entry(lifecycle="grace")) + "grace_until: 2026-03-31T00:00:00\n"
    path = write(tmp_path, "global/p.yaml", text)
    found, refused = load_file(path)
    if refused:
        assert "grace_until" in refused[0].reason
        return
    assert outcome_of(found[0], healthy_facts(), today=date(2026, 4, 1)).lifecycle == "enforced"


@pytest.mark.parametrize("lifecycle", ["draft", "enforced"])
def test_grace_until_is_ignored_outside_grace(tmp_path, lifecycle):
    policy = compile_one(tmp_path, lifecycle=lifecycle, grace_until="2026-03-31")
    assert policy.grace_until is None
    assert policy.lifecycle_on(date(2030, 1, 1)) == lifecycle


# --- compiled once -----------------------------------------------------------------------


def test_a_thousand_products_against_the_default_pack(monkeypatch):
    pack = load_pack(PACK)
    assert pack.refusals == ()
    breakages = [
        {},
        {"owners": []},
        {"product.tier": "silver", "slo_summary.declared": 0},
        {"quality.latest_run_age_hours": None},
        {"product.domain": "finance", "runs.failed": 5},
    ]
    base = healthy_facts()
    mesh = {}
    for n in range(1000):
        facts = with_paths(base, breakages[n % len(breakages)])
        facts["product"]["id"] = f"product-{n:04d}"
        mesh[facts["product"]["id"]] = facts

    def no_compiling(*_: Any) -> None:
        raise AssertionError("a policy was compiled again during evaluation")

    monkeypatch.setattr(cel, "compile", no_compiling)
    results = evaluate_mesh(pack, mesh, datetime(2026, 6, 1, 12))
    assert len(results) == 1000
    assert sum(len(r) for r in results.values()) == 1000 * len(pack.policies)
    for pid, product_results in results.items():
        assert [r.policy_id for r in product_results] == [p.id for p in pack.policies]
        assert {r.product_id for r in product_results} == {pid}
    failed = {pid: {r.policy_id for r in rs if r.outcome == "fail"} for pid, rs in results.items()}
    assert failed["product-0000"] == set()
    assert failed["product-0001"] == {"owner-present"}
    assert failed["product-0002"] == {"error-budget-left"}  # slos-declared-gold: silver, n/a
    assert failed["product-0003"] == {"quality-checks-recent"}
    assert failed["product-0004"] == {"finance.pipeline-no-failures"}
    assert all(r.outcome != "error" for rs in results.values() for r in rs)
