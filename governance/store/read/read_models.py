"""Read models: the pre-shaped queries that the CLI exports and the app pages read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select

from governance.store.schema.tables import (
    check_daily,
    check_results,
    collector_files,
    collector_runs,
    contract_columns,
    contracts,
    domains,
    lineage_edges,
    ports,
    products,
)
from governance.store.schema.types import days_before


def list_products(connection: Connection, domain: str | None = None) -> list[dict[str, Any]]:
    """Registered products with their ports, ordered by domain then id."""
    query = select(products).order_by(products.c.domain_id, products.c.id)
    if domain:
        query = query.where(products.c.domain_id == domain)
    rows = [dict(row._mapping) for row in connection.execute(query)]
    by_product = _ports_by_product(connection)
    for row in rows:
        row["ports"] = by_product.get(row["id"], [])
    return rows


def product_ports(connection: Connection, product_id: str) -> list[dict[str, Any]]:
    """One product's ports, outputs first."""
    return _ports_by_product(connection, product_id).get(product_id, [])


def _ports_by_product(
    connection: Connection, product_id: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    query = select(ports).order_by(ports.c.product_id, ports.c.kind.desc(), ports.c.name)
    if product_id is not None:
        query = query.where(ports.c.product_id == product_id)
    by_product: dict[str, list[dict[str, Any]]] = {}
    for port in connection.execute(query):
        by_product.setdefault(port.product_id, []).append(
            {
                "name": port.name,
                "kind": port.kind,
                "version": port.version,
                "type": port.type,
                "contract_id": port.contract_id,
            }
        )
    return by_product


def list_domains(connection: Connection) -> list[dict[str, Any]]:
    """Domains with how many products each holds."""
    query = (
        select(domains.c.id, domains.c.name, func.count(products.c.id).label("products"))
        .select_from(domains.outerjoin(products, products.c.domain_id == domains.c.id))
        .group_by(domains.c.id, domains.c.name)
        .order_by(domains.c.id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def product_row(connection: Connection, product_id: str) -> dict[str, Any] | None:
    """One product's registry row, or None."""
    row = connection.execute(select(products).where(products.c.id == product_id)).first()
    return dict(row._mapping) if row else None


def product_contracts(connection: Connection, product_id: str) -> list[dict[str, Any]]:
    """The contracts behind a product's output ports (newest stored version), with columns."""
    contract_ids = select(ports.c.contract_id).where(
        ports.c.product_id == product_id, ports.c.kind == "output", ports.c.contract_id.is_not(None)
    )
    found = connection.execute(
        select(contracts)
        .where(contracts.c.id.in_(contract_ids))
        .order_by(contracts.c.id, contracts.c.version)
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in found:
        latest[row.id] = dict(row._mapping)  # ordered by version: the last one wins
    for contract in latest.values():
        columns = connection.execute(
            select(contract_columns)
            .where(
                contract_columns.c.contract_id == contract["id"],
                contract_columns.c.contract_version == contract["version"],
            )
            .order_by(contract_columns.c.object_name, contract_columns.c.name)
        )
        contract["columns"] = [dict(c._mapping) for c in columns]
    return list(latest.values())


def product_lineage(connection: Connection, product_id: str) -> dict[str, list[dict[str, Any]]]:
    """Upstream and downstream neighbours of a product, and the sources no product serves.

    "sources" are input ports whose contract no registered product serves: operational
    systems (or products not registered yet), shown so lineage never silently ends.
    """
    query = select(lineage_edges).where(
        or_(
            lineage_edges.c.upstream_product == product_id,
            lineage_edges.c.downstream_product == product_id,
        )
    )
    upstream: list[dict[str, Any]] = []
    downstream: list[dict[str, Any]] = []
    for edge in connection.execute(query):
        record = dict(edge._mapping)
        (upstream if edge.downstream_product == product_id else downstream).append(record)
    served = select(ports.c.contract_id).where(
        ports.c.kind == "output", ports.c.contract_id.is_not(None)
    )
    sources_query = (
        select(ports.c.name, ports.c.contract_id, func.max(contracts.c.name).label("contract_name"))
        .select_from(ports.outerjoin(contracts, contracts.c.id == ports.c.contract_id))
        .where(ports.c.product_id == product_id, ports.c.kind == "input")
        .where(ports.c.contract_id.not_in(served))
        .group_by(ports.c.name, ports.c.contract_id)
        .order_by(ports.c.name)
    )
    sources = [
        {"port": row.name, "contract_id": row.contract_id, "contract_name": row.contract_name}
        for row in connection.execute(sources_query)
    ]
    return {"upstream": upstream, "downstream": downstream, "sources": sources}


def latest_run_checks(connection: Connection, product_id: str) -> list[dict[str, Any]]:
    """Per suite (and tool), every check of its most recent run; failures first."""
    newest = (
        select(
            check_results.c.source_tool,
            check_results.c.suite,
            func.max(check_results.c.run_time).label("run_time"),
        )
        .where(check_results.c.product_id == product_id)
        .group_by(check_results.c.source_tool, check_results.c.suite)
        .subquery()
    )
    query = (
        select(check_results)
        .join(
            newest,
            (newest.c.source_tool == check_results.c.source_tool)
            & (newest.c.suite == check_results.c.suite)
            & (newest.c.run_time == check_results.c.run_time),
        )
        .where(check_results.c.product_id == product_id)
        .order_by(check_results.c.success, check_results.c.suite, check_results.c.check_name)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def daily_pass_rate(
    connection: Connection, product_id: str | None = None, days: int | None = None
) -> list[dict[str, Any]]:
    """Pass rate per day (and per product) from the rollup, for trend charts."""
    query = select(
        check_daily.c.product_id,
        check_daily.c.day,
        func.sum(check_daily.c.checks).label("checks"),
        func.sum(check_daily.c.passed).label("passed"),
    ).group_by(check_daily.c.product_id, check_daily.c.day)
    if product_id:
        query = query.where(check_daily.c.product_id == product_id)
    if days:
        newest = connection.scalar(select(func.max(check_daily.c.day)))
        if newest is not None:
            query = query.where(check_daily.c.day > newest - timedelta(days=days))
    rows = []
    for row in connection.execute(query.order_by(check_daily.c.day, check_daily.c.product_id)):
        rows.append(
            {
                "product_id": row.product_id,
                "day": row.day,
                "checks": int(row.checks),
                "passed": int(row.passed),
                "pass_rate": row.passed / row.checks if row.checks else None,
            }
        )
    return rows


QUALITY_WINDOW_DAYS = 7


@dataclass(frozen=True)
class QualityFigure:
    """A first health figure from quality evidence alone (the engine replaces it later)."""

    product_id: str
    pass_rate: float | None  # None: no evidence, never shown as healthy
    checks: int
    last_day: date | None
    window_days: int = QUALITY_WINDOW_DAYS


# Evidence older than this is not read by the overview: a product silent for longer shows
# "no evidence" (with no last day), and the page costs the same at 90 or 900 days.
EVIDENCE_HORIZON_DAYS = 120


def quality_figures(
    connection: Connection, window_days: int = QUALITY_WINDOW_DAYS
) -> dict[str, QualityFigure]:
    """Per product: pass rate over the last `window_days` days of that product's evidence."""
    newest_day = connection.scalar(select(func.max(check_daily.c.day)))
    horizon = (newest_day - timedelta(days=EVIDENCE_HORIZON_DAYS)) if newest_day else None
    recent = check_daily.c.day > horizon if horizon else check_daily.c.day.is_not(None)
    newest = (
        select(check_daily.c.product_id, func.max(check_daily.c.day).label("last_day"))
        .where(recent)
        .group_by(check_daily.c.product_id)
        .subquery()
    )
    # Summed in SQL: at 5,000 products the horizon holds over a million daily rows.
    in_window = (
        select(
            newest.c.product_id,
            newest.c.last_day,
            func.sum(check_daily.c.checks).label("checks"),
            func.sum(check_daily.c.passed).label("passed"),
        )
        .join_from(newest, check_daily, check_daily.c.product_id == newest.c.product_id)
        .where(recent, check_daily.c.day > days_before(newest.c.last_day, window_days))
        .group_by(newest.c.product_id, newest.c.last_day)
    )
    sums = {row.product_id: row for row in connection.execute(in_window)}
    figures = {}
    for product_id in connection.scalars(select(products.c.id)):
        row = sums.get(product_id)
        checks, passed = (int(row.checks), int(row.passed)) if row else (0, 0)
        figures[product_id] = QualityFigure(
            product_id=product_id,
            pass_rate=passed / checks if checks else None,
            checks=checks,
            last_day=row.last_day if row else None,
            window_days=window_days,
        )
    return figures


def collector_run_log(connection: Connection, run_id: str | None = None) -> list[dict[str, Any]]:
    """Collector runs per source, newest first, each with the files it read or refused."""
    query = select(collector_runs).order_by(collector_runs.c.id.desc())
    if run_id:
        query = query.where(collector_runs.c.run_id == run_id)
    runs = [dict(row._mapping) for row in connection.execute(query)]
    by_id = {run["id"]: run for run in runs}
    for run in runs:
        run["files"] = []
    if by_id:
        ids = list(by_id)
        for start in range(0, len(ids), 500):
            files = select(collector_files).where(
                collector_files.c.collector_run_id.in_(ids[start : start + 500])
            )
            for row in connection.execute(files.order_by(collector_files.c.id)):
                by_id[row.collector_run_id]["files"].append(dict(row._mapping))
    return runs
