"""Read models behind `meshgov export`: every kind of evidence, flat, oldest first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, or_, select

from governance.store.read.judgements import export_policies, export_scores, export_slo_status
from governance.store.schema.tables import (
    audit_events,
    check_results,
    lineage_edges,
    log_records,
    observed_lineage,
    pipeline_runs,
    sli_samples,
    slo_definitions,
)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, the form every export uses."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _rows(
    connection: Connection,
    table: Table,
    order: list[Any],
    product_id: str | None,
    shape: Callable[[Any], dict[str, Any]],
) -> Iterator[dict[str, Any]]:
    query = select(table).order_by(*order)
    if product_id is not None:
        query = query.where(table.c.product_id == product_id)
    for row in connection.execute(query):
        yield shape(row)


def export_checks(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Check results from every quality tool."""
    return list(
        _rows(
            connection,
            check_results,
            [check_results.c.run_time, check_results.c.id],
            product_id,
            lambda r: {
                "product": r.product_id,
                "port": r.port,
                "source_tool": r.source_tool,
                "suite": r.suite,
                "check": r.check_name,
                "column": r.column_name,
                "success": r.success,
                "status": r.status,
                "unexpected_count": r.unexpected_count,
                "unexpected_percent": r.unexpected_percent,
                "element_count": r.element_count,
                "run_time": iso(r.run_time),
                "source": r.source,
            },
        )
    )


def export_runs(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Pipeline runs (dbt models, OpenLineage jobs)."""
    return list(
        _rows(
            connection,
            pipeline_runs,
            [pipeline_runs.c.started_at, pipeline_runs.c.id],
            product_id,
            lambda r: {
                "product": r.product_id,
                "job": r.job,
                "run_id": r.run_id,
                "state": r.state,
                "started_at": iso(r.started_at),
                "ended_at": iso(r.ended_at),
                "source_tool": r.source_tool,
                "source": r.source,
            },
        )
    )


def export_logs(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Log records."""
    return list(
        _rows(
            connection,
            log_records,
            [log_records.c.time, log_records.c.id],
            product_id,
            lambda r: {
                "product": r.product_id,
                "time": iso(r.time),
                "severity_number": r.severity_number,
                "severity_text": r.severity_text,
                "body": r.body,
                "run_id": r.run_id,
                "trace_id": r.trace_id,
                "service": r.service,
                "source": r.source,
            },
        )
    )


def export_audit(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Audit events."""
    return list(
        _rows(
            connection,
            audit_events,
            [audit_events.c.time, audit_events.c.id],
            product_id,
            lambda r: {
                "time": iso(r.time),
                "actor": r.actor,
                "action": r.action,
                "resource": r.resource,
                "product": r.product_id,
                "read_only": r.read_only,
                "source_tool": r.source_tool,
                "source": r.source,
            },
        )
    )


def export_slos(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """SLO definitions."""
    return list(
        _rows(
            connection,
            slo_definitions,
            [slo_definitions.c.product_id, slo_definitions.c.name],
            product_id,
            lambda r: {
                "product": r.product_id,
                "name": r.name,
                "indicator": r.indicator,
                "target": r.target,
                "window": r.window,
                "budgeting_method": r.budgeting_method,
                "source_tool": r.source_tool,
                "source": r.source,
            },
        )
    )


def export_lineage(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """Lineage as declared (ports and contracts) and as observed at run time."""
    declared = select(lineage_edges).order_by(
        lineage_edges.c.upstream_product, lineage_edges.c.downstream_product
    )
    observed = select(observed_lineage).order_by(observed_lineage.c.first_seen)
    if product_id is not None:
        declared = declared.where(
            or_(
                lineage_edges.c.upstream_product == product_id,
                lineage_edges.c.downstream_product == product_id,
            )
        )
        observed = observed.where(
            or_(
                observed_lineage.c.upstream_product == product_id,
                observed_lineage.c.downstream_product == product_id,
            )
        )
    rows = [
        {
            "upstream_product": r.upstream_product,
            "downstream_product": r.downstream_product,
            "dataset": r.contract_id,
            "kind": "declared",
            "via": f"{r.upstream_port} → {r.downstream_port}",
            "first_seen": None,
            "last_seen": None,
        }
        for r in connection.execute(declared)
    ]
    rows += [
        {
            "upstream_product": r.upstream_product,
            "downstream_product": r.downstream_product,
            "dataset": r.dataset,
            "kind": "observed",
            "via": r.job,
            "first_seen": iso(r.first_seen),
            "last_seen": iso(r.last_seen),
        }
        for r in connection.execute(observed)
    ]
    return rows


def export_slis(connection: Connection, product_id: str | None = None) -> list[dict[str, Any]]:
    """SLI samples: good/total counts or gauge values over time."""
    return list(
        _rows(
            connection,
            sli_samples,
            [sli_samples.c.time, sli_samples.c.id],
            product_id,
            lambda r: {
                "product": r.product_id,
                "indicator": r.indicator,
                "slo": r.slo,
                "time": iso(r.time),
                "good": r.good,
                "total": r.total,
                "value": r.value,
                "labels": r.labels,
                "source_tool": r.source_tool,
                "source": r.source,
            },
        )
    )


EXPORTS: dict[str, Callable[[Connection, str | None], list[dict[str, Any]]]] = {
    "checks": export_checks,
    "runs": export_runs,
    "logs": export_logs,
    "audit": export_audit,
    "lineage": export_lineage,
    "slos": export_slos,
    "slis": export_slis,
    "scores": export_scores,
    "policies": export_policies,
    "slo-status": export_slo_status,
}
