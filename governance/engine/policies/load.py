"""Policies as code, loaded: YAML files in policy_rules/, one CEL expression each over the facts.

A policy file holds one policy (a mapping with an `id`) or several (`policies: [...]`).
Every expression is compiled once when the pack loads (the Rust-backed CEL runtime: about
1 µs per evaluation against a prepared context, where the pure-Python one took ~460 µs).
A file or policy with an error is refused with the file, the policy id and the reason;
the rest of the pack still loads and runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from governance.engine.policies.sandbox import compile_expression
from governance.errors import ExpressionRefused, PolicyFileError
from governance.model.vocabulary import LEVELS, LIFECYCLES, QUALITY_ATTRIBUTES, SEVERITIES

# The default pack ships beside the governance package (policy_rules/ in the repository,
# installed as data next to it): global/ for every mesh, domains/ for the demo's domains.
DEFAULT_POLICY_RULES = Path(__file__).resolve().parents[3] / "policy_rules"

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
