"""Incident records shared by the engine (which plans them) and the store (which keeps them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
ACTIVE = (OPEN, ACKNOWLEDGED)
AUTO_RESOLVER = "meshgov"  # resolved_by when the cause cleared on its own
CLEARED = "the cause cleared: the newest evaluation no longer finds it"
FAILING_CHECK = ("fail", "error")  # a warning is the tool saying: not enforced
BURNING_SLO = ("breached", "exhausted")


@dataclass(frozen=True)
class IncidentCause:
    """Something that is wrong with a product now, as an incident would name it."""

    product_id: str
    domain_id: str
    kind: str  # check | slo
    ref: str
    title: str
    detail: str

    @property
    def key(self) -> str:
        """One incident per product and cause while it lasts."""
        return f"{self.product_id}|{self.kind}|{self.ref}"


@dataclass(frozen=True)
class IncidentPlan:
    """What a sync does: incidents to open, to refresh (still there), to resolve (gone)."""

    opened: tuple[IncidentCause, ...] = ()
    refreshed: tuple[tuple[int, IncidentCause], ...] = ()
    resolved: tuple[int, ...] = ()


def failing_checks(
    latest: Mapping[str, Sequence[Mapping[str, Any]]],
) -> dict[str, list[dict[str, Any]]]:
    """Of each product's newest run of checks, those that failed (warnings left out)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for product_id, checks in latest.items():
        for c in checks:
            if c["status"] in FAILING_CHECK:
                column = f"({c['column_name']})" if c["column_name"] else ""
                found.setdefault(product_id, []).append(
                    {
                        "check": f"{c['check_name']}{column}",
                        "status": c["status"],
                        "suite": c["suite"],
                    }
                )
    return found
