"""`meshgov prune`: operating the store (retention of raw evidence)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.table import Table

from governance.cli import WorkspaceOption, _fail, _service, app
from governance.cli.output import out
from governance.errors import WorkspaceError
from governance.service.board import SYSTEM_ACTOR
from governance.service.retention import prune as prune_evidence


@app.command()
def prune(
    older_than: Annotated[
        int | None,
        typer.Option(
            "--older-than",
            help="Remove raw evidence older than this many days "
            "(default: meshgov.yaml retention.raw_days, else 400).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be removed; remove nothing.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    identity: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who prunes (email), for the governance log; default $MESHGOV_IDENTITY.",
            show_default=False,
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Remove raw evidence older than the retention period; roll-ups, snapshots and the log stay."""
    service = _service(workspace)
    # Like register and collect, pruning is an operator's act, not a board action: no role
    # is checked, but who did it is on the governance log.
    actor = identity or os.environ.get("MESHGOV_IDENTITY") or SYSTEM_ACTOR
    try:
        report = prune_evidence(
            service.store, service.workspace, actor=actor, older_than=older_than, dry_run=dry_run
        )
    except (WorkspaceError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if json_:
        print(json.dumps(report.as_dict()))
        return
    verb = "would remove" if report.dry_run else "removed"
    table = Table("table", verb)
    for name, count in report.counts.items():
        table.add_row(name, str(count))
    out.print(table)
    out.print(
        f"{verb} {report.total} row(s) older than {report.cutoff:%Y-%m-%d} "
        f"({report.older_than_days} days)"
        + ("; dry run, nothing deleted" if report.dry_run else f"; log entry {report.log_seq}")
    )
