"""`meshgov digest`: the day's digests per owner and per domain, as files and by webhook.

Run it once a day after `meshgov evaluate` (a CronJob, an Airflow task, cron):

    meshgov digest                  # write <workspace>/digests/<day>/*.md and *.json
    meshgov digest --send           # and post each digest with news to the webhook
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from governance.cli.common import WorkspaceOption, exit_on, open_service
from governance.cli.output import err, out
from governance.errors import NotEvaluated, WorkspaceError
from governance.service.digests import DEFAULT_WITHIN_DAYS

commands = typer.Typer()


@commands.command()
def digest(
    within: Annotated[
        int, typer.Option(help="Days ahead that count as due or expiring.")
    ] = DEFAULT_WITHIN_DAYS,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the files (default: <workspace>/digests)."),
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Post each digest with news to notifications.webhook.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print the digests as JSON lines.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """What failed, what is due and what expires: one digest per product owner and per domain."""
    service = open_service(workspace)
    with exit_on(NotEvaluated, WorkspaceError, ValueError):
        digests = service.digests.build(within_days=within)
        written = service.digests.write(digests, out_dir or service.workspace.root / "digests")
        sent = service.digests.send(digests) if send else []
    if json_:
        for entry in written:
            print(json.dumps(entry.digest.as_dict() | {"file": str(entry.markdown)}))
    else:
        table = Table("digest", "for", "failed", "due", "expiring", "file")
        for entry in written:
            d = entry.digest
            counts = d.counts
            table.add_row(
                f"{d.audience} {d.key}",
                ", ".join(d.recipients) or "(nobody in roles:)",
                *(str(counts[k]) for k in ("failed", "due", "expiring")),
                entry.markdown.name if not d.all_clear else "all clear",
            )
        out.print(table)
        if written:
            out.print(f"written to {written[0].markdown.parent}")
    failed = [(d, delivery) for d, delivery in sent if not delivery.ok]
    for d, delivery in failed:
        err.print(f"[red]not sent:[/red] {d.title}: {delivery.error}")
    if send and not json_:
        out.print(f"sent {len(sent) - len(failed)} of {len(sent)} digest(s) with news")
    if failed:
        raise typer.Exit(1)
