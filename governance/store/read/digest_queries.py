"""Reads for the daily digests: what the newest evaluation found failing, and what expires."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from governance.model import incidents as incident_records
from governance.model.vocabulary import VIOLATION_OUTCOMES
from governance.store.read.fact_queries import latest_checks
from governance.store.read.judgements import latest_policy_results, latest_slo_status
from governance.store.schema.board_tables import access_grants
from governance.store.schema.engine_tables import waivers

ByProduct = dict[str, list[dict[str, Any]]]


def failing_policies(connection: Connection) -> ByProduct:
    """Enforced policies that fail (or cannot be evaluated), by product."""
    found: ByProduct = defaultdict(list)
    for row in latest_policy_results(connection):
        if row["lifecycle"] == "enforced" and row["outcome"] in VIOLATION_OUTCOMES:
            found[row["product_id"]].append(row)
    return dict(found)


def failing_checks(connection: Connection) -> ByProduct:
    """Checks that failed in each product's newest run (warnings left out), by product."""
    return incident_records.failing_checks(latest_checks(connection))


def burning_slos(connection: Connection) -> ByProduct:
    """SLOs breached or with their error budget exhausted, by product."""
    found: ByProduct = defaultdict(list)
    for row in latest_slo_status(connection):
        if row["status"] in incident_records.BURNING_SLO:
            found[row["product_id"]].append(row)
    return dict(found)


def approved_waivers(connection: Connection) -> list[dict[str, Any]]:
    """Approved waivers (each counts until its expiry)."""
    query = select(waivers).where(waivers.c.status == "approved").order_by(waivers.c.id)
    return [dict(r._mapping) for r in connection.execute(query)]


def active_grants(connection: Connection) -> list[dict[str, Any]]:
    """Access grants in force."""
    query = select(access_grants).where(access_grants.c.status == "active")
    return [dict(r._mapping) for r in connection.execute(query.order_by(access_grants.c.id))]
