"""`meshgov`: the command line. Every command goes through governance.service.

This module only builds `app` from the command groups, one module each: `mesh` (init,
register, collect, collectors, demo, serve), `engine` (evaluate, policies, check, new),
`explain` (a score, and why it moved), `ops` (prune, audit), `digest`, `ingest`
(ingest-server), `upload`, `mcp_command` (mcp), `export`, `board`, `requests` (waiver,
access), `tokens` (token) and `incidents` (incident). What they share is in `common`
(options, opening the service, exit codes) and `output` (printing).
"""

from __future__ import annotations

import typer

from governance.cli import (
    board,
    digest,
    engine,
    explain,
    export,
    incidents,
    ingest,
    mcp_command,
    mesh,
    ops,
    requests,
    tokens,
    upload,
)

app = typer.Typer(
    help="meshgov: governance and observability for a data mesh.",
    no_args_is_help=True,
    add_completion=False,
)
# Added in the order `meshgov --help` lists them: the commands, then the groups.
app.add_typer(mesh.commands)
app.add_typer(engine.commands)
app.add_typer(explain.commands)
app.add_typer(ops.commands)
app.add_typer(digest.commands)
app.add_typer(ingest.commands)
app.add_typer(upload.commands)
app.add_typer(mcp_command.commands)
app.add_typer(export.export_app, name="export")
app.add_typer(board.board_app, name="board")
app.add_typer(requests.waiver_app, name="waiver")
app.add_typer(requests.access_app, name="access")
app.add_typer(ops.audit_app, name="audit")
app.add_typer(tokens.token_app, name="token")
app.add_typer(incidents.incident_app, name="incident")
app.add_typer(engine.new_app, name="new")
