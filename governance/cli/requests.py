"""`meshgov waiver ...` and `access ...`: asking the board for a waiver or for access.

As on the board, who acts is named with `--as EMAIL` (or $MESHGOV_IDENTITY) and the app's
permission checks run.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from governance.cli.common import (
    AsOption,
    GroupOption,
    JsonOption,
    WorkspaceOption,
    acting,
    open_service,
    parse_day,
)
from governance.cli.output import out, print_json

waiver_app = typer.Typer(help="Ask for, list and revoke policy waivers.")
access_app = typer.Typer(help="Ask for access to a product's output port; list requests.")


@waiver_app.command("request")
def waiver_request(
    product: Annotated[str, typer.Argument(help="Product id.")],
    policy: Annotated[str, typer.Argument(help="Policy id.")],
    reason: Annotated[str, typer.Option(help="Why the product cannot comply yet.")],
    until: Annotated[str, typer.Option(help="Waiver expiry (YYYY-MM-DD).")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Ask the board to waive a policy for a product until a day (domain owners)."""
    with acting(workspace, identity, group) as (service, who):
        expires = parse_day(until, "--until")
        assert expires is not None
        item = service.board.request_waiver(who, product, policy, reason, expires)
    out.print(f"waiver requested: review item #{item['id']}")


@waiver_app.command("list")
def waiver_list(
    workspace: WorkspaceOption = None,
    product: Annotated[str | None, typer.Option(help="Only this product's.")] = None,
    json_: JsonOption = False,
) -> None:
    """Waivers of every status, newest first."""
    service = open_service(workspace)
    rows = service.board.waivers(product)
    if json_:
        print_json(rows)
        return
    table = Table("#", "product", "policy", "status", "expires", "decision", "requested by")
    for r in rows:
        expires = f"{r['expires_at']:%Y-%m-%d}" if r["expires_at"] else "-"
        table.add_row(
            str(r["id"]),
            r["product_id"],
            r["policy_id"],
            r["status"],
            expires,
            r["decision_id"] or "-",
            r["requested_by"],
        )
    out.print(table if rows else "no waivers")


@waiver_app.command("revoke")
def waiver_revoke(
    waiver: Annotated[int, typer.Argument(help="Waiver number.")],
    reason: Annotated[str, typer.Option(help="Why it ends early.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """End an approved waiver before its expiry (board members)."""
    with acting(workspace, identity, group) as (service, who):
        service.board.revoke_waiver(who, waiver, reason)
    out.print(f"waiver #{waiver} revoked")


@access_app.command("request")
def access_request(
    product: Annotated[str, typer.Argument(help="Product id.")],
    port: Annotated[str, typer.Argument(help="Output port name.")],
    purpose: Annotated[str, typer.Option(help="What the data will be used for.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Ask for access to a product's output port."""
    with acting(workspace, identity, group) as (service, who):
        item = service.board.request_access(who, product, port, purpose)
    decider = "the board" if item["decider"] == "board" else "the domain owner"
    out.print(f"access requested: review item #{item['id']}, decided by {decider}")


@access_app.command("list")
def access_list(
    workspace: WorkspaceOption = None,
    product: Annotated[str | None, typer.Option(help="Only this product's.")] = None,
    json_: JsonOption = False,
) -> None:
    """Access requests and grants, newest first."""
    service = open_service(workspace)
    rows = service.board.access_requests(product)
    if json_:
        print_json(rows)
        return
    table = Table("#", "product/port", "requester", "status", "class", "expires", "reassess")
    for r in rows:
        table.add_row(
            str(r["id"]),
            f"{r['product_id']}/{r['port']}",
            r["requester"],
            r["status"],
            r["classification"] or "-",
            f"{r['expires_at']:%Y-%m-%d}" if r["expires_at"] else "-",
            f"{r['reassess_at']:%Y-%m-%d}" if r["reassess_at"] else "-",
        )
    out.print(table if rows else "no access requests")
