"""Policies as code, evaluated: every policy's outcome for every product, from its facts.

Lifecycle: `draft` is reported only; `grace` (with `grace_until: YYYY-MM-DD`) is reported
and warned until that day and enforced from then on; `enforced` counts for compliance,
trust levels and score caps. Evaluation is pure: facts in, results out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from governance.engine.policies.load import Policy, PolicyPack
from governance.engine.policies.sandbox import RunBudget, facts_context
from governance.model.results import PolicyResult
from governance.model.vocabulary import JUDGED_OUTCOMES, PASSING_OUTCOMES, Outcome


def applies(policy: Policy, facts: Mapping[str, Any]) -> bool:
    """Whether the policy's scope and applies_to select this product."""
    product = facts["product"]
    if policy.scope == "domain" and product["domain"] != policy.domain:
        return False
    selectors = policy.applies_to
    if "status" in selectors and (product["status"] or "").lower() not in selectors["status"]:
        return False
    if "tier" in selectors and (product["tier"] or "").lower() not in selectors["tier"]:
        return False
    if "domains" in selectors and (product["domain"] or "").lower() not in selectors["domains"]:
        return False
    if "tags" in selectors and not {t.lower() for t in product["tags"]} & set(selectors["tags"]):
        return False
    if "port_types" in selectors:
        types = {(p["type"] or "").lower() for p in facts["ports"]["output"]}
        if not types & set(selectors["port_types"]):
            return False
    return True


def evaluate_product(
    policies: Sequence[Policy],
    facts: Mapping[str, Any],
    today: date,
    budget: RunBudget | None = None,
) -> list[PolicyResult]:
    """Every policy's outcome for one product; share one `budget` across a run's products."""
    budget = budget if budget is not None else RunBudget()
    context = facts_context(facts)  # prepared once, or why it cannot be
    waived = {w["policy_id"]: w for w in facts.get("waivers", []) if w.get("active")}
    return [_evaluate(p, facts, context, waived, today, budget) for p in policies]


def _evaluate(
    policy: Policy,
    facts: Mapping[str, Any],
    context: Any,  # or why there is none (a str)
    waived: Mapping[str, Mapping[str, Any]],
    today: date,
    budget: RunBudget,
) -> PolicyResult:
    product_id = facts["product"]["id"]
    lifecycle = policy.lifecycle_on(today)

    def result(outcome: Outcome, message: str, cited: dict[str, Any] | None = None) -> PolicyResult:
        return PolicyResult(
            product_id, policy.id, outcome, policy.severity, policy.level, lifecycle, message,
            cited or {},
        )  # fmt: skip

    if not applies(policy, facts):
        return result("not_applicable", "out of scope: " + _scope_text(policy))
    cited = {path: _resolve(facts, path) for path in policy.cited}
    value, error = budget.run(policy.id, product_id, policy.program, context)
    if error is not None:
        return result("error", error, cited)
    if not isinstance(value, bool):
        return result("error", f"expression returned {type(value).__name__}, not a bool", cited)
    shown = _cite(cited)
    if value:
        return result("pass", f"{policy.title}: {shown}" if shown else policy.title, cited)
    if policy.id in waived:
        waiver = waived[policy.id]
        return result(
            "waived",
            f"waived until {waiver.get('expires_at') or 'further notice'} "
            f"by {waiver.get('approved_by') or '?'}: {waiver.get('reason') or ''}; {shown}",
            cited,
        )
    reason = policy.message or f"not met: {policy.title}"
    return result("fail", f"{reason}; {shown}" if shown else reason, cited)


def _scope_text(policy: Policy) -> str:
    parts = [f"domain {policy.domain}"] if policy.scope == "domain" else []
    parts += [f"{k} in {', '.join(v)}" for k, v in policy.applies_to.items()]
    return "; ".join(parts) or "global"


def _resolve(facts: Mapping[str, Any], path: str) -> Any:
    value: Any = facts
    for part in path.split(".")[1:]:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _cite(cited: Mapping[str, Any]) -> str:
    """`x = value` for each fact the expression read, short enough for a table cell."""
    shown = []
    for path, value in cited.items():
        if isinstance(value, Mapping):
            continue  # a parent of a cited leaf; the leaf says more
        shown.append(f"{path.removeprefix('facts.')} = {_short(value)}")
    return "; ".join(shown)


def _short(value: Any) -> str:
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) for v in value):
            names = [str(v.get("name") or v.get("id") or v.get("username") or "") for v in value]
            return f"{len(value)} item(s): {', '.join(n for n in names[:5] if n)}"
        items = ", ".join(str(v) for v in value[:5])
        return f"[{items}{', ...' if len(value) > 5 else ''}]"
    return repr(value)[:120]


def evaluate_mesh(
    pack: PolicyPack, facts_by_product: Mapping[str, Mapping[str, Any]], now: datetime
) -> dict[str, list[PolicyResult]]:
    """Every product × policy outcome (one execution budget for the whole run)."""
    today, budget = now.date(), RunBudget()
    return {
        pid: evaluate_product(pack.policies, facts, today, budget)
        for pid, facts in facts_by_product.items()
    }


def policy_rows(pack: PolicyPack, results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each policy with its scope, severity, level, lifecycle and pass rate over products."""
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        tally = counts.setdefault(r["policy_id"], {})
        tally[r["outcome"]] = tally.get(r["outcome"], 0) + 1
    rows = []
    for p in pack.policies:
        tally = counts.get(p.id, {})
        judged = sum(tally.get(o, 0) for o in JUDGED_OUTCOMES)
        passed = sum(tally.get(o, 0) for o in PASSING_OUTCOMES)
        rows.append(
            {
                "policy_id": p.id,
                "title": p.title,
                "attribute": p.attribute,
                "scope": p.domain if p.scope == "domain" else "global",
                "owner": p.owner,
                "severity": p.severity,
                "level": p.level,
                "lifecycle": p.lifecycle,
                "grace_until": p.grace_until,
                "applicable": judged,
                "passed": passed,
                "failed": tally.get("fail", 0),
                "errors": tally.get("error", 0),
                "pass_rate": round(passed / judged, 4) if judged else None,
                "rationale": p.rationale,
                "path": p.path,
            }
        )
    return rows
