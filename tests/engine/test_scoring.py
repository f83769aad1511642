"""Health score, grade and trust level: healthy products score high, missing evidence never does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from governance.engine.policies import evaluate_product, load_pack
from governance.engine.scoring import ScoringConfig, grade, score_product, trust_level
from governance.model.results import PolicyResult
from governance.model.vocabulary import SCORE_DIMENSIONS as DIMENSIONS
from tests.engine.facts_builder import (
    TODAY,
    healthy_facts,
    slo_status,
    with_paths,
    with_slos,
    without_checks,
)

PACK = load_pack(Path(__file__).parents[2] / "policy_rules")
CONFIG = ScoringConfig()


def result(
    policy_id: str,
    outcome: str = "pass",
    *,
    severity: str = "major",
    level: str = "bronze",
    lifecycle: str = "enforced",
    message: str = "",
) -> PolicyResult:
    """A hand-made policy result for the product `orders`."""
    return PolicyResult("orders", policy_id, outcome, severity, level, lifecycle, message)  # type: ignore[arg-type]


def passing() -> list[PolicyResult]:
    """One passing enforced result per level and severity."""
    return [
        result("b-blocker", severity="blocker", level="bronze"),
        result("s-major", severity="major", level="silver"),
        result("g-minor", severity="minor", level="gold"),
    ]


def judged(facts: dict[str, Any]) -> list[PolicyResult]:
    """The default pack's results for these facts."""
    return evaluate_product(PACK.policies, facts, TODAY)


def reasons_of(dimension: Any) -> dict[str, str]:
    """A dimension's reasons by what they cite."""
    return {r.ref: r.detail for r in dimension.reasons}


# --- a healthy product -------------------------------------------------------------------


def test_a_healthy_product_passing_every_policy_scores_a_and_gold():
    facts = healthy_facts()
    results = judged(facts)
    assert {r.outcome for r in results} <= {"pass", "not_applicable"}
    score = score_product(facts, results, CONFIG)
    assert score.product_id == "orders"
    assert score.score >= 90
    assert (score.grade, score.level) == ("A", "gold")
    assert (score.capped_by, score.level_blockers) == ((), ())
    assert [d.name for d in score.dimensions] == list(DIMENSIONS)
    assert all(d.value is not None for d in score.dimensions)


# --- blocker cap -------------------------------------------------------------------------


def test_a_failing_enforced_blocker_caps_the_score():
    facts = healthy_facts(owners=[])
    score = score_product(facts, judged(facts), CONFIG)
    assert score.capped_by == ("owner-present",)
    assert score.score == CONFIG.blocker_cap == 40.0
    assert score.grade == "D"
    uncapped = score_product(facts, judged(healthy_facts()), CONFIG)
    assert uncapped.score > CONFIG.blocker_cap


def test_the_cap_comes_from_settings():
    config = ScoringConfig.from_settings({"blocker_cap": 55})
    results = [*passing(), result("owner-present", "fail", severity="blocker")]
    score = score_product(healthy_facts(), results, config)
    assert (score.score, score.capped_by) == (55.0, ("owner-present",))


def test_an_enforced_blocker_in_error_caps_too():
    results = [*passing(), result("broken", "error", severity="blocker")]
    score = score_product(healthy_facts(), results, CONFIG)
    assert (score.score, score.capped_by) == (40.0, ("broken",))


def test_the_cap_never_raises_a_low_score():
    facts = with_paths(
        without_checks(healthy_facts()),
        {"runs.success_rate": None, "runs.total": 0, "logs.error_rate": None, "logs.records": 0},
    )
    results = [result("owner-present", "fail", severity="blocker")]
    score = score_product(with_slos(facts, []), results, CONFIG)
    assert score.capped_by == ("owner-present",)
    assert score.score < CONFIG.blocker_cap


@pytest.mark.parametrize(
    ("outcome", "lifecycle"),
    [
        ("fail", "draft"),
        ("fail", "grace"),
        ("error", "draft"),
        ("waived", "enforced"),
        ("not_applicable", "enforced"),
    ],
)
def test_a_blocker_that_is_not_an_enforced_failure_does_not_cap(outcome, lifecycle):
    results = [*passing(), result("new-blocker", outcome, severity="blocker", lifecycle=lifecycle)]
    score = score_product(healthy_facts(), results, CONFIG)
    assert score.capped_by == ()
    assert score.score > CONFIG.blocker_cap


def test_a_failing_draft_blocker_from_a_policy_file_does_not_cap(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "id: draft-blocker\ntitle: T\nrationale: R\nseverity: blocker\nlevel: bronze\n"
        "lifecycle: draft\nexpression: facts.owners.size() > 5\n",
        encoding="utf-8",
    )
    pack = load_pack(tmp_path)
    facts = healthy_facts()
    results = evaluate_product(pack.policies, facts, TODAY)
    assert [(r.outcome, r.enforced) for r in results] == [("fail", False)]
    score = score_product(facts, [*judged(facts), *results], CONFIG)
    assert score.capped_by == ()
    assert score.score >= 90


# --- missing evidence --------------------------------------------------------------------


def test_no_checks_is_missing_quality_and_scores_lower_than_passing_checks():
    checked = score_product(healthy_facts(), passing(), CONFIG)
    unchecked = score_product(without_checks(healthy_facts()), passing(), CONFIG)
    quality = unchecked.dimension("quality")
    assert quality.value is None
    assert quality.contribution == 0.0
    assert [(r.ref, r.detail) for r in quality.reasons] == [("-", "no quality checks")]
    shown = unchecked.as_dict()["dimensions"]["quality"]
    assert shown == {
        "value": None,
        "weight": 30.0,
        "missing": True,
        "reasons": [{"kind": "check", "ref": "-", "detail": "no quality checks"}],
    }
    assert checked.as_dict()["dimensions"]["quality"]["missing"] is False
    assert unchecked.score < checked.score
    assert unchecked.score == pytest.approx(checked.score - 30.0)


def test_no_checks_scores_no_better_than_every_check_failing():
    failing = with_paths(
        healthy_facts(), {"quality.latest_pass_rate": 0.0, "quality.window_pass_rate": 0.0}
    )
    assert score_product(failing, passing(), CONFIG).dimension("quality").value == 0.0
    unchecked = score_product(without_checks(healthy_facts()), passing(), CONFIG)
    assert unchecked.score <= score_product(failing, passing(), CONFIG).score


def test_one_pass_rate_is_enough_to_measure_quality():
    facts = with_paths(
        healthy_facts(), {"quality.latest_pass_rate": None, "quality.window_pass_rate": 0.8}
    )
    assert score_product(facts, passing(), CONFIG).dimension("quality").value == 80.0


@pytest.mark.parametrize(
    ("slos", "detail"),
    [
        pytest.param([], "no SLO declared", id="none-declared"),
        pytest.param(
            [slo_status("orders-complete", "no_data")], "no SLI data in the window", id="no-data"
        ),
    ],
)
def test_no_measured_slo_is_missing_reliability(slos, detail):
    score = score_product(with_slos(healthy_facts(), slos), passing(), CONFIG)
    reliability = score.dimension("reliability")
    assert reliability.value is None
    assert reliability.reasons[-1].detail == detail
    assert score.as_dict()["dimensions"]["reliability"]["missing"] is True
    assert score.score < score_product(healthy_facts(), passing(), CONFIG).score


def test_no_runs_and_no_logs_is_missing_operations():
    facts = with_paths(
        healthy_facts(),
        {"runs.total": 0, "runs.success_rate": None, "logs.records": 0, "logs.error_rate": None},
    )
    operations = score_product(facts, passing(), CONFIG).dimension("operations")
    assert operations.value is None
    assert operations.reasons[0].detail == "no run or log evidence"


@pytest.mark.parametrize(
    "results",
    [
        pytest.param([], id="no-results"),
        pytest.param([result("a", "fail", lifecycle="draft")], id="only-draft"),
        pytest.param([result("a", "not_applicable")], id="only-not-applicable"),
    ],
)
def test_no_enforced_applicable_policy_is_missing_compliance(results):
    compliance = score_product(healthy_facts(), results, CONFIG).dimension("compliance")
    assert compliance.value is None
    assert compliance.reasons[0].detail == "no enforced policy applies"


# --- dimension values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "value"),
    [
        pytest.param([("ok", 0.9)], 100.0, id="ok"),
        pytest.param([("at_risk", 0.9)], 75.0, id="at-risk-capped-by-state"),
        pytest.param([("at_risk", 0.3)], 30.0, id="at-risk-by-budget"),
        pytest.param([("breached", 0.6)], 40.0, id="breached-capped"),
        pytest.param([("exhausted", -0.5)], 0.0, id="exhausted"),
        pytest.param([("ok", 0.9), ("exhausted", -0.5)], 50.0, id="mean"),
        pytest.param([("ok", 0.9), ("no_data", None)], 100.0, id="no-data-not-counted"),
    ],
)
def test_reliability_by_slo_state_and_budget(statuses, value):
    slos = [
        slo_status(f"slo-{n}", s, error_budget_remaining=b) for n, (s, b) in enumerate(statuses)
    ]
    for slo, (_, budget) in zip(slos, statuses, strict=True):
        slo["error_budget_remaining"] = budget
    assert score_product(with_slos(healthy_facts(), slos), passing(), CONFIG).dimension(
        "reliability"
    ).value == pytest.approx(value)


def test_compliance_weighs_enforced_results_by_severity():
    results = [
        result("b", "pass", severity="blocker"),
        result("m", "waived", severity="major"),
        result("n", "fail", severity="minor"),
        result("d", "fail", severity="blocker", lifecycle="draft"),
        result("x", "not_applicable", severity="blocker"),
    ]
    compliance = score_product(healthy_facts(), results, CONFIG).dimension("compliance")
    assert compliance.value == pytest.approx(round(100 * 8 / 9, 2))
    assert [r.ref for r in compliance.reasons] == ["m", "n"]


def test_operations_mixes_run_success_and_log_errors():
    facts = with_paths(
        healthy_facts(),
        {
            "runs.success_rate": 0.8,
            "runs.succeeded": 24,
            "runs.failed": 6,
            "logs.errors": 60,
            "logs.error_rate": 0.05,
        },
    )
    operations = score_product(facts, passing(), CONFIG).dimension("operations")
    assert operations.value == pytest.approx((80.0 + 50.0) / 2)
    assert reasons_of(operations) == {
        "pipeline": "24/30 runs succeeded in 30 days",
        "errors": "60 of 1200 log records are errors",
    }


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        pytest.param({"product.description": "Orders."}, "description", id="short-description"),
        pytest.param({"owners": []}, "owner", id="owner"),
        pytest.param({"support": []}, "support channel", id="support"),
        pytest.param({"product.tags": []}, "tags", id="tags"),
        pytest.param({"ports.output.0.has_contract": False}, "contracts", id="contract"),
        pytest.param(
            {"classification.unclassified": ["email"]}, "classification", id="classification"
        ),
        pytest.param({"contracts.0.sla.latency_hours": None}, "SLA", id="sla"),
    ],
)
def test_documentation_names_each_missing_item(changes, missing):
    documentation = score_product(
        with_paths(healthy_facts(), changes), passing(), CONFIG
    ).dimension("documentation")
    assert documentation.value == pytest.approx(round(100 * 6 / 7, 2))
    assert [(r.kind, r.ref, r.detail) for r in documentation.reasons] == [
        ("field", missing, "missing")
    ]


# --- trust level -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "level", "blockers"),
    [
        pytest.param([], "gold", (), id="all-pass"),
        pytest.param(
            [result("tagged", "fail", level="silver")], "bronze", ("tagged",), id="silver-fails"
        ),
        pytest.param(
            [result("owner", "fail", level="bronze")], "none", ("owner",), id="bronze-fails"
        ),
        pytest.param([result("slos", "fail", level="gold")], "silver", ("slos",), id="gold-fails"),
        pytest.param(
            [result("slos", "error", level="silver")], "bronze", ("slos",), id="error-blocks"
        ),
        pytest.param(
            [result("owner", "fail", level="bronze"), result("tagged", "fail", level="silver")],
            "none",
            ("owner",),
            id="lowest-failure-wins",
        ),
        pytest.param(
            [result("t1", "fail", level="silver"), result("t2", "fail", level="silver")],
            "bronze",
            ("t1", "t2"),
            id="all-blockers-of-the-next-level",
        ),
        pytest.param([result("owner", "waived", level="bronze")], "gold", (), id="waived-passes"),
        pytest.param(
            [result("owner", "not_applicable", level="bronze")], "gold", (), id="n-a-passes"
        ),
        pytest.param([result("owner", "fail", lifecycle="draft")], "gold", (), id="draft-ignored"),
        pytest.param([result("owner", "fail", lifecycle="grace")], "gold", (), id="grace-ignored"),
    ],
)
def test_trust_level(extra, level, blockers):
    assert trust_level([*passing(), *extra]) == (level, blockers)
    score = score_product(healthy_facts(), [*passing(), *extra], CONFIG)
    assert (score.level, score.level_blockers) == (level, blockers)


def test_failing_an_enforced_silver_policy_of_the_pack_holds_bronze():
    facts = healthy_facts(product__tags=[])
    score = score_product(facts, judged(facts), CONFIG)
    assert (score.level, score.level_blockers) == ("bronze", ("tagged",))


def test_failing_an_enforced_bronze_policy_of_the_pack_holds_no_level():
    facts = healthy_facts(support=[])
    score = score_product(facts, judged(facts), CONFIG)
    assert (score.level, score.level_blockers) == ("none", ("support-channel",))


# --- configuration -----------------------------------------------------------------------


def test_weights_from_settings_can_make_the_score_the_quality_value():
    config = ScoringConfig.from_settings(
        {
            "weights": {
                "quality": 100,
                "reliability": 0,
                "compliance": 0,
                "operations": 0,
                "documentation": 0,
            }
        }
    )
    facts = with_paths(
        healthy_facts(owners=[], support=[]),
        {"quality.latest_pass_rate": 0.5, "quality.window_pass_rate": 0.8},
    )
    score = score_product(with_slos(facts, []), passing(), config)
    assert score.capped_by == ()
    assert score.dimension("quality").value == 65.0
    assert score.score == 65.0


def test_weights_not_named_keep_their_defaults():
    config = ScoringConfig.from_settings({"weights": {"quality": 50}})
    assert config.weights == CONFIG.weights | {"quality": 50.0}
    assert (config.blocker_cap, config.grades) == (CONFIG.blocker_cap, CONFIG.grades)
    assert ScoringConfig.from_settings(None) == CONFIG
    assert ScoringConfig.from_settings({}) == CONFIG


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {"weights": {"freshness": 10}},
            "scoring.weights.freshness: unknown dimension",
            id="unknown",
        ),
        pytest.param(
            {"weights": {"quality": -1}},
            "scoring.weights.quality: expected a number >= 0",
            id="negative",
        ),
        pytest.param(
            {"weights": {"reliability": "high"}},
            "scoring.weights.reliability: expected a number",
            id="text",
        ),
        pytest.param(
            {"weights": {"operations": True}},
            "scoring.weights.operations: expected a number",
            id="bool",
        ),
        pytest.param(
            {"weights": dict.fromkeys(DIMENSIONS, 0)},
            "scoring.weights: at least one weight must be above 0",
            id="all-zero",
        ),
        pytest.param(
            {"blocker_cap": 140},
            "scoring.blocker_cap: expected a number from 0 to 100",
            id="cap-high",
        ),
        pytest.param({"blocker_cap": -5}, "scoring.blocker_cap", id="cap-negative"),
        pytest.param({"blocker_cap": "40"}, "scoring.blocker_cap", id="cap-text"),
    ],
)
def test_bad_scoring_settings_are_refused_naming_the_key(settings, message):
    with pytest.raises(ValueError) as raised:
        ScoringConfig.from_settings(settings)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("score", "letter"),
    [
        (100.0, "A"),
        (90.0, "A"),
        (89.9, "B"),
        (75.0, "B"),
        (74.9, "C"),
        (60.0, "C"),
        (59.9, "D"),
        (40.0, "D"),
        (39.9, "F"),
        (0.0, "F"),
    ],
)
def test_default_grade_thresholds(score, letter):
    assert grade(score, CONFIG) == letter


@pytest.mark.parametrize(("score", "letter"), [(95.0, "A"), (94.9, "B"), (50.0, "B"), (49.9, "F")])
def test_grade_thresholds_from_settings(score, letter):
    config = ScoringConfig.from_settings({"grades": {"B": 50, "A": 95}})
    assert grade(score, config) == letter


def test_the_score_is_rounded_before_it_is_graded():
    facts = with_paths(
        healthy_facts(), {"quality.latest_pass_rate": 0.8996, "quality.window_pass_rate": 0.8996}
    )
    config = ScoringConfig.from_settings(
        {
            "weights": {
                "quality": 1,
                "reliability": 0,
                "compliance": 0,
                "operations": 0,
                "documentation": 0,
            }
        }
    )
    score = score_product(facts, passing(), config)
    assert score.dimension("quality").value == pytest.approx(89.96)
    assert grade(89.96, config) == "B"
    assert (score.score, score.grade) == (90.0, "A")  # 89.96 shows as 90.0, so it is an A


# --- reasons cite the evidence -----------------------------------------------------------


def test_quality_reasons_name_the_failed_checks():
    failed = "expect_column_values_to_not_be_null(customer_id)"
    facts = with_paths(
        healthy_facts(),
        {
            "quality.latest_failed_checks": [failed],
            "quality.latest_failed": 1,
            "quality.latest_pass_rate": 0.75,
            "quality.window_pass_rate": 0.95,
        },
    )
    quality = score_product(facts, passing(), CONFIG).dimension("quality")
    assert quality.value == 85.0
    assert reasons_of(quality) == {
        failed: "failed in the latest run",
        "pass rate": "latest run 75.0%, 7-day 95.0%",
    }


def test_reliability_reasons_name_every_slo_and_the_exhausted_one():
    slos = [slo_status("orders-freshness"), slo_status("orders-complete", "exhausted")]
    reliability = score_product(with_slos(healthy_facts(), slos), passing(), CONFIG).dimension(
        "reliability"
    )
    shown = reasons_of(reliability)
    assert set(shown) == {"orders-freshness", "orders-complete"}
    assert shown["orders-complete"].startswith("exhausted: attainment 98.0% of target 99.0%")
    assert shown["orders-complete"].endswith("budget left -50.0%")
    assert all(r.kind == "slo" for r in reliability.reasons)


def test_compliance_reasons_name_the_failed_policy_and_its_message():
    facts = healthy_facts(owners=[])
    score = score_product(facts, judged(facts), CONFIG)
    shown = reasons_of(score.dimension("compliance"))
    assert set(shown) == {"owner-present"}
    assert shown["owner-present"] == (
        'fail (blocker): no team member has the role "owner" in the descriptor\'s team; owners = []'
    )
    as_json = score.as_dict()["dimensions"]["compliance"]["reasons"]
    assert as_json == [{"kind": "policy", "ref": "owner-present", "detail": shown["owner-present"]}]


def test_as_dict_shows_every_dimension_with_value_weight_and_missing():
    shown = score_product(healthy_facts(), passing(), CONFIG).as_dict()
    assert set(shown) == {
        "product",
        "score",
        "grade",
        "level",
        "capped_by",
        "level_blockers",
        "dimensions",
    }
    assert list(shown["dimensions"]) == list(DIMENSIONS)
    assert {name: d["weight"] for name, d in shown["dimensions"].items()} == CONFIG.weights
    assert not any(d["missing"] for d in shown["dimensions"].values())
