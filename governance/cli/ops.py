"""`meshgov prune` and `audit ...`: operating the store (retention) and checking its log."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from governance.cli.common import JsonOption, WorkspaceOption, exit_on, fail, open_service
from governance.cli.output import out
from governance.errors import WorkspaceError
from governance.service.context import SYSTEM_ACTOR

commands = typer.Typer()
audit_app = typer.Typer(help="The hash-chained governance log.")


@commands.command()
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
    service = open_service(workspace)
    # Like register and collect, pruning is an operator's act, not a board action: no role
    # is checked, but who did it is on the governance log.
    actor = identity or os.environ.get("MESHGOV_IDENTITY") or SYSTEM_ACTOR
    with exit_on(WorkspaceError, ValueError):
        report = service.retention.prune(actor=actor, older_than=older_than, dry_run=dry_run)
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


@audit_app.command("verify")
def audit_verify(
    workspace: WorkspaceOption = None,
    anchor: Annotated[
        str | None,
        typer.Option(help="SEQ:SHA256 from the minutes: prove that entry is still unchanged."),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Check the governance log's hash chain; exit 1 naming the first bad entry."""
    service = open_service(workspace)
    pinned = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise fail("--anchor: expected SEQ:SHA256, as printed at the end of the minutes")
        pinned = (int(seq), digest.lower())
    result = service.ledger.verify(pinned)
    if json_:
        print(json.dumps(result.__dict__))
    elif result.ok:
        out.print(
            f"governance log intact: {result.entries} entries, head {result.head_seq} "
            f"{result.head_hash}"
        )
    else:
        out.print(
            f"[red]governance log broken[/red] at entry {result.first_bad_seq}: {result.problem}"
        )
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(
    workspace: WorkspaceOption = None,
    subject: Annotated[str | None, typer.Option(help="Only entries about e.g. item:12.")] = None,
    limit: Annotated[int, typer.Option(help="The newest N entries.")] = 50,
    json_: JsonOption = False,
) -> None:
    """The newest governance log entries."""
    service = open_service(workspace)
    entries = service.ledger.entries(subject=subject, limit=limit)
    if json_:
        for entry in entries:
            print(json.dumps(entry.as_dict()))
        return
    for e in entries:
        out.print(
            f"{e.seq:>5} {e.time:%Y-%m-%d %H:%M:%S} {e.actor} {e.action} {e.subject} "
            f"{escape(json.dumps(e.payload)[:120])}"
        )
