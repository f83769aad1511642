"""Daily digests: what failed, what is due and what expires, per owner and per domain (pure).

An alert per failing check teaches people to ignore alerts. A digest says everything once a
day, grouped: one per product owner (their products) and one per domain (its products, for
its domain owners), each grouped by product. A product with nothing to say is left out; a
digest with no product left is all clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

OWNER, DOMAIN = "owner", "domain"
_FAILS = {"fail": "fails", "error": "cannot be evaluated"}


@dataclass(frozen=True)
class MeshState:
    """What the digests are made of, as the newest evaluation and the board left it."""

    day: date  # the day the digest is for (the newest evaluation's)
    horizon: datetime  # due and expiring up to this moment
    products: Mapping[str, Mapping[str, Any]]  # id -> name, domain_id, owner
    scores: Mapping[str, float]  # the day's score per product
    previous: Mapping[str, float] = field(default_factory=dict)  # the day before's
    policies: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    checks: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    slos: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    items: Sequence[Mapping[str, Any]] = ()  # open review items
    waivers: Sequence[Mapping[str, Any]] = ()  # approved waivers
    grants: Sequence[Mapping[str, Any]] = ()  # active access grants
    domain_owners: Mapping[str, Sequence[str]] = field(default_factory=dict)
    incidents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # key -> active one


@dataclass(frozen=True)
class ProductNews:
    """One product's part of a digest: each line already says what to look at."""

    product_id: str
    name: str
    domain_id: str
    score: float | None
    previous: float | None
    failed: tuple[str, ...] = ()
    due: tuple[str, ...] = ()
    expiring: tuple[str, ...] = ()

    @property
    def quiet(self) -> bool:
        """Nothing failed, nothing is due, nothing expires."""
        return not (self.failed or self.due or self.expiring)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "product": self.product_id,
            "name": self.name,
            "domain": self.domain_id,
            "score": self.score,
            "previous_score": self.previous,
            "failed": list(self.failed),
            "due": list(self.due),
            "expiring": list(self.expiring),
        }


@dataclass(frozen=True)
class Digest:
    """One digest: for an owner (key: their email) or a domain (key: its id)."""

    audience: str  # OWNER or DOMAIN
    key: str
    recipients: tuple[str, ...]
    day: date
    products: tuple[ProductNews, ...]

    @property
    def all_clear(self) -> bool:
        """No product of this digest has anything to report."""
        return not self.products

    @property
    def counts(self) -> dict[str, int]:
        """Lines per section, over every product."""
        return {
            "failed": sum(len(p.failed) for p in self.products),
            "due": sum(len(p.due) for p in self.products),
            "expiring": sum(len(p.expiring) for p in self.products),
        }

    @property
    def title(self) -> str:
        """E.g. "meshgov digest 2026-12-07: domain podcasts"."""
        return f"meshgov digest {self.day}: {self.audience} {self.key}"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "audience": self.audience,
            "key": self.key,
            "recipients": list(self.recipients),
            "day": self.day.isoformat(),
            "all_clear": self.all_clear,
            "counts": self.counts,
            "products": [p.as_dict() for p in self.products],
        }


def build_digests(state: MeshState) -> list[Digest]:
    """One digest per product owner and one per domain, products with news first by score."""
    news = {pid: product_news(state, pid) for pid in state.products}
    by_owner: dict[str, list[str]] = {}
    by_domain: dict[str, list[str]] = {}
    for pid, product in state.products.items():
        if product.get("owner"):
            by_owner.setdefault(str(product["owner"]).lower(), []).append(pid)
        by_domain.setdefault(str(product["domain_id"]), []).append(pid)
    digests = [
        _digest(OWNER, owner, (owner,), state.day, (news[p] for p in pids))
        for owner, pids in sorted(by_owner.items())
    ]
    digests += [
        _digest(
            DOMAIN,
            domain,
            tuple(state.domain_owners.get(domain, ())),
            state.day,
            (news[p] for p in pids),
        )  # fmt: skip
        for domain, pids in sorted(by_domain.items())
    ]
    return digests


def _digest(
    audience: str, key: str, recipients: tuple[str, ...], day: date, news: Iterable[ProductNews]
) -> Digest:
    loud = sorted(
        (n for n in news if not n.quiet),
        key=lambda n: (n.score is None, n.score if n.score is not None else 0.0, n.product_id),
    )
    return Digest(audience, key, recipients, day, tuple(loud))


def product_news(state: MeshState, product_id: str) -> ProductNews:
    """What one product's owners should read today."""
    product = state.products[product_id]
    failed = [
        f"policy {p['policy_id']} {_FAILS.get(p['outcome'], p['outcome'])} "
        f"({p['severity']}): {p['message']}"
        for p in state.policies.get(product_id, ())
    ]
    failed += [
        f"check {c['check']} {c['status']} in the latest run of {c['suite']}"
        + _incident(state, f"{product_id}|check|{c['check']}")
        for c in state.checks.get(product_id, ())
    ]
    failed += [
        f"SLO {s['slo']} {s['status']} (budget left {_pct(s['error_budget_remaining'])})"
        + _incident(state, f"{product_id}|slo|{s['slo']}")
        for s in state.slos.get(product_id, ())
    ]
    due = [
        f"review item #{i['id']} {'overdue since' if i['due_at'] < _start(state.day) else 'due'} "
        f"{i['due_at']:%Y-%m-%d}: {i['title']}"
        for i in sorted(state.items, key=lambda i: (i["due_at"], i["id"]))
        if i.get("product_id") == product_id and i["due_at"] <= state.horizon
    ]
    expiring = [
        f"waiver #{w['id']} of {w['policy_id']} expires {w['expires_at']:%Y-%m-%d}"
        for w in state.waivers
        if w["product_id"] == product_id and _expires_by(w, state)
    ]
    expiring += [
        f"access grant #{g['id']} to {g['grantee']} on port {g['port']} expires "
        f"{g['expires_at']:%Y-%m-%d}"
        for g in state.grants
        if g["product_id"] == product_id and _expires_by(g, state)
    ]
    return ProductNews(
        product_id,
        str(product.get("name") or product_id),
        str(product["domain_id"]),
        state.scores.get(product_id),
        state.previous.get(product_id),
        tuple(failed),
        tuple(due),
        tuple(expiring),
    )


def _incident(state: MeshState, key: str) -> str:
    """Which incident tracks the failure, so the owner can answer it by its number."""
    found = state.incidents.get(key)
    if found is None:
        return ""
    acknowledged = (
        f", acknowledged by {found['acknowledged_by']}" if found.get("acknowledged_by") else ""
    )
    return f"; incident #{found['id']} since {found['opened_at']:%Y-%m-%d}{acknowledged}"


def _expires_by(row: Mapping[str, Any], state: MeshState) -> bool:
    expires = row.get("expires_at")
    return expires is not None and _start(state.day) <= expires <= state.horizon


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"
