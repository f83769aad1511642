"""Facts documents for engine tests: one healthy gold product, and ways to break it.

`healthy_facts()` has every section and field that governance/engine/facts.py produces
(`build_facts`, then `governance.engine.sli.attach_slos` for slos and slo_summary), with values
that pass every policy of the default pack (test_policy_pack.py checks both). Tests change
one thing at a time:

    healthy_facts(owners=[])                       # replace a top-level section
    healthy_facts(product__tier="silver")          # set a nested field (`__` separates keys)
    with_path(facts, "quality.has_checks", False)  # a deep copy with one field changed
    with_path(facts, "ports.output.0.type", None)  # list items by index
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
PRODUCT_ID = "orders"
CONTRACT_ID = "orders-contract"


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC, as facts.py writes times."""
    return moment.isoformat().replace("+00:00", "Z")


def slo_status(
    name: str,
    status: str = "ok",
    *,
    target: float = 0.99,
    attainment: float | None = 0.999,
    error_budget_remaining: float | None = 0.9,
    source: str = "openslo",
) -> dict[str, Any]:
    """One entry of facts["slos"] (governance.engine.sli._status_facts)."""
    if status == "no_data":
        attainment = error_budget_remaining = None
    elif status == "exhausted":
        attainment, error_budget_remaining = min(attainment or target, target - 0.01), -0.5
    return {
        "name": name,
        "source": source,
        "budgeting_method": "Occurrences",
        "target": target,
        "period_days": 28.0,
        "attainment": attainment,
        "error_budget_remaining": error_budget_remaining,
        "burn_rate_long": None if status == "no_data" else 0.1,
        "burn_rate_short": None if status == "no_data" else 0.1,
        "time_to_exhaustion_hours": None,
        "status": status,
    }


def slo_summary(slos: list[Mapping[str, Any]]) -> dict[str, int]:
    """facts["slo_summary"] for a list of SLO statuses (governance.engine.sli.attach_slos)."""
    states = [s["status"] for s in slos]
    return {"declared": len(slos)} | {
        state: states.count(state)
        for state in ("ok", "at_risk", "breached", "exhausted", "no_data")
    }


def waiver(
    policy_id: str,
    *,
    active: bool = True,
    expires_at: datetime | None = NOW + timedelta(days=30),
    reason: str = "migration planned",
    approved_by: str = "board",
) -> dict[str, Any]:
    """One entry of facts["waivers"] (governance.engine.facts._waiver)."""
    return {
        "policy_id": policy_id,
        "reason": reason,
        "approved_by": approved_by,
        "expires_at": iso(expires_at) if expires_at else None,
        "active": active,
    }


def _quality_dimensions() -> dict[str, dict[str, Any]]:
    dims = {
        name: {
            "latest_checks": 0,
            "latest_pass_rate": None,
            "window_checks": 0,
            "window_pass_rate": None,
        }
        for name in ("completeness", "uniqueness", "timeliness", "volume", "validity", "other")
    }
    dims["completeness"] = {
        "latest_checks": 2,
        "latest_pass_rate": 1.0,
        "window_checks": 14,
        "window_pass_rate": 1.0,
    }
    dims["uniqueness"] = {
        "latest_checks": 1,
        "latest_pass_rate": 1.0,
        "window_checks": 7,
        "window_pass_rate": 1.0,
    }
    dims["volume"] = {
        "latest_checks": 1,
        "latest_pass_rate": 1.0,
        "window_checks": 7,
        "window_pass_rate": 1.0,
    }
    return dims


def healthy_facts(**overrides: Any) -> dict[str, Any]:
    """A complete facts document for a healthy gold product in domain sales.

    A keyword replaces a top-level section (`owners=[]`); `a__b=value` sets the nested
    field a.b (`product__tier="silver"`).
    """
    checked = NOW - timedelta(hours=3)
    succeeded = NOW - timedelta(hours=2)
    slos = [slo_status("orders-freshness", source="odcs"), slo_status("orders-complete")]
    facts: dict[str, Any] = {
        "now": iso(NOW),
        "product": {
            "id": PRODUCT_ID,
            "name": "Orders",
            "domain": "sales",
            "status": "active",
            "tier": "gold",
            "version": "1.2.0",
            "description": "Every order placed in the web shop, one row per order line.",
            "tags": ["sales", "orders"],
        },
        "owners": [{"username": "alice", "name": "Alice Owner", "role": "owner"}],
        "team": [
            {"username": "alice", "name": "Alice Owner", "role": "owner"},
            {"username": "bob", "name": "Bob Engineer", "role": "data engineer"},
        ],
        "support": [
            {
                "channel": "#sales-orders",
                "url": "https://chat.example.com/sales-orders",
                "tool": "slack",
            }
        ],
        "ports": {
            "output": [
                {
                    "name": "orders",
                    "version": "1.2.0",
                    "type": "tables",
                    "contract_id": CONTRACT_ID,
                    "has_contract": True,
                    "contract_status": "active",
                }
            ],
            "input": [
                {
                    "name": "customers",
                    "version": "2.0.0",
                    "contract_id": "customers-contract",
                    "upstream_products": ["customers"],
                    "upstream_deprecated": [],
                }
            ],
        },
        "contracts": [
            {
                "id": CONTRACT_ID,
                "version": "1.2.0",
                "status": "active",
                "columns": 4,
                "classified_columns": 4,
                "unclassified_columns": [],
                "sla": {
                    "latency_hours": 24.0,
                    "frequency_hours": 24.0,
                    "availability": 0.99,
                    "retention_days": 365.0,
                },
                "quality_rules": 3,
            }
        ],
        "classification": {
            "columns": 4,
            "classified": 4,
            "unclassified": [],
            "suspected_personal_unclassified": [],
            "levels": ["confidential", "internal"],
            "has_restricted": True,
        },
        "lineage": {
            "upstream": ["customers"],
            "downstream": ["revenue"],
            "observed_upstream": ["customers"],
            "undeclared_upstream": [],
            "deprecated_upstream": [],
            "consumers": 1,
        },
        "quality": {
            "has_checks": True,
            "window_days": 7,
            "window_checks": 28,
            "window_pass_rate": 1.0,
            "days_with_checks": 7,
            "latest_run_time": iso(checked),
            "latest_run_age_hours": 3.0,
            "latest_checks": 4,
            "latest_failed": 0,
            "latest_failed_checks": [],
            "latest_pass_rate": 1.0,
            "tools": ["great_expectations"],
            "suites": ["orders_suite"],
            "dimensions": _quality_dimensions(),
        },
        "runs": {
            "window_days": 30,
            "total": 30,
            "succeeded": 30,
            "failed": 0,
            "success_rate": 1.0,
            "last_state": "success",
            "last_run_time": iso(succeeded),
            "last_success_time": iso(succeeded),
            "last_success_age_hours": 2.0,
            "jobs": ["orders_daily"],
        },
        "logs": {
            "window_days": 7,
            "records": 1200,
            "errors": 0,
            "warnings": 3,
            "error_rate": 0.0,
        },
        "audit": {
            "window_days": 30,
            "consumers": 3,
            "accesses": 42,
            "changes": 2,
            "last_access_time": iso(NOW - timedelta(hours=5)),
            "last_access_age_hours": 5.0,
        },
        "slos": slos,
        "slo_summary": slo_summary(slos),
        "review": {"open_items": 0},
        "waivers": [],
        "evidence": {
            "last_collected_time": iso(NOW - timedelta(hours=1)),
            "age_hours": 1.0,
        },
    }
    for key, value in overrides.items():
        facts = with_path(facts, key.replace("__", "."), value)
    return facts


def _parent(document: Any, parts: list[str]) -> Any:
    node = document
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def with_path(facts: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of facts with the field at a dotted path ("quality.has_checks") set."""
    result = copy.deepcopy(dict(facts))
    *parents, last = path.split(".")
    node = _parent(result, parents)
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return result


def with_paths(facts: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of facts with several dotted paths set."""
    result = copy.deepcopy(dict(facts))
    for path, value in changes.items():
        result = with_path(result, path, value)
    return result


def without_path(facts: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A deep copy of facts without the field at a dotted path."""
    result = copy.deepcopy(dict(facts))
    *parents, last = path.split(".")
    node = _parent(result, parents)
    if isinstance(node, list):
        del node[int(last)]
    else:
        del node[last]
    return result


def without_checks(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The same product with no quality check evidence at all (rates are null, not 0)."""
    empty_dims = {
        name: {
            "latest_checks": 0,
            "latest_pass_rate": None,
            "window_checks": 0,
            "window_pass_rate": None,
        }
        for name in facts["quality"]["dimensions"]
    }
    return with_path(
        facts,
        "quality",
        {
            "has_checks": False,
            "window_days": 7,
            "window_checks": 0,
            "window_pass_rate": None,
            "days_with_checks": 0,
            "latest_run_time": None,
            "latest_run_age_hours": None,
            "latest_checks": 0,
            "latest_failed": 0,
            "latest_failed_checks": [],
            "latest_pass_rate": None,
            "tools": [],
            "suites": [],
            "dimensions": empty_dims,
        },
    )


def with_slos(facts: Mapping[str, Any], slos: list[dict[str, Any]]) -> dict[str, Any]:
    """The same product with these SLO statuses (and the summary that goes with them)."""
    return with_paths(facts, {"slos": slos, "slo_summary": slo_summary(slos)})
