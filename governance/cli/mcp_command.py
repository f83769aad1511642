"""`meshgov mcp`: serve the mesh to AI assistants over the Model Context Protocol (stdio).

An assistant (Claude Desktop, an IDE, an agent) starts it as a local process:

    meshgov mcp --as alice@example.com -w /path/to/workspace

It answers read-only questions (search products, trust summary, policies, open review items)
with what that person's roles in meshgov.yaml let them see. stdout carries the protocol;
everything else goes to stderr.
"""

from __future__ import annotations

from typing import Annotated

import typer

from governance.cli.common import WorkspaceOption, open_service, refusals

commands = typer.Typer()


@commands.command("mcp")
def mcp_server(
    as_: Annotated[
        str,
        typer.Option(
            "--as",
            envvar="MESHGOV_MCP_AS",
            help="Whose view to serve (email, as in meshgov.yaml roles:).",
        ),
    ],
    group: Annotated[
        list[str] | None,
        typer.Option(help="A group claim of that person (repeatable), for group: roles."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Serve the mesh to AI assistants over MCP (stdio, read-only), as the person --as sees it."""
    service = open_service(workspace)
    with refusals():  # no role in the mesh: exit 3, as any refused action
        from governance.mcp_server.tools import MeshTools

        tools = MeshTools(service, service.board.principal(as_, group or []))
    # Imported here: the SDK is only loaded by the command that needs it.
    from governance.mcp_server.server import build_server

    build_server(tools).run()
