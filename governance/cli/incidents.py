"""`meshgov incident ...`: failing checks and burning SLOs, per product and cause.

`meshgov evaluate` opens and resolves incidents; people list them and respond:

    meshgov incident list [--product P] [--domain D] [--all]
    meshgov incident ack 12 --as ana@example.com
    meshgov incident resolve 12 --as ana@example.com --note "backfilled the missing day"
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from governance.cli.common import (
    AsOption,
    GroupOption,
    JsonOption,
    WorkspaceOption,
    acting,
    open_service,
)
from governance.cli.output import out, print_json

incident_app = typer.Typer(help="Incidents: failing checks and burning SLOs, per product.")


@incident_app.command("list")
def incident_list(
    product: Annotated[str | None, typer.Option(help="Only this product's.")] = None,
    domain: Annotated[str | None, typer.Option(help="Only this domain's.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
    workspace: WorkspaceOption = None,
    json_: JsonOption = False,
) -> None:
    """Incidents, newest first (active ones unless --all), and how fast they were answered."""
    service = open_service(workspace)
    rows = service.incidents.list(product, domain, active_only=not all_)
    times = service.incidents.response_times(product, domain)
    if json_:
        print_json({"incidents": rows, "response": times.as_dict()})
        return
    table = Table("#", "state", "product", "cause", "detail", "opened", "acknowledged by")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["state"],
            row["product_id"],
            escape(f"{row['kind']} {row['ref']}"),
            escape(row["detail"]),
            f"{row['opened_at']:%Y-%m-%d %H:%M}",
            row["acknowledged_by"] or "",
        )
    out.print(table)
    out.print(
        f"{times.open} open, {times.acknowledged} acknowledged, {times.resolved} resolved; "
        f"median time to acknowledge {_hours(times.median_hours_to_acknowledge)}, "
        f"to resolve {_hours(times.median_hours_to_resolve)}"
    )


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} h"


@incident_app.command("ack")
def incident_ack(
    incident_id: Annotated[int, typer.Argument(help="The incident's number.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Say you are on it (the product's owner, its domain's owners, admins)."""
    with acting(workspace, identity, group) as (service, who):
        row = service.incidents.acknowledge(who, incident_id)
    out.print(f"incident #{row['id']} acknowledged by {row['acknowledged_by']}")


@incident_app.command("resolve")
def incident_resolve(
    incident_id: Annotated[int, typer.Argument(help="The incident's number.")],
    note: Annotated[str, typer.Option(help="What was done: kept with the incident.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Close it by hand; if its cause is still there, the next evaluation opens a new one."""
    with acting(workspace, identity, group) as (service, who):
        row = service.incidents.resolve(who, incident_id, note)
    out.print(f"incident #{row['id']} resolved by {row['resolved_by']}")
