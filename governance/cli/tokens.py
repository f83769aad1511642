"""`meshgov token ...`: the bearer tokens clients push evidence to `meshgov ingest-server` with.

Creating and revoking name who acts with `--as EMAIL` (or $MESHGOV_IDENTITY): an admin, or
the owner of the token's domain. A token's secret is printed once, at creation.
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
from governance.model.tokens import TokenInfo

token_app = typer.Typer(help="Bearer tokens for pushing evidence to `meshgov ingest-server`.")

SHOWN_ONCE = (
    "This secret cannot be shown again: store it now (meshgov keeps only its SHA-256). "
    "Clients send it as `Authorization: Bearer <secret>`."
)


def _scope(token: TokenInfo) -> str:
    return (
        f"product {token.product} ({token.domain})" if token.product else f"domain {token.domain}"
    )


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what uses it, e.g. airflow-sales.")],
    domain: Annotated[
        str | None, typer.Option(help="Good for every product of this domain.")
    ] = None,
    product: Annotated[str | None, typer.Option(help="Good for this product only.")] = None,
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
    json_: JsonOption = False,
) -> None:
    """Make a token for one domain or one product and print its secret, once (admins, owners)."""
    with acting(workspace, identity, group) as (service, who):
        token, secret = service.tokens.create(who, name=name, domain=domain, product=product)
    if json_:
        print_json({**token.as_dict(), "secret": secret, "note": SHOWN_ONCE})
        return
    out.print(f"created token {token.token_id} ({escape(token.name)}, {_scope(token)})")
    print(f"secret: {secret}")
    out.print(SHOWN_ONCE, markup=False)


@token_app.command("list")
def token_list(
    all_: Annotated[bool, typer.Option("--all", help="Revoked tokens too.")] = False,
    workspace: WorkspaceOption = None,
    json_: JsonOption = False,
) -> None:
    """Ingest tokens by domain and product, never their secrets."""
    service = open_service(workspace)
    tokens = service.tokens.list(include_revoked=all_)
    if json_:
        print_json([token.as_dict() for token in tokens])
        return
    if not tokens:
        out.print("no ingest tokens" if all_ else "no live ingest tokens (--all shows revoked)")
        return
    table = Table("id", "name", "scope", "created", "by", "revoked")
    for token in tokens:
        revoked = f"{token.revoked_at:%Y-%m-%d} by {token.revoked_by}" if token.revoked_at else "-"
        table.add_row(
            token.token_id,
            escape(token.name),
            _scope(token),
            f"{token.created_at:%Y-%m-%d %H:%M}",
            token.created_by,
            revoked,
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="Token id, e.g. tok-3f9a1c2b.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Revoke a token: the ingest server refuses it from then on (admins, domain owners)."""
    with acting(workspace, identity, group) as (service, who):
        token = service.tokens.revoke(who, token_id)
    out.print(
        f"revoked token {token.token_id} ({escape(token.name)}, {_scope(token)}); "
        "a running ingest server stops accepting it within seconds"
    )
