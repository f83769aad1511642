"""Facts: one JSON document per product, built from evidence; the engine's only input.

Policies (CEL), scores and the review queue read nothing else, so a judgement can always
be explained by the facts it read, and `meshgov check` can build the same document from a
descriptor and local evidence without a store. Every field is documented in
`governance/engine/facts_schema.py` (rendered to docs/facts.md); a test fails when one is not.

Times are RFC 3339 strings in UTC, ages are hours as numbers, and a figure without
evidence is null, never zero: missing evidence must not read as healthy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from governance.model.evidence import (
    AUDIT_WINDOW,
    LOGS_WINDOW,
    QUALITY_WINDOW,
    RUNS_WINDOW,
    Evidence,
)
from governance.model.vocabulary import (
    CHECK_DIMENSIONS,
    FINISHED_RUN_STATES,
    OWNER_ROLES,
    RETIRING_STATUSES,
    SENSITIVE_CLASSIFICATIONS,
)

# Column names that usually hold personal data; flagged when a contract leaves them
# unclassified, so the message can say which columns a reviewer should look at first.
_PERSONAL_HINTS = re.compile(
    r"(e_?mail|phone|mobile|ip_?addr|address|birth|dob|ssn|passport|first_?name|last_?name"
    r"|full_?name|surname|postcode|zip_?code|iban|card_?number|national_?id|geo|latitude"
    r"|longitude|search_?query)",
    re.IGNORECASE,
)

# Quality dimensions by the words check names use (GX, dbt, Soda); the first match wins,
# and a check whose name matches none measures "other".
DIMENSION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("completeness", ("not_be_null", "not_null", "null", "missing", "completeness")),
    ("uniqueness", ("unique", "duplicate")),
    ("timeliness", ("fresh", "recency", "max_age", "timeliness")),
    ("volume", ("row_count", "table_row", "volume")),
    (
        "validity",
        ("between", "in_set", "regex", "match", "accepted_values", "relationships", "invalid")
        + ("type", "length", "valid", "schema"),
    ),
)

# ODCS slaProperties units → hours.
_UNIT_HOURS = {"h": 1, "hr": 1, "hour": 1, "hours": 1, "d": 24, "day": 24, "days": 24}
_UNIT_HOURS |= {"m": 1 / 60, "min": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60}
_UNIT_HOURS |= {"w": 168, "week": 168, "weeks": 168, "y": 8760, "year": 8760, "years": 8760}


@lru_cache(maxsize=4096)  # a mesh has few distinct check names
def dimension_of(check_name: str) -> str:
    """The quality dimension a check measures, from its name."""
    lowered = check_name.lower()
    for dimension, words in DIMENSION_WORDS:
        if any(word in lowered for word in words):
            return dimension
    return "other"


def build_facts(evidence: Evidence, now: datetime) -> dict[str, dict[str, Any]]:
    """One facts document per registered product."""
    statuses = {pid: row["status"] for pid, row in evidence.products.items()}
    return {pid: _product_facts(pid, evidence, statuses, now) for pid in evidence.products}


def _product_facts(
    pid: str, ev: Evidence, statuses: dict[str, str], now: datetime
) -> dict[str, Any]:
    row = ev.products[pid]
    ports = ev.ports.get(pid, [])
    outputs = [p for p in ports if p["kind"] == "output"]
    served = [ev.contracts[p["contract_id"]] for p in outputs if p["contract_id"] in ev.contracts]
    team = [_member(m) for m in row["team"] or []]
    return {
        "now": iso(now),
        "product": {
            "id": pid,
            "name": row["name"],
            "domain": row["domain_id"],
            "status": row["status"],
            "tier": row["tier"],
            "version": row["version"],
            "description": row["description"],
            "tags": list(row["tags"] or []),
        },
        "owners": [m for m in team if (m["role"] or "").lower().replace("_", " ") in OWNER_ROLES],
        "team": team,
        "support": [
            {"channel": s.get("channel"), "url": s.get("url"), "tool": s.get("tool")}
            for s in row["support"] or []
        ],
        "ports": {
            "output": [_output_port(p, ev.contracts) for p in outputs],
            "input": [_input_port(p, ev, pid, statuses) for p in ports if p["kind"] == "input"],
        },
        "contracts": [_contract(c) for c in served],
        "classification": _classification(served),
        "lineage": _lineage(pid, ev, statuses),
        "quality": _quality(pid, ev, now),
        "runs": _runs(pid, ev, now),
        "logs": _logs(ev.logs.get(pid, {})),
        "audit": _audit(ev.audit.get(pid, {}), now),
        "slos": [],  # filled in by governance.engine.sli.attach_slos
        "slo_summary": {},
        "review": {"open_items": ev.open_items.get(pid, 0)},
        "waivers": [_waiver(w, now) for w in ev.waivers.get(pid, [])],
        "evidence": _evidence_age(ev.collected.get(pid), now),
    }


def _member(member: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "username": member.get("username"),
        "name": member.get("name"),
        "role": member.get("role"),
    }


def _output_port(port: Mapping[str, Any], contracts: Mapping[str, Any]) -> dict[str, Any]:
    contract = contracts.get(port["contract_id"]) if port["contract_id"] else None
    return {
        "name": port["name"],
        "version": port["version"],
        "type": port["type"],
        "contract_id": port["contract_id"],
        "has_contract": contract is not None,
        "contract_status": contract["status"] if contract else None,
    }


def _input_port(
    port: Mapping[str, Any], ev: Evidence, pid: str, statuses: Mapping[str, str]
) -> dict[str, Any]:
    upstream = sorted(
        e["upstream_product"]
        for e in ev.lineage
        if e["downstream_product"] == pid and e["downstream_port"] == port["name"]
    )
    return {
        "name": port["name"],
        "version": port["version"],
        "contract_id": port["contract_id"],
        "upstream_products": upstream,
        "upstream_deprecated": [u for u in upstream if statuses.get(u) in RETIRING_STATUSES],
    }


def _contract(contract: Mapping[str, Any]) -> dict[str, Any]:
    columns = contract["columns"]
    unclassified = [c["name"] for c in columns if not c["classification"]]
    return {
        "id": contract["id"],
        "version": contract["version"],
        "status": contract["status"],
        "columns": len(columns),
        "classified_columns": len(columns) - len(unclassified),
        "unclassified_columns": unclassified,
        "sla": _sla(contract["document"].get("slaProperties")),
        "quality_rules": sum(
            len(o.get("quality") or []) for o in contract["document"].get("schema") or []
        ),
    }


def _sla(properties: Any) -> dict[str, Any]:
    """ODCS slaProperties as hours (latency, frequency, retention) and a fraction."""
    sla: dict[str, Any] = {"latency_hours": None, "frequency_hours": None}
    sla |= {"availability": None, "retention_days": None}
    for item in properties if isinstance(properties, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("property", "")).lower()
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        hours = value * _UNIT_HOURS.get(str(item.get("unit", "h")).lower(), 1)
        if name in ("latency", "freshness"):
            sla["latency_hours"] = hours
        elif name in ("frequency", "frequencyofupdate"):
            sla["frequency_hours"] = hours
        elif name == "retention":
            sla["retention_days"] = hours / 24
        elif name in ("availability", "uptime"):
            sla["availability"] = value / 100 if value > 1 else value
    return sla


def _classification(contracts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    columns = [c for contract in contracts for c in contract["columns"]]
    unclassified = [c["name"] for c in columns if not c["classification"]]
    levels = sorted({c["classification"] for c in columns if c["classification"]})
    return {
        "columns": len(columns),
        "classified": len(columns) - len(unclassified),
        "unclassified": unclassified,
        "suspected_personal_unclassified": [n for n in unclassified if _PERSONAL_HINTS.search(n)],
        "levels": levels,
        "has_restricted": any(level in SENSITIVE_CLASSIFICATIONS for level in levels),
    }


def _lineage(pid: str, ev: Evidence, statuses: Mapping[str, str]) -> dict[str, Any]:
    upstream = sorted({e["upstream_product"] for e in ev.lineage if e["downstream_product"] == pid})
    downstream = sorted(
        {e["downstream_product"] for e in ev.lineage if e["upstream_product"] == pid}
    )
    observed = sorted(
        {e["upstream_product"] for e in ev.observed_lineage if e["downstream_product"] == pid}
        - {pid}
    )
    deprecated = sorted({u for u in upstream + observed if statuses.get(u) in RETIRING_STATUSES})
    return {
        "upstream": upstream,
        "downstream": downstream,
        "observed_upstream": observed,
        "undeclared_upstream": sorted(set(observed) - set(upstream)),
        "deprecated_upstream": deprecated,
        "consumers": len(downstream),
    }


def _quality(pid: str, ev: Evidence, now: datetime) -> dict[str, Any]:
    window = ev.check_window.get(pid, {"checks": 0, "passed": 0, "days": 0})
    latest = ev.latest_checks.get(pid, [])
    newest = max((c["run_time"] for c in latest), default=None)
    # Each check is classified once, then grouped by dimension.
    latest_by: dict[str, list[dict[str, Any]]] = {name: [] for name in CHECK_DIMENSIONS}
    window_by: dict[str, list[dict[str, Any]]] = {name: [] for name in CHECK_DIMENSIONS}
    for c in latest:
        latest_by[dimension_of(c["check_name"])].append(c)
    for c in ev.check_names.get(pid, []):
        window_by[dimension_of(c["check_name"])].append(c)
    dimensions: dict[str, dict[str, Any]] = {}
    for name in CHECK_DIMENSIONS:
        now_checks, in_window = latest_by[name], window_by[name]
        checks = sum(c["checks"] for c in in_window)
        dimensions[name] = {
            "latest_checks": len(now_checks),
            "latest_pass_rate": _rate(sum(c["success"] for c in now_checks), len(now_checks)),
            "window_checks": checks,
            "window_pass_rate": _rate(sum(int(c["passed"] or 0) for c in in_window), checks),
        }
    failed = [c for c in latest if not c["success"]]
    return {
        "has_checks": bool(latest),
        "window_days": QUALITY_WINDOW.days,
        "window_checks": window["checks"],
        "window_pass_rate": _rate(window["passed"], window["checks"]),
        "days_with_checks": window["days"],
        "latest_run_time": iso(newest),
        "latest_run_age_hours": hours(now - newest) if newest else None,
        "latest_checks": len(latest),
        "latest_failed": len(failed),
        "latest_failed_checks": sorted(
            {f"{c['check_name']}({c['column_name'] or ''})" for c in failed}
        ),
        "latest_pass_rate": _rate(len(latest) - len(failed), len(latest)),
        "tools": sorted({c["source_tool"] for c in latest}),
        "suites": sorted({c["suite"] for c in latest}),
        "dimensions": dimensions,
    }


def _runs(pid: str, ev: Evidence, now: datetime) -> dict[str, Any]:
    since = now - RUNS_WINDOW
    runs = [r for r in ev.runs.get(pid, []) if (r["ended_at"] or r["started_at"]) >= since]
    finished = [r for r in runs if r["state"] in FINISHED_RUN_STATES]
    succeeded = sum(r["state"] == "success" for r in finished)
    last_success = ev.last_success.get(pid)
    last = runs[-1] if runs else None
    return {
        "window_days": RUNS_WINDOW.days,
        "total": len(finished),
        "succeeded": succeeded,
        "failed": len(finished) - succeeded,
        "success_rate": _rate(succeeded, len(finished)),
        "last_state": last["state"] if last else None,
        "last_run_time": iso(last["ended_at"] or last["started_at"]) if last else None,
        "last_success_time": iso(last_success),
        "last_success_age_hours": hours(now - last_success) if last_success else None,
        "jobs": sorted({r["job"] for r in runs}),
    }


def _logs(bands: Mapping[str, int]) -> dict[str, Any]:
    records = sum(bands.values())
    errors = bands.get("ERROR", 0) + bands.get("FATAL", 0)
    return {
        "window_days": LOGS_WINDOW.days,
        "records": records,
        "errors": errors,
        "warnings": bands.get("WARN", 0),
        "error_rate": _rate(errors, records),
    }


def _audit(found: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    last = found.get("last")
    return {
        "window_days": AUDIT_WINDOW.days,
        "consumers": found.get("consumers", 0),
        "accesses": found.get("accesses", 0),
        "changes": found.get("changes", 0),
        "last_access_time": iso(last),
        "last_access_age_hours": hours(now - last) if last else None,
    }


def _waiver(waiver: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    expires = waiver.get("expires_at")
    return {
        "policy_id": waiver["policy_id"],
        "reason": waiver.get("reason"),
        "approved_by": waiver.get("approved_by"),
        "expires_at": iso(expires),
        "active": waiver.get("status") == "approved" and (expires is None or expires > now),
    }


def _evidence_age(collected: datetime | None, now: datetime) -> dict[str, Any]:
    return {
        "last_collected_time": iso(collected),
        "age_hours": hours(now - collected) if collected else None,
    }


# --- helpers ----------------------------------------------------------------------------


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


def hours(delta: timedelta) -> float:
    """A duration in hours, rounded to the millisecond-ish."""
    return round(delta.total_seconds() / 3600, 3)


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, or None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None
