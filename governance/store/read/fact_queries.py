"""The evidence behind the facts documents, read in bulk: one query per kind for the mesh.

The engine evaluates every product at once, so each function here returns a mapping by
product id from a handful of grouped queries instead of a query per product: evaluating
1,000 products must not mean 20,000 round trips. Windows are bounded below by `since`, and
every query reads daily rollups or indexed (product, time) ranges. `read_evidence` runs
them all and hands the engine one Evidence record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from governance.model.evidence import (
    AUDIT_WINDOW,
    LOGS_WINDOW,
    QUALITY_WINDOW,
    RUNS_WINDOW,
    SLO_LOOKBACK,
    Evidence,
    ProductRows,
)
from governance.store.schema.tables import (
    audit_events,
    check_daily,
    check_results,
    collector_runs,
    contract_columns,
    contracts,
    domains,
    lineage_edges,
    log_daily,
    observed_lineage,
    pipeline_runs,
    ports,
    products,
    sli_samples,
    slo_definitions,
)


def read_evidence(
    connection: Connection,
    now: datetime,
    waivers: ProductRows | None = None,
    open_items: Mapping[str, int] | None = None,
) -> Evidence:
    """Read the store once for the whole mesh."""
    return Evidence(
        products=product_rows(connection),
        ports=port_rows(connection),
        contracts=latest_contracts(connection),
        lineage=lineage_rows(connection),
        observed_lineage=observed_lineage_rows(connection, now - RUNS_WINDOW),
        check_window=check_window(connection, now - QUALITY_WINDOW),
        check_names=check_names_window(connection, now - QUALITY_WINDOW),
        latest_checks=latest_checks(connection),
        runs=run_rows(connection, now - SLO_LOOKBACK),
        last_success=last_successful_runs(connection),
        logs=log_window(connection, now - LOGS_WINDOW),
        audit=audit_window(connection, now - AUDIT_WINDOW, now),
        slos=slo_rows(connection),
        slis=sli_rows(connection, now - SLO_LOOKBACK),
        collected=last_collected(connection),
        waivers=waivers or {},
        open_items=dict(open_items or {}),
    )


def product_rows(connection: Connection) -> dict[str, dict[str, Any]]:
    """Every registered product with its domain's name."""
    query = select(products, domains.c.name.label("domain_name")).join(
        domains, domains.c.id == products.c.domain_id
    )
    return {row.id: dict(row._mapping) for row in connection.execute(query)}


def port_rows(connection: Connection) -> ProductRows:
    """Ports by product."""
    found: ProductRows = defaultdict(list)
    for row in connection.execute(select(ports).order_by(ports.c.kind.desc(), ports.c.name)):
        found[row.product_id].append(dict(row._mapping))
    return found


def latest_contracts(connection: Connection) -> dict[str, dict[str, Any]]:
    """The newest registered version of every contract, with its columns."""
    latest: dict[str, dict[str, Any]] = {}
    for row in connection.execute(select(contracts).order_by(contracts.c.registered_at)):
        latest[row.id] = dict(row._mapping) | {"columns": []}
    for row in connection.execute(select(contract_columns)):
        contract = latest.get(row.contract_id)
        if contract is not None and contract["version"] == row.contract_version:
            contract["columns"].append(dict(row._mapping))
    return latest


def lineage_rows(connection: Connection) -> list[dict[str, Any]]:
    """Declared product-to-product edges."""
    return [dict(row._mapping) for row in connection.execute(select(lineage_edges))]


def observed_lineage_rows(connection: Connection, since: datetime) -> list[dict[str, Any]]:
    """Product-to-product edges seen in OpenLineage events since `since`."""
    query = select(
        observed_lineage.c.upstream_product,
        observed_lineage.c.downstream_product,
        func.max(observed_lineage.c.last_seen).label("last_seen"),
    ).where(
        observed_lineage.c.upstream_product.is_not(None),
        observed_lineage.c.downstream_product.is_not(None),
        observed_lineage.c.last_seen >= since,
    )
    query = query.group_by(
        observed_lineage.c.upstream_product, observed_lineage.c.downstream_product
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def check_window(connection: Connection, since: datetime) -> dict[str, dict[str, int]]:
    """Checks and passes per product from the daily rollup, days on or after `since`."""
    query = (
        select(
            check_daily.c.product_id,
            func.sum(check_daily.c.checks),
            func.sum(check_daily.c.passed),
            func.count(func.distinct(check_daily.c.day)),
        )
        .where(check_daily.c.day >= since.date())
        .group_by(check_daily.c.product_id)
    )
    return {
        product: {"checks": int(checks), "passed": int(passed), "days": int(days)}
        for product, checks, passed, days in connection.execute(query)
    }


def check_names_window(connection: Connection, since: datetime) -> ProductRows:
    """Per product and check name: results and passes since `since` (for dimensions)."""
    query = (
        select(
            check_results.c.product_id,
            check_results.c.check_name,
            func.count().label("checks"),
            func.sum(case((check_results.c.success, 1), else_=0)).label("passed"),
        )
        .where(check_results.c.product_id.is_not(None), check_results.c.run_time >= since)
        .group_by(check_results.c.product_id, check_results.c.check_name)
    )
    found: ProductRows = defaultdict(list)
    for row in connection.execute(query):
        found[row.product_id].append(dict(row._mapping))
    return found


def latest_checks(connection: Connection) -> ProductRows:
    """Every check of each product's newest run per tool and suite."""
    newest = (
        select(
            check_results.c.product_id,
            check_results.c.source_tool,
            check_results.c.suite,
            func.max(check_results.c.run_time).label("run_time"),
        )
        .where(check_results.c.product_id.is_not(None))
        .group_by(check_results.c.product_id, check_results.c.source_tool, check_results.c.suite)
        .subquery()
    )
    query = select(
        check_results.c.product_id,
        check_results.c.source_tool,
        check_results.c.suite,
        check_results.c.check_name,
        check_results.c.column_name,
        check_results.c.status,
        check_results.c.success,
        check_results.c.run_time,
    ).join(
        newest,
        and_(
            newest.c.product_id == check_results.c.product_id,
            newest.c.source_tool == check_results.c.source_tool,
            newest.c.suite == check_results.c.suite,
            newest.c.run_time == check_results.c.run_time,
        ),
    )
    found: ProductRows = defaultdict(list)
    for row in connection.execute(query):
        found[row.product_id].append(dict(row._mapping))
    return found


def run_rows(connection: Connection, since: datetime) -> ProductRows:
    """Pipeline runs per product that started or ended since `since`, oldest first."""
    moment = func.coalesce(pipeline_runs.c.ended_at, pipeline_runs.c.started_at)
    query = (
        select(
            pipeline_runs.c.product_id,
            pipeline_runs.c.job,
            pipeline_runs.c.state,
            pipeline_runs.c.started_at,
            pipeline_runs.c.ended_at,
        )
        .where(pipeline_runs.c.product_id.is_not(None), moment >= since)
        .order_by(moment)
    )
    found: ProductRows = defaultdict(list)
    for row in connection.execute(query):
        found[row.product_id].append(dict(row._mapping))
    return found


def last_successful_runs(connection: Connection) -> dict[str, datetime]:
    """When each product's newest successful run ended (at any age)."""
    query = (
        select(pipeline_runs.c.product_id, func.max(pipeline_runs.c.ended_at))
        .where(pipeline_runs.c.product_id.is_not(None), pipeline_runs.c.state == "success")
        .group_by(pipeline_runs.c.product_id)
    )
    return {product: ended for product, ended in connection.execute(query) if ended}


def log_window(connection: Connection, since: datetime) -> dict[str, dict[str, int]]:
    """Log records per product and severity band from the daily rollup since `since`."""
    query = (
        select(log_daily.c.product_id, log_daily.c.severity, func.sum(log_daily.c.records))
        .where(log_daily.c.day >= since.date())
        .group_by(log_daily.c.product_id, log_daily.c.severity)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for product, severity, records in connection.execute(query):
        found[product][severity] = int(records)
    return found


def audit_window(
    connection: Connection, since: datetime, until: datetime
) -> dict[str, dict[str, Any]]:
    """Per product in [since, until]: reads, distinct readers, changes, newest read."""
    query = (
        select(
            audit_events.c.product_id,
            audit_events.c.read_only,
            func.count(),
            func.count(func.distinct(audit_events.c.actor)),
            func.max(audit_events.c.time),
        )
        .where(audit_events.c.product_id.is_not(None), audit_events.c.time >= since)
        .where(audit_events.c.time <= until)
        .group_by(audit_events.c.product_id, audit_events.c.read_only)
    )
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for product, read_only, events, actors, newest in connection.execute(query):
        if read_only:
            found[product].update(accesses=int(events), consumers=int(actors), last=newest)
        else:
            found[product].update(changes=int(events))
    return found


def slo_rows(connection: Connection) -> ProductRows:
    """Declared SLOs (OpenSLO) by product."""
    found: ProductRows = defaultdict(list)
    query = select(slo_definitions).where(slo_definitions.c.product_id.is_not(None))
    for row in connection.execute(query.order_by(slo_definitions.c.name)):
        found[row.product_id].append(dict(row._mapping))
    return found


def sli_rows(connection: Connection, since: datetime) -> ProductRows:
    """SLI samples by product since `since`, oldest first."""
    query = (
        select(
            sli_samples.c.product_id,
            sli_samples.c.indicator,
            sli_samples.c.slo,
            sli_samples.c.time,
            sli_samples.c.good,
            sli_samples.c.total,
            sli_samples.c.value,
        )
        .where(sli_samples.c.product_id.is_not(None), sli_samples.c.time >= since)
        .order_by(sli_samples.c.time)
    )
    found: ProductRows = defaultdict(list)
    for row in connection.execute(query):
        found[row.product_id].append(dict(row._mapping))
    return found


def last_collected(connection: Connection) -> dict[str, datetime]:
    """When a collector run last finished for sources attributed to each product."""
    query = (
        select(collector_runs.c.product_id, func.max(collector_runs.c.finished_at))
        .where(collector_runs.c.product_id.is_not(None))
        .group_by(collector_runs.c.product_id)
    )
    return dict(connection.execute(query).all())
