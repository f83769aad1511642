"""Policies as code: YAML files in policy_rules/, one CEL expression each over the facts.

A policy file holds one policy (a mapping with an `id`) or several (`policies: [...]`).
Every expression is compiled once when the pack loads (the Rust-backed CEL runtime: about
1 µs per evaluation against a prepared context, where the pure-Python one took ~460 µs).
A file or policy with an error is refused with the file, the policy id and the reason;
the rest of the pack still loads and runs.

Lifecycle: `draft` is reported only; `grace` (with `grace_until: YYYY-MM-DD`) is reported
and warned until that day and enforced from then on; `enforced` counts for compliance,
trust levels and score caps. Evaluation is pure: facts in, results out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from governance.engine.policies.sandbox import RunBudget, compile_expression, facts_context
from governance.errors import ExpressionRefused, PolicyFileError

# The default pack ships beside the governance package (policy_rules/ in the repository,
# installed as data next to it): global/ for every mesh, domains/ for the demo's domains.
DEFAULT_POLICY_RULES = Path(__file__).resolve().parents[3] / "policy_rules"

Severity = Literal["blocker", "major", "minor"]
Level = Literal["bronze", "silver", "gold"]
Outcome = Literal["pass", "fail", "waived", "not_applicable", "error"]

SEVERITIES: tuple[str, ...] = ("blocker", "major", "minor")
LEVELS: tuple[str, ...] = ("bronze", "silver", "gold")
LIFECYCLES: tuple[str, ...] = ("draft", "grace", "enforced")
QUALITY_ATTRIBUTES: tuple[str, ...] = (
    "discoverable",
    "addressable",
    "understandable",
    "trustworthy",
    "natively_accessible",
    "interoperable",
    "secure",
)
_FIELDS = {
    "id", "title", "rationale", "owner", "scope", "domain", "applies_to", "severity", "level",
    "lifecycle", "grace_until", "expression", "attribute", "message", "tags",
}  # fmt: skip
_APPLIES_TO = {"status", "tier", "tags", "port_types", "domains"}
_FACT_PATH = re.compile(r"\bfacts(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")


@dataclass(frozen=True)
class Policy:
    """One compiled policy."""

    id: str
    title: str
    rationale: str
    owner: str
    scope: str  # "global" or "domain"
    domain: str | None
    severity: str
    level: str
    lifecycle: str
    grace_until: date | None
    expression: str
    attribute: str
    message: str | None
    applies_to: dict[str, tuple[str, ...]]
    path: str
    program: Any = field(repr=False, compare=False)
    cited: tuple[str, ...] = ()

    def lifecycle_on(self, today: date) -> str:
        """The lifecycle in force on a day: a grace period ends by itself."""
        if self.lifecycle == "grace" and self.grace_until is not None and today > self.grace_until:
            return "enforced"
        return self.lifecycle


@dataclass(frozen=True)
class PolicyRefusal:
    """A policy file or policy that could not be loaded, and why."""

    path: str
    policy_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}" + (f" (policy {self.policy_id})" if self.policy_id else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class PolicyPack:
    """The loaded policies and the refusals met while loading them."""

    policies: tuple[Policy, ...]
    refusals: tuple[PolicyRefusal, ...] = ()


@dataclass(frozen=True)
class PolicyResult:
    """The outcome of one policy for one product, with the facts it read."""

    product_id: str
    policy_id: str
    outcome: Outcome
    severity: str
    level: str
    lifecycle: str  # as in force when evaluated
    message: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def enforced(self) -> bool:
        """Whether the result counts for compliance, levels and caps."""
        return self.lifecycle == "enforced"


def policy_files(root: Path) -> list[Path]:
    """The policy files under a root (or the root itself when it is a file), sorted."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_pack(roots: Path | str | Iterable[Path | str]) -> PolicyPack:
    """Load every *.yaml / *.yml policy file under the roots (global/ and domains/<d>/)."""
    roots = [Path(roots)] if isinstance(roots, str | Path) else [Path(r) for r in roots]
    policies: list[Policy] = []
    refusals: list[PolicyRefusal] = []
    for root in roots:
        if not root.exists():
            refusals.append(PolicyRefusal(str(root), None, "no such policy file or folder"))
            continue
        for path in policy_files(root):
            found, refused = load_file(path, root if root.is_dir() else None)
            policies += found
            refusals += refused
    seen: dict[str, Policy] = {}
    unique = []
    for policy in policies:
        if policy.id in seen:
            refusals.append(
                PolicyRefusal(
                    policy.path, policy.id, f"duplicate id; first in {seen[policy.id].path}"
                )
            )
            continue
        seen[policy.id] = policy
        unique.append(policy)
    return PolicyPack(tuple(unique), tuple(refusals))


def load_file(path: Path, root: Path | None = None) -> tuple[list[Policy], list[PolicyRefusal]]:
    """The policies of one file; a broken policy is refused without its neighbours."""
    shown = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [PolicyRefusal(shown, None, f"cannot read YAML: {exc}")]
    if isinstance(document, dict) and "policies" in document:
        entries = document["policies"]
    elif isinstance(document, dict):
        entries = [document]
    else:
        entries = document
    if not isinstance(entries, list):
        return [], [PolicyRefusal(shown, None, "expected a policy mapping or `policies: [...]`")]
    folder_domain = _folder_domain(path, root)
    policies, refusals = [], []
    for index, entry in enumerate(entries):
        policy_id = entry.get("id") if isinstance(entry, dict) else None
        try:
            policies.append(_policy(entry, shown, folder_domain))
        except PolicyFileError as exc:
            label = str(policy_id) if policy_id else f"#{index + 1}"
            refusals.append(PolicyRefusal(shown, label, str(exc)))
    return policies, refusals


def _folder_domain(path: Path, root: Path | None) -> str | None:
    """policy_rules/domains/<d>/... belongs to domain <d> (also when <d> is the root given)."""
    parts = path.resolve().parts
    if "domains" in parts[:-1]:
        index = len(parts) - 1 - parts[::-1].index("domains")  # the nearest one
        if index + 1 < len(parts) - 1:
            return parts[index + 1]
    return None


def _policy(entry: Any, path: str, folder_domain: str | None) -> Policy:
    if not isinstance(entry, dict):
        raise PolicyFileError("expected a mapping")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise PolicyFileError(f"unknown field(s) {', '.join(unknown)}")
    policy_id = _text(entry, "id")
    if not _ID.match(policy_id):
        raise PolicyFileError("id: lower-case letters, digits, '.', '_' or '-', 2-100 characters")
    severity = _choice(entry, "severity", SEVERITIES)
    level = _choice(entry, "level", LEVELS)
    lifecycle = _choice(entry, "lifecycle", LIFECYCLES)
    grace_until = entry.get("grace_until")
    if lifecycle == "grace":
        if isinstance(grace_until, datetime):
            grace_until = grace_until.date()  # YAML reads an unquoted timestamp as datetime
        if isinstance(grace_until, str):
            try:
                grace_until = date.fromisoformat(grace_until)
            except ValueError:
                grace_until = None
        if not isinstance(grace_until, date):
            raise PolicyFileError(
                "grace_until: a date (YYYY-MM-DD) is required with lifecycle grace"
            )
    scope = entry.get("scope", "domain" if folder_domain else "global")
    domain = entry.get("domain", folder_domain)
    if scope not in ("global", "domain"):
        raise PolicyFileError("scope: expected global or domain")
    if scope == "domain" and not domain:
        raise PolicyFileError("scope domain needs a domain (or a file under domains/<domain>/)")
    attribute = entry.get("attribute", "trustworthy")
    if attribute not in QUALITY_ATTRIBUTES:
        raise PolicyFileError(f"attribute: expected one of {', '.join(QUALITY_ATTRIBUTES)}")
    expression = _text(entry, "expression")
    try:
        program = compile_expression(expression)
    except ExpressionRefused as exc:
        raise PolicyFileError(str(exc)) from exc
    return Policy(
        id=policy_id,
        title=_text(entry, "title"),
        rationale=_text(entry, "rationale"),
        owner=str(entry.get("owner", domain if scope == "domain" else "board")),
        scope=scope,
        domain=domain if scope == "domain" else None,
        severity=severity,
        level=level,
        lifecycle=lifecycle,
        grace_until=grace_until if lifecycle == "grace" else None,
        expression=expression,
        attribute=attribute,
        message=entry.get("message"),
        applies_to=_applies_to(entry.get("applies_to")),
        path=path,
        program=program,
        cited=_cited_paths(expression),
    )


def _cited_paths(expression: str) -> tuple[str, ...]:
    """The fact paths an expression reads (`facts.owners` of `facts.owners.size()`)."""
    paths = []
    for match in _FACT_PATH.finditer(expression):
        path = match.group(0)
        if expression[match.end() : match.end() + 1] == "(":
            path = path.rsplit(".", 1)[0]  # a method call on the fact, not a field
        paths.append(path)
    return tuple(dict.fromkeys(p for p in paths if p != "facts"))


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PolicyFileError(f"{key}: required text")
    return value.strip()


def _choice(entry: Mapping[str, Any], key: str, allowed: Sequence[str]) -> str:
    value = entry.get(key)
    if value not in allowed:
        raise PolicyFileError(f"{key}: expected one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _applies_to(value: Any) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyFileError("applies_to: expected a mapping")
    unknown = sorted(set(value) - _APPLIES_TO)
    if unknown:
        raise PolicyFileError(f"applies_to: unknown key(s) {', '.join(unknown)}")
    result = {}
    for key, items in value.items():
        items = [items] if isinstance(items, str) else items
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise PolicyFileError(f"applies_to.{key}: expected a list of names")
        result[key] = tuple(i.lower() for i in items)
    return result


# --- evaluation -------------------------------------------------------------------------


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
        judged = sum(tally.get(o, 0) for o in ("pass", "fail", "waived", "error"))
        passed = tally.get("pass", 0) + tally.get("waived", 0)
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
