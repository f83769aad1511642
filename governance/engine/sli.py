"""SLIs from evidence: each product's SLOs with the points they are measured on.

- OpenSLO definitions (collected into slo_definitions) are measured on the product's SLI
  samples of that SLO (or, without an `slo` field, of its indicator). A sample spans until
  the next one (a day when it is alone); a gauge sample (`value`) counts as good when it
  meets the objective's `op` and `value`.
- An ODCS contract's latency promise (slaProperties latency, plus the update frequency)
  becomes a freshness SLO on hourly probes of the newest successful pipeline run, unless
  an OpenSLO SLO of the same name exists. A product without runs has the SLO, with no data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from governance.engine.facts import hours
from governance.engine.slo import SliPoint, SloSpec, evaluate_slo, freshness_points, parse_duration
from governance.model.evidence import Evidence
from governance.model.vocabulary import SLO_STATES


def attach_slos(facts: dict[str, Any], ev: Evidence, now: datetime) -> None:
    """Evaluate the product's declared SLOs and put their status into its facts."""
    pid = facts["product"]["id"]
    statuses = [
        _status_facts(spec, source, evaluate_slo(spec, points, now))
        for spec, source, points in slo_inputs(pid, facts, ev, now)
    ]
    facts["slos"] = statuses
    states = [s["status"] for s in statuses]
    facts["slo_summary"] = {"declared": len(statuses)} | {
        state: states.count(state) for state in SLO_STATES
    }


def slo_inputs(
    pid: str, facts: Mapping[str, Any], ev: Evidence, now: datetime
) -> list[tuple[SloSpec, str, list[SliPoint]]]:
    """Each SLO of the product (OpenSLO, then contract SLAs) with its SLI points."""
    inputs: list[tuple[SloSpec, str, list[SliPoint]]] = []
    samples = ev.slis.get(pid, [])
    names: set[str] = set()
    for row in ev.slos.get(pid, []):
        try:
            spec = _openslo_spec(row)
        except ValueError:
            continue  # refused at collection already; a bad window cannot be evaluated
        base = row["details"].get("slo")
        mine = [
            s
            for s in samples
            if s["slo"] in (row["name"], base)
            or (s["slo"] is None and s["indicator"] == row["indicator"])
        ]
        inputs.append((spec, "openslo", _sample_points(mine, row["details"].get("objective", {}))))
        names.add(row["name"])
    for contract in facts["contracts"]:
        latency = contract["sla"]["latency_hours"]
        name = f"{contract['id']}-freshness"
        if latency is None or name in names:
            continue
        # An ODCS latency promise becomes a freshness SLO over hourly probes: fresh when the
        # newest successful load is at most `latency` (+ one update interval) hours old.
        allowed = timedelta(hours=latency + (contract["sla"]["frequency_hours"] or 0))
        spec = SloSpec(name=name, target=0.99, period=timedelta(days=28))
        updates = [
            r["ended_at"] for r in ev.runs.get(pid, []) if r["state"] == "success" and r["ended_at"]
        ]
        if not updates:
            inputs.append((spec, "odcs", []))
            continue
        start = max(now - spec.period, min(updates))
        inputs.append((spec, "odcs", freshness_points(updates, allowed, start, now)))
    return inputs


def _openslo_spec(row: Mapping[str, Any]) -> SloSpec:
    objective = row["details"].get("objective", {})
    slice_window = objective.get("timeSliceWindow")
    return SloSpec(
        name=row["name"],
        target=min(max(row["target"], 1e-9), 1 - 1e-9),
        period=parse_duration(row["window"]),
        budgeting_method=row["budgeting_method"],
        time_slice_target=objective.get("timeSliceTarget"),
        time_slice_window=parse_duration(slice_window) if slice_window else None,
    )


_COMPARE = {
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def _sample_points(samples: list[dict[str, Any]], objective: Mapping[str, Any]) -> list[SliPoint]:
    """Samples as SLI points; a sample spans until the next one (one day when alone)."""
    usable = []
    for s in samples:
        if s["good"] is not None and s["total"] is not None and s["total"] > 0:
            usable.append((s["time"], min(max(s["good"], 0.0), s["total"]), s["total"]))
        elif s["value"] is not None and objective.get("op") in _COMPARE and "value" in objective:
            good = _COMPARE[objective["op"]](s["value"], objective["value"])
            usable.append((s["time"], 1.0 if good else 0.0, 1.0))
    usable.sort(key=lambda item: item[0])
    gaps = [b[0] - a[0] for a, b in zip(usable, usable[1:], strict=False) if b[0] > a[0]]
    span = min(gaps) if gaps else timedelta(days=1)
    return [SliPoint(start=t, span=span, good=g, total=n) for t, g, n in usable]


def _status_facts(spec: SloSpec, source: str, status: Any) -> dict[str, Any]:
    return {
        "name": spec.name,
        "source": source,
        "budgeting_method": spec.budgeting_method,
        "target": spec.target,
        "period_days": status.period_days,
        "attainment": status.attainment,
        "error_budget_remaining": status.error_budget_remaining,
        "burn_rate_long": status.burn_rate_long,
        "burn_rate_short": status.burn_rate_short,
        "time_to_exhaustion_hours": hours(status.time_to_exhaustion)
        if status.time_to_exhaustion is not None
        else None,
        "status": status.state,
    }
