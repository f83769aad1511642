"""Health score (0-100), grade and trust level of a product: pure, and able to explain itself.

Five dimensions, each 0-100 or *missing*: quality (check pass rates), reliability (SLO
error budgets), compliance (enforced policies, weighted by severity), operations
(pipeline runs and log errors) and documentation (what the descriptor and contracts tell a
consumer). The score is the weighted mean over all five, where a missing dimension counts
as 0: missing evidence is shown as missing and never scores as healthy. A failing
enforced blocker caps the score. Weights, the cap and grade thresholds come from
meshgov.yaml (`scoring:`).

Trust level (OpsLevel's rule): a product holds a level when it passes every enforced
policy of that level and of the levels below; waived and not applicable count as passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.model.results import Dimension, HealthScore, PolicyResult, Reason
from governance.model.vocabulary import (
    LEVELS,
    NO_LEVEL,
    PASSING_OUTCOMES,
    SCORE_DIMENSIONS,
    VIOLATION_OUTCOMES,
)

SEVERITY_WEIGHT = {"blocker": 5, "major": 3, "minor": 1}
# An SLO's share of the reliability dimension by state, before its remaining budget counts.
_SLO_STATE_CAP = {"ok": 100.0, "at_risk": 75.0, "breached": 40.0, "exhausted": 0.0}


@dataclass(frozen=True)
class ScoringConfig:
    """Weights, the blocker cap and grade thresholds (meshgov.yaml `scoring:`)."""

    weights: dict[str, float] = field(
        default_factory=lambda: {
            "quality": 30.0,
            "reliability": 20.0,
            "compliance": 25.0,
            "operations": 15.0,
            "documentation": 10.0,
        }
    )
    blocker_cap: float = 40.0
    grades: dict[str, float] = field(
        default_factory=lambda: {"A": 90.0, "B": 75.0, "C": 60.0, "D": 40.0}
    )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> ScoringConfig:
        """Read `scoring:` from meshgov.yaml; unknown dimensions or bad numbers are refused."""
        settings = dict(settings or {})
        default = cls()
        weights = dict(default.weights)
        for name, value in (settings.get("weights") or {}).items():
            if name not in SCORE_DIMENSIONS:
                raise ValueError(
                    f"scoring.weights.{name}: unknown dimension ({', '.join(SCORE_DIMENSIONS)})"
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"scoring.weights.{name}: expected a number >= 0")
            weights[name] = float(value)
        if sum(weights.values()) <= 0:
            raise ValueError("scoring.weights: at least one weight must be above 0")
        cap = settings.get("blocker_cap", default.blocker_cap)
        if isinstance(cap, bool) or not isinstance(cap, int | float) or not 0 <= cap <= 100:
            raise ValueError("scoring.blocker_cap: expected a number from 0 to 100")
        grades = dict(settings.get("grades") or default.grades)
        return cls(
            weights=weights, blocker_cap=float(cap), grades={k: float(v) for k, v in grades.items()}
        )


def score_product(
    facts: Mapping[str, Any], results: Sequence[PolicyResult], config: ScoringConfig
) -> HealthScore:
    """Score one product from its facts and its policy results."""
    dimensions = score_dimensions(facts, results, config)
    total_weight = sum(d.weight for d in dimensions) or 1.0
    score = sum(d.contribution for d in dimensions) / total_weight
    blockers = tuple(
        r.policy_id
        for r in results
        if r.enforced and r.severity == "blocker" and r.outcome in VIOLATION_OUTCOMES
    )
    if blockers:
        score = min(score, config.blocker_cap)
    score = round(score, 1)
    level, level_blockers = trust_level(results)
    return HealthScore(
        product_id=facts["product"]["id"],
        score=score,
        grade=grade(score, config),
        level=level,
        dimensions=dimensions,
        capped_by=blockers,
        level_blockers=level_blockers,
    )


def score_dimensions(
    facts: Mapping[str, Any], results: Sequence[PolicyResult], config: ScoringConfig
) -> tuple[Dimension, ...]:
    """The five dimensions, in SCORE_DIMENSIONS' order (engine/movement.py re-scores with them)."""
    return (
        _quality(facts, config),
        _reliability(facts, config),
        _compliance(results, config),
        _operations(facts, config),
        _documentation(facts, config),
    )


def grade(score: float, config: ScoringConfig) -> str:
    """A-D by the configured thresholds, F below the lowest."""
    for letter, threshold in sorted(config.grades.items(), key=lambda item: -item[1]):
        if score >= threshold:
            return letter
    return "F"


def trust_level(results: Sequence[PolicyResult]) -> tuple[str, tuple[str, ...]]:
    """The highest level whose enforced policies (and those below) all pass; what blocks the next."""
    held = NO_LEVEL
    for level in LEVELS:
        failing = tuple(
            r.policy_id
            for r in results
            if r.enforced and r.level == level and r.outcome in VIOLATION_OUTCOMES
        )
        if failing:
            return held, failing
        held = level
    return held, ()


def _quality(facts: Mapping[str, Any], config: ScoringConfig) -> Dimension:
    quality = facts["quality"]
    weight = config.weights["quality"]
    latest, window = quality["latest_pass_rate"], quality["window_pass_rate"]
    if latest is None and window is None:
        return Dimension("quality", None, weight, (Reason("check", "-", "no quality checks"),))
    rates = [r for r in (latest, window) if r is not None]
    reasons = [
        Reason("check", check, "failed in the latest run")
        for check in quality["latest_failed_checks"]
    ]
    reasons.append(
        Reason(
            "check",
            "pass rate",
            f"latest run {_pct(latest)}, {quality['window_days']}-day {_pct(window)}",
        )
    )
    return Dimension("quality", round(100 * sum(rates) / len(rates), 2), weight, tuple(reasons))


def _reliability(facts: Mapping[str, Any], config: ScoringConfig) -> Dimension:
    weight = config.weights["reliability"]
    measured = [s for s in facts["slos"] if s["status"] != "no_data"]
    reasons = [
        Reason(
            "slo",
            s["name"],
            f"{s['status']}: attainment {_pct(s['attainment'])} of target {_pct(s['target'])}, "
            f"budget left {_pct(s['error_budget_remaining'])}",
        )
        for s in facts["slos"]
    ]
    if not measured:
        detail = "no SLO declared" if not facts["slos"] else "no SLI data in the window"
        return Dimension("reliability", None, weight, (*reasons, Reason("slo", "-", detail)))
    values = [
        min(_SLO_STATE_CAP[s["status"]], 100 * max(0.0, min(1.0, s["error_budget_remaining"])))
        if s["status"] != "ok"
        else 100.0
        for s in measured
    ]
    return Dimension("reliability", round(sum(values) / len(values), 2), weight, tuple(reasons))


def _compliance(results: Sequence[PolicyResult], config: ScoringConfig) -> Dimension:
    weight = config.weights["compliance"]
    counted = [r for r in results if r.enforced and r.outcome != "not_applicable"]
    if not counted:
        return Dimension(
            "compliance", None, weight, (Reason("policy", "-", "no enforced policy applies"),)
        )
    total = sum(SEVERITY_WEIGHT[r.severity] for r in counted)
    passed = sum(SEVERITY_WEIGHT[r.severity] for r in counted if r.outcome in PASSING_OUTCOMES)
    reasons = tuple(
        Reason("policy", r.policy_id, f"{r.outcome} ({r.severity}): {r.message}")
        for r in counted
        if r.outcome not in ("pass",)
    )
    return Dimension("compliance", round(100 * passed / total, 2), weight, reasons)


def _operations(facts: Mapping[str, Any], config: ScoringConfig) -> Dimension:
    weight = config.weights["operations"]
    runs, logs = facts["runs"], facts["logs"]
    parts, reasons = [], []
    if runs["success_rate"] is not None:
        parts.append(100 * runs["success_rate"])
        reasons.append(
            Reason(
                "run",
                "pipeline",
                f"{runs['succeeded']}/{runs['total']} runs succeeded in {runs['window_days']} days",
            )
        )
    if logs["error_rate"] is not None:
        # 10% of records at ERROR or worse is as bad as it gets.
        parts.append(100 * max(0.0, 1 - logs["error_rate"] / 0.10))
        reasons.append(
            Reason("log", "errors", f"{logs['errors']} of {logs['records']} log records are errors")
        )
    if not parts:
        return Dimension(
            "operations", None, weight, (Reason("run", "-", "no run or log evidence"),)
        )
    return Dimension("operations", round(sum(parts) / len(parts), 2), weight, tuple(reasons))


def _documentation(facts: Mapping[str, Any], config: ScoringConfig) -> Dimension:
    weight = config.weights["documentation"]
    items = documentation_items(facts)
    reasons = tuple(Reason("field", name, "missing") for name, ok in items.items() if not ok)
    return Dimension(
        "documentation", round(100 * sum(items.values()) / len(items), 2), weight, reasons
    )


def documentation_items(facts: Mapping[str, Any]) -> dict[str, bool]:
    """What a consumer needs to read about a product, each there or not (equal shares)."""
    product = facts["product"]
    outputs = facts["ports"]["output"]
    return {
        "description": bool(product["description"]) and len(product["description"]) >= 20,
        "owner": bool(facts["owners"]),
        "support channel": bool(facts["support"]),
        "tags": bool(product["tags"]),
        "contracts": bool(outputs) and all(p["has_contract"] for p in outputs),
        "classification": facts["classification"]["columns"] > 0
        and not facts["classification"]["unclassified"],
        "SLA": bool(facts["contracts"])
        and all(c["sla"]["latency_hours"] is not None for c in facts["contracts"]),
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"
