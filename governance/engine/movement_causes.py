"""The causes of a score's move, kind by kind, each with how to undo it (pure).

engine/movement.py re-scores the later day with each cause undone: a policy's earlier result
put back, a check's earlier state, an SLO's earlier status, the earlier runs or logs. A
documentation item is an equal share of its dimension, so its points are that share.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from governance.engine.scoring import documentation_items
from governance.model.results import PolicyResult
from governance.model.vocabulary import VIOLATION_OUTCOMES

BUDGET_STEP = 0.005  # an SLO's budget moving less than half a percent is not news

# How to undo a cause: the later day's facts and results with it put back, or its points.
Revert = tuple[Mapping[str, Any], Sequence[PolicyResult]]


@dataclass(frozen=True)
class Judged:
    """A product's judgement of one day as stored: the snapshot, and its details if kept."""

    product_id: str
    day: date
    as_of: datetime
    score: Mapping[str, Any]  # HealthScore.as_dict(): score, grade, level, dimensions
    facts: Mapping[str, Any] | None = None  # None: the evaluation's details were pruned
    results: Sequence[PolicyResult] = ()

    @property
    def detailed(self) -> bool:
        """Whether the facts and policy results of that evaluation are still there."""
        return self.facts is not None


@dataclass(frozen=True)
class Cause:
    """One change behind a move, with its share of the score's change in points."""

    kind: str  # policy, waiver, check, slo, runs, logs, documentation, cap, rest
    ref: str  # the policy id, check, SLO name, field, ...
    change: str  # what happened: "started failing", "expired", "budget burned", ...
    before: str
    after: str
    dimension: str | None
    points: float | None  # None: not told apart (the details were pruned)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "kind": self.kind,
            "ref": self.ref,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "dimension": self.dimension,
            "points": None if self.points is None else round(self.points, 2),
        }


def policy_causes(before: Judged, after: Judged) -> list[tuple[Cause, Revert]]:
    """Enforced policies whose outcome, lifecycle or severity changed; expired waivers."""
    assert after.facts is not None
    old = {r.policy_id: r for r in before.results}
    new = {r.policy_id: r for r in after.results}
    found = []
    for policy_id in sorted(old.keys() | new.keys()):
        was, now = old.get(policy_id), new.get(policy_id)
        if not _counts(was) and not _counts(now):
            continue  # draft, grace or not applicable on both days: the score never saw it
        change = _policy_change(was, now)
        if change is None:
            continue
        kind = "policy"
        if was is not None and was.outcome == "waived" and now and now.outcome != "waived":
            kind, change = "waiver", _waiver_change(policy_id, before, after, now)
        reverted = [r for r in after.results if r.policy_id != policy_id]
        if was is not None:
            reverted.append(was)
        cause = Cause(kind, policy_id, change, _outcome(was), _outcome(now), "compliance", None)
        found.append((cause, (after.facts, reverted)))
    return found


def _counts(result: PolicyResult | None) -> bool:
    return result is not None and result.enforced and result.outcome != "not_applicable"


def _violates(result: PolicyResult | None) -> bool:
    return _counts(result) and result is not None and result.outcome in VIOLATION_OUTCOMES


def _policy_change(was: PolicyResult | None, now: PolicyResult | None) -> str | None:
    if was is None:
        return "new policy, fails" if _violates(now) else "new policy"
    if now is None:
        return "no longer evaluated"
    if _violates(now) and not _violates(was):
        if not _counts(was):
            return (
                "now enforced, fails" if was.outcome != "not_applicable" else "applies now, fails"
            )
        return "started failing"
    if _violates(was) and not _violates(now):
        if not _counts(now):
            return "no longer enforced" if now.outcome != "not_applicable" else "no longer applies"
        return "waived" if now.outcome == "waived" else "passes again"
    if _counts(was) != _counts(now):
        return "now enforced" if _counts(now) else "no longer enforced"
    if was.severity != now.severity:
        return f"severity {was.severity} → {now.severity}"
    return None


def _outcome(result: PolicyResult | None) -> str:
    if result is None:
        return "not evaluated"
    lifecycle = "" if result.enforced else f", {result.lifecycle}"
    return f"{result.outcome} ({result.severity}{lifecycle})"


def _waiver_change(policy_id: str, before: Judged, after: Judged, now: PolicyResult) -> str:
    """How a waiver ended: expired (by its date) or withdrawn; and what the policy does now."""
    assert after.facts is not None
    waivers = [w for w in after.facts.get("waivers", []) if w.get("policy_id") == policy_id]
    expired = [
        moment
        for w in waivers
        if w.get("expires_at")
        and (moment := datetime.fromisoformat(w["expires_at"])) <= after.as_of
    ]
    ended = f"waiver expired {max(expired):%Y-%m-%d}" if expired else "waiver withdrawn"
    return f"{ended}, policy {'fails' if _violates(now) else 'passes'}"


def check_causes(
    facts_before: Mapping[str, Any],
    facts_after: Mapping[str, Any],
    results: Sequence[PolicyResult],
) -> list[tuple[Cause, Revert]]:
    """Checks that started failing or pass again in the latest run; the window's pass rate."""
    quality_before, quality_after = facts_before["quality"], facts_after["quality"]
    failed_before = set(quality_before["latest_failed_checks"])
    failed_after = set(quality_after["latest_failed_checks"])
    found = []
    for check in sorted(failed_after ^ failed_before):
        failing_now = check in failed_after
        cause = Cause(
            "check",
            check,
            "started failing" if failing_now else "passes again",
            "fails" if not failing_now else "passed",
            "fails" if failing_now else "passes",
            "quality",
            None,
        )
        found.append((cause, (_check_reverted(facts_after, check, failing_now), results)))
    window_before, window_after = (
        quality_before["window_pass_rate"],
        quality_after["window_pass_rate"],
    )
    if window_before != window_after:
        reverted = copy.deepcopy(dict(facts_after))
        reverted["quality"]["window_pass_rate"] = window_before
        days = quality_after["window_days"]
        cause = Cause(
            "check",
            f"{days}-day pass rate",
            "fell" if (window_after or 0) < (window_before or 0) else "rose",
            pct(window_before),
            pct(window_after),
            "quality",
            None,
        )
        found.append((cause, (reverted, results)))
    return found


def _check_reverted(facts: Mapping[str, Any], check: str, failing_now: bool) -> dict[str, Any]:
    """The facts as if `check` had kept its earlier state in the latest run."""
    reverted = copy.deepcopy(dict(facts))
    quality = reverted["quality"]
    checks = quality["latest_checks"]
    failed = quality["latest_failed"] + (-1 if failing_now else 1)
    failed = max(0, min(checks, failed))
    names = set(quality["latest_failed_checks"])
    names = names - {check} if failing_now else names | {check}
    quality["latest_failed_checks"] = sorted(names)
    quality["latest_failed"] = failed
    quality["latest_pass_rate"] = (checks - failed) / checks if checks else None
    return reverted


def slo_causes(
    facts_before: Mapping[str, Any],
    facts_after: Mapping[str, Any],
    results: Sequence[PolicyResult],
) -> list[tuple[Cause, Revert]]:
    """SLOs whose status changed or whose error budget burned or recovered."""
    old = {s["name"]: s for s in facts_before["slos"]}
    new = {s["name"]: s for s in facts_after["slos"]}
    found = []
    for name in sorted(old.keys() | new.keys()):
        was, now = old.get(name), new.get(name)
        change = _slo_change(was, now)
        if change is None:
            continue
        reverted = copy.deepcopy(dict(facts_after))
        reverted["slos"] = [s for s in reverted["slos"] if s["name"] != name]
        if was is not None:
            reverted["slos"].append(copy.deepcopy(dict(was)))
        cause = Cause("slo", name, change, _slo_state(was), _slo_state(now), "reliability", None)
        found.append((cause, (reverted, results)))
    return found


_STATUS_CHANGE = {
    "breached": "breached",
    "exhausted": "error budget exhausted",
    "at_risk": "at risk",
    "ok": "back to ok",
    "no_data": "no SLI data",
}


def _slo_change(was: Mapping[str, Any] | None, now: Mapping[str, Any] | None) -> str | None:
    if was is None:
        return "new SLO"
    if now is None:
        return "no longer declared"
    if was["status"] != now["status"]:
        return _STATUS_CHANGE.get(now["status"], now["status"])
    budget_was, budget_now = was["error_budget_remaining"], now["error_budget_remaining"]
    if budget_was is None or budget_now is None or abs(budget_now - budget_was) < BUDGET_STEP:
        return None
    return "error budget burned" if budget_now < budget_was else "error budget recovered"


def _slo_state(slo: Mapping[str, Any] | None) -> str:
    if slo is None:
        return "not declared"
    return f"{slo['status']}, budget left {pct(slo['error_budget_remaining'])}"


def operations_causes(
    facts_before: Mapping[str, Any],
    facts_after: Mapping[str, Any],
    results: Sequence[PolicyResult],
) -> list[tuple[Cause, Revert]]:
    """Pipeline runs' success rate and the share of error logs."""
    found = []
    for section, ref, rate, what, describe in (
        ("runs", "pipeline runs", "success_rate", "success rate", _runs),
        ("logs", "error logs", "error_rate", "error share", _logs),
    ):
        was, now = facts_before[section], facts_after[section]
        if was[rate] == now[rate]:
            continue
        reverted = copy.deepcopy(dict(facts_after))
        reverted[section] = copy.deepcopy(dict(was))
        change = _direction(was[rate], now[rate], what)
        cause = Cause(section, ref, change, describe(was), describe(now), "operations", None)
        found.append((cause, (reverted, results)))
    return found


def _direction(before: float | None, after: float | None, what: str) -> str:
    if before is None:
        return f"{what} measured now"
    if after is None:
        return f"{what} no longer measured"
    return f"{what} {'rose' if after > before else 'fell'}"


def _runs(runs: Mapping[str, Any]) -> str:
    if not runs["total"]:
        return "no finished runs"
    return f"{runs['succeeded']}/{runs['total']} runs succeeded"


def _logs(logs: Mapping[str, Any]) -> str:
    if not logs["records"]:
        return "no log records"
    return f"{logs['errors']} of {logs['records']} records are errors"


def documentation_causes(
    facts_before: Mapping[str, Any],
    facts_after: Mapping[str, Any],
    weights: Mapping[str, float],
    total_after: float,
) -> list[tuple[Cause, float]]:
    """Each documentation item added or gone: an equal share of the dimension each."""
    items_before, items_after = documentation_items(facts_before), documentation_items(facts_after)
    share = 100 / len(items_after) * weights["documentation"] / total_after
    found = []
    for item, there in items_after.items():
        if items_before.get(item) == there:
            continue
        cause = Cause(
            "documentation",
            item,
            "added" if there else "now missing",
            "there" if items_before.get(item) else "missing",
            "there" if there else "missing",
            "documentation",
            None,
        )
        found.append((cause, share if there else -share))
    return found


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"
