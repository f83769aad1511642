"""Incidents: which causes open one, which clear, and how fast people respond (pure).

A cause is a check that fails (a warning does not) in a product's newest run, or an SLO
breached or out of error budget. Each product and cause has at most one incident while it
lasts: the evaluation opens it, refreshes what it says, and resolves it when the cause is
gone. Time to acknowledge and time to resolve are measured from when it opened.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance.model.incidents import (
    ACKNOWLEDGED,
    OPEN,
    RESOLVED,
    IncidentCause,
    IncidentPlan,
)


def incident_causes(
    checks: Mapping[str, Sequence[Mapping[str, Any]]],
    slos: Mapping[str, Sequence[Mapping[str, Any]]],
    domains: Mapping[str, str],
) -> list[IncidentCause]:
    """Every failing check and burning SLO of a registered product, as a cause."""
    causes = []
    for product_id, failing in checks.items():
        if product_id not in domains:
            continue
        for c in failing:
            causes.append(
                IncidentCause(
                    product_id,
                    domains[product_id],
                    "check",
                    c["check"],
                    f"{product_id}: check {c['check']} fails",
                    f"{c['status']} in the latest run of {c['suite']}",
                )
            )
    for product_id, burning in slos.items():
        if product_id not in domains:
            continue
        for s in burning:
            left = s.get("error_budget_remaining")
            budget = "n/a" if left is None else f"{100 * left:.0f}%"
            causes.append(
                IncidentCause(
                    product_id,
                    domains[product_id],
                    "slo",
                    s["slo"],
                    f"{product_id}: SLO {s['slo']} {s['status']}",
                    f"{s['status']}, error budget left {budget}",
                )
            )
    return causes


def plan_incidents(
    causes: Iterable[IncidentCause], active: Iterable[Mapping[str, Any]]
) -> IncidentPlan:
    """Open what has no active incident, refresh what has one, resolve what cleared."""
    by_key = {cause.key: cause for cause in causes}
    current = {row["incident_key"]: row for row in active}
    return IncidentPlan(
        opened=tuple(by_key[k] for k in sorted(by_key.keys() - current.keys())),
        refreshed=tuple(
            (current[k]["id"], by_key[k]) for k in sorted(by_key.keys() & current.keys())
        ),
        resolved=tuple(current[k]["id"] for k in sorted(current.keys() - by_key.keys())),
    )


@dataclass(frozen=True)
class ResponseTimes:
    """How fast incidents were acknowledged and resolved (hours), and how many are open."""

    open: int = 0
    acknowledged: int = 0  # active and acknowledged
    resolved: int = 0
    time_to_acknowledge: list[float] = field(default_factory=list)
    time_to_resolve: list[float] = field(default_factory=list)

    @property
    def median_hours_to_acknowledge(self) -> float | None:
        """Median over the incidents acknowledged (None: none yet)."""
        return _median(self.time_to_acknowledge)

    @property
    def median_hours_to_resolve(self) -> float | None:
        """Median over the incidents resolved (None: none yet)."""
        return _median(self.time_to_resolve)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: counts and medians."""
        return {
            "open": self.open,
            "acknowledged": self.acknowledged,
            "resolved": self.resolved,
            "median_hours_to_acknowledge": self.median_hours_to_acknowledge,
            "median_hours_to_resolve": self.median_hours_to_resolve,
        }


def response_times(incidents: Iterable[Mapping[str, Any]]) -> ResponseTimes:
    """Counts by state, and hours from opening to acknowledgement and to resolution."""
    counts = {OPEN: 0, ACKNOWLEDGED: 0, RESOLVED: 0}
    to_ack: list[float] = []
    to_resolve: list[float] = []
    for incident in incidents:
        counts[incident["state"]] = counts.get(incident["state"], 0) + 1
        opened: datetime = incident["opened_at"]
        if incident.get("acknowledged_at") is not None:
            to_ack.append(_hours(incident["acknowledged_at"] - opened))
        if incident.get("resolved_at") is not None:
            to_resolve.append(_hours(incident["resolved_at"] - opened))
    return ResponseTimes(counts[OPEN], counts[ACKNOWLEDGED], counts[RESOLVED], to_ack, to_resolve)


def _hours(delta: Any) -> float:
    return round(delta.total_seconds() / 3600, 2)


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None
