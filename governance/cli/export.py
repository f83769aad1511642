"""`meshgov export ...`: the registry and the evidence as JSON lines or CSV, for BI and scripts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from governance.cli.common import WorkspaceOption, exit_on, open_service
from governance.cli.output import ExportFormat, write_rows
from governance.errors import UnknownProduct

export_app = typer.Typer(help="Export registry and evidence for BI tools and scripts.")

FormatOption = Annotated[ExportFormat, typer.Option("--format", "-f", help="json lines or csv.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
]
ProductOption = Annotated[str | None, typer.Option("--product", help="Only this product.")]

EVIDENCE_HELP = {
    "checks": "Check results from every quality tool (GX, dbt, Soda, OpenLineage assertions).",
    "runs": "Pipeline runs: product, job, run_id, state, started_at, ended_at.",
    "logs": "Log records: product, time, severity_number, severity_text, body, run_id.",
    "audit": "Audit events: time, actor, action, resource, product, read_only.",
    "lineage": "Lineage edges, declared and observed: upstream_product, downstream_product, dataset.",
    "slos": "SLO definitions: product, name, indicator, target, window, budgeting_method.",
    "slis": "SLI samples: product, indicator, slo, time, good, total, value.",
    "scores": "Health scores of the newest evaluation: product, domain, score, grade, level, "
    "one field per dimension.",
    "policies": "Policy results of the newest evaluation: product, policy_id, outcome, "
    "severity, level, lifecycle, message.",
    "slo-status": "SLO status of the newest evaluation: product, slo, attainment, "
    "error_budget_remaining, burn_rate_long, burn_rate_short, status.",
}


def _export_command(kind: str) -> Callable[..., None]:
    # One command per kind of evidence: they differ only in the kind and its help.
    def command(
        format_: FormatOption = ExportFormat.json,
        product: ProductOption = None,
        output: OutputOption = None,
        workspace: WorkspaceOption = None,
    ) -> None:
        service = open_service(workspace)
        with exit_on(UnknownProduct):
            rows = service.export(kind, product)
        write_rows(rows, format_, output)

    command.__doc__ = EVIDENCE_HELP[kind] + " One JSON object per line, or CSV."
    return command


for _kind in EVIDENCE_HELP:
    export_app.command(_kind)(_export_command(_kind))


@export_app.command("products")
def export_products(
    format_: FormatOption = ExportFormat.json,
    output: OutputOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Registered products: id, name, domain, owner, status, ports."""
    service = open_service(workspace)
    rows = [
        {
            "id": p["id"],
            "name": p["name"],
            "domain": p["domain_id"],
            "owner": p["owner"],
            "status": p["status"],
            "tier": p["tier"],
            "ports": [f"{port['kind']}:{port['name']}@{port['version']}" for port in p["ports"]],
        }
        for p in service.products()
    ]
    write_rows(rows, format_, output)
