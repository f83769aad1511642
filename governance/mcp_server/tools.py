"""What the MCP server answers: read-only questions about the mesh, for one person's roles.

Each method reads through the service and returns plain JSON data (times as ISO text). The
person is fixed when the server starts (`meshgov mcp --as EMAIL`): with no role in the mesh
nothing is answered; a consumer sees the review items they asked for or were given, as on
the review page; stewards (domain owners, board members, admins) see the whole queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from governance.engine.roles import STEWARDS, Principal, permits
from governance.errors import NotEvaluated, PermissionDenied
from governance.service import MeshgovService
from governance.store.read.catalog_queries import CatalogSearch, catalog_entries, search_catalog
from governance.store.read.judgements import latest_policy_results

MAX_RESULTS = 200  # a search or a queue never answers with more rows than this
MOVED_DAYS = 7  # a trust summary says what moved the score over this many days
DESCRIPTION_CHARS = 400


class MeshTools:
    """The MCP server's answers for one principal; every one of them only reads."""

    def __init__(self, service: MeshgovService, principal: Principal) -> None:
        verdict = permits(principal, "view")
        if not verdict.allowed:
            raise PermissionDenied(verdict.reason)
        self._service, self._principal = service, principal

    def search_products(
        self,
        text: str = "",
        domain: str | None = None,
        trust_level: str | None = None,
        tag: str | None = None,
        owner: str | None = None,
        limit: int = 20,
    ) -> dict[str, Any]:
        """Products matching every given criterion, best trusted first."""
        search = CatalogSearch(
            text=text,
            domains=[domain] if domain else [],
            tags=[tag] if tag else [],
            trust_levels=[trust_level] if trust_level else [],
            owners=[owner] if owner else [],
        )
        entries = search_catalog(self._service.read_model(catalog_entries), search)
        entries.sort(key=lambda e: (e.score is None, -(e.score or 0.0), e.id))
        shown = entries[: _bounded(limit)]
        return {
            "count": len(entries),
            "products": [_entry(asdict(entry)) for entry in shown],
        }

    def trust_summary(self, product_id: str) -> dict[str, Any]:
        """Can I trust this product: score, level, what fails, its SLOs, owner, what moved."""
        detail = self._service.product_detail(product_id)
        product = detail.product
        summary: dict[str, Any] = {
            "product": product["id"],
            "name": product["name"],
            "domain": product["domain_id"],
            "status": product["status"],
            "tier": product["tier"],
            "owner": product.get("owner") or product.get("owner_name"),
            "support": product.get("support") or [],
            "description": (product.get("description") or "")[:DESCRIPTION_CHARS],
            "output_ports": [p["name"] for p in detail.ports if p["kind"] == "output"],
            "open_review_items": len(self._service.board.queue(product_id=product_id)),
            "open_incidents": [
                {k: i[k] for k in ("id", "state", "title", "detail", "opened_at")}
                for i in self._service.incidents.list(product_id)
            ],
        }
        try:
            explained = self._service.evaluation.explain(product_id)
        except NotEvaluated:
            return _plain(summary | {"evaluated": False})
        score = explained["score"]
        summary |= {
            "evaluated": True,
            "as_of": explained["day"],
            "score": score["score"],
            "grade": score["grade"],
            "trust_level": score["level"],
            "capped_by": score["capped_by"],
            "next_level_blocked_by": score["level_blockers"],
            "dimensions": {
                name: None if d["missing"] else d["value"]
                for name, d in score["dimensions"].items()
            },
            "failing_policies": [
                {k: r[k] for k in ("policy_id", "outcome", "severity", "level", "message")}
                for r in explained["policies"]
                if r["outcome"] in ("fail", "error") and r["lifecycle"] == "enforced"
            ],
            "slos": [
                {
                    k: s[k]
                    for k in ("slo", "status", "attainment", "target", "error_budget_remaining")
                }
                for s in explained["slos"]
            ],
            "moved": self._moved(product_id),
        }
        return _plain(summary)

    def _moved(self, product_id: str) -> dict[str, Any] | None:
        days = self._service.evaluation.score_days(product_id)
        if days is None or days[0] == days[1]:
            return None
        since = max(days[0], days[1] - timedelta(days=MOVED_DAYS))
        move = self._service.evaluation.explain_change(product_id, since)
        return {
            "since": move.before.day.isoformat(),
            "score_then": move.before.score["score"],
            "delta": move.delta,
            "causes": [c.as_dict() for c in move.causes[:5]],
        }

    def policies(self, product_id: str | None = None) -> dict[str, Any]:
        """The policy pack with pass rates; for a product, its outcome on each policy."""
        if product_id is None:
            rows = self._service.evaluation.policy_overview()
            keep = ("policy_id", "title", "scope", "owner", "severity", "level", "lifecycle")
            keep += ("grace_until", "pass_rate", "failed", "rationale")
            return _plain({"policies": [{k: row[k] for k in keep} for row in rows]})
        self._service.product_detail(product_id)  # an unknown product is named as such
        rows = self._service.read_model(latest_policy_results, product_id)
        keep = ("policy_id", "outcome", "severity", "level", "lifecycle", "message")
        return {"product": product_id, "results": [{k: row[k] for k in keep} for row in rows]}

    def open_review_items(
        self, domain: str | None = None, product_id: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """Open review items, highest priority first (a consumer: their own requests)."""
        items = self._service.board.queue(domain_id=domain, product_id=product_id)
        steward = bool(self._principal.roles & STEWARDS)
        if not steward:
            me = self._principal.email
            items = [i for i in items if me in (i["requested_by"], i["assignee"])]
        keep = ("id", "kind", "state", "title", "product_id", "domain_id", "severity")
        keep += ("decider", "decision_asked", "priority", "overdue", "opened_at", "due_at")
        keep += ("requested_by", "assignee")
        shown = [{k: item[k] for k in keep} for item in items[: _bounded(limit)]]
        return _plain(
            {
                "count": len(items),
                "whole_queue": steward,
                "items": shown,
            }
        )


def _bounded(limit: int) -> int:
    return max(1, min(int(limit), MAX_RESULTS))


def _entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "domain_id", "status", "tier", "owner", "owner_name", "score", "grade")
    keep += ("trust_level", "slo_status", "last_evidence", "tags")
    found = {k: entry[k] for k in keep}
    found["description"] = (entry["description"] or "")[:DESCRIPTION_CHARS]
    return _plain(found)


def _plain(value: Any) -> Any:
    """JSON data: times and days as ISO text, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value
