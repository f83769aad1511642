"""Incident records shared by the engine (which plans them) and the store (which keeps them)."""

from __future__ import annotations

from dataclasses import dataclass

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
ACTIVE = (OPEN, ACKNOWLEDGED)
AUTO_RESOLVER = "meshgov"  # resolved_by when the cause cleared on its own
CLEARED = "the cause cleared: the newest evaluation no longer finds it"


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
