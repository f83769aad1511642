"""The incidents part of the service: synced by each evaluation, answered by the owners.

`sync` runs after `meshgov evaluate`: a check failing in a product's newest run (not a
warning) or an SLO breached or out of budget opens an incident for that product and cause,
once; one still there is refreshed; one whose cause cleared is resolved by meshgov. The
product's owner (its descriptor's owner), its domain's owners and admins acknowledge and
resolve incidents; each response goes on the governance log. An incident resolved by hand
whose cause is still there opens again at the next evaluation, as a new incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance.engine.incidents import (
    ResponseTimes,
    plan_incidents,
    response_times,
)
from governance.engine.roles import Principal, Scope, permits
from governance.errors import ItemNotFound, PermissionDenied
from governance.model.incidents import ACKNOWLEDGED, ACTIVE, RESOLVED, IncidentCause
from governance.service.context import MeshContext
from governance.store.read import incident_queries, read_models
from governance.store.schema.types import utcnow
from governance.store.write import incidents as incident_store
from governance.store.write import ledger


@dataclass(frozen=True)
class IncidentSync:
    """What one sync did."""

    opened: list[dict[str, Any]] = field(default_factory=list)
    refreshed: int = 0
    resolved: int = 0


class Incidents:
    """The incidents part of MeshgovService."""

    def __init__(self, context: MeshContext) -> None:
        self._context = context
        self._store = context.store

    def sync(self, now: datetime, causes: Sequence[IncidentCause]) -> IncidentSync:
        """Open, refresh and resolve incidents from what an evaluation found wrong, in one
        transaction (the causes come from the evidence the evaluation read)."""
        with self._store.begin() as connection:
            plan = plan_incidents(causes, incident_queries.active_incidents(connection))
            opened = incident_store.apply_plan(connection, plan, now)
            rows = [incident_queries.incident(connection, i) for i in opened]
        return IncidentSync([r for r in rows if r], len(plan.refreshed), len(plan.resolved))

    def list(
        self,
        product_id: str | None = None,
        domain_id: str | None = None,
        active_only: bool = True,
        since: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Incidents, newest first: the active ones, or all (or those resolved since)."""
        states: Sequence[str] | None = ACTIVE if active_only else None
        with self._store.read() as connection:
            return incident_queries.incident_rows(connection, product_id, domain_id, states, since)

    def response_times(
        self, product_id: str | None = None, domain_id: str | None = None
    ) -> ResponseTimes:
        """How many incidents are open, and the median hours to acknowledge and resolve."""
        return response_times(self.list(product_id, domain_id, active_only=False))

    def acknowledge(
        self, who: Principal, incident_id: int, now: datetime | None = None
    ) -> dict[str, Any]:
        """Say someone is on it (the owner, a domain owner or an admin)."""
        return self._respond(who, incident_id, ACKNOWLEDGED, None, now)

    def resolve(
        self, who: Principal, incident_id: int, note: str, now: datetime | None = None
    ) -> dict[str, Any]:
        """Close it by hand, saying what was done; it opens again if the cause is still there."""
        if not note.strip():
            raise ValueError("say what was done (--note): the resolution is kept with it")
        return self._respond(who, incident_id, RESOLVED, note.strip(), now)

    def _respond(
        self, who: Principal, incident_id: int, state: str, note: str | None, now: datetime | None
    ) -> dict[str, Any]:
        now = now or utcnow()
        with self._store.begin() as connection:
            found = incident_queries.incident(connection, incident_id)
            if found is None:
                raise ItemNotFound(f"no incident #{incident_id}")
            product = read_models.product_row(connection, found["product_id"]) or {}
            self._authorize(who, found, product.get("owner"))
            ledger.lock(connection)
            if not incident_store.respond(connection, incident_id, state, who.email, now, note):
                verb = "acknowledge" if state == ACKNOWLEDGED else "resolve"
                raise ValueError(f"incident #{incident_id} is {found['state']}: nothing to {verb}")
            ledger.append(
                connection,
                actor=who.email,
                action=f"incident.{state}",
                subject=f"incident:{incident_id}",
                payload={"product": found["product_id"], "cause": found["title"], "note": note},
                time=now,
            )
            answered = incident_queries.incident(connection, incident_id)
        assert answered is not None
        return answered

    def _authorize(self, who: Principal, incident: dict[str, Any], owner: str | None) -> None:
        if owner and who.email == owner.lower():
            return  # the product's own owner, as its descriptor names them
        verdict = permits(who, "respond_incident", Scope(domain=incident["domain_id"]))
        if not verdict.allowed:
            raise PermissionDenied(f"{verdict.reason} The product's owner may too.")
