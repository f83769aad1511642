"""`meshgov board ...`: the review queue, the agenda, decisions and minutes on the command line.

Actions name who acts with `--as EMAIL` (or $MESHGOV_IDENTITY) and the same permission
checks run as in the app: the CLI is one more front end of MeshgovService.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
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
    parse_day,
    refusals,
)
from governance.cli.output import out, print_json, print_sync
from governance.model.vocabulary import ACTIVE_ITEM_STATES, DECISION_OUTCOMES
from governance.service import MeshgovService

board_app = typer.Typer(help="The governance board: queue, agenda, decisions, minutes.")


class PackFormat(StrEnum):
    """Formats of the board pack."""

    md = "md"
    html = "html"


ItemArgument = Annotated[int, typer.Argument(help="Item number.")]
VersionOption = Annotated[
    int | None,
    typer.Option("--version", help="Refuse if the item changed since this version."),
]
PackFormatOption = Annotated[PackFormat, typer.Option("--format", help="md or html.")]
PackOutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")]


@board_app.command("queue")
def board_queue(
    workspace: WorkspaceOption = None,
    state: Annotated[
        list[str] | None, typer.Option(help="open, on_agenda, decided, closed (repeatable).")
    ] = None,
    product: Annotated[str | None, typer.Option(help="Only this product's items.")] = None,
    domain: Annotated[str | None, typer.Option(help="Only this domain's items.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only items of this kind.")] = None,
    json_: JsonOption = False,
) -> None:
    """The review queue, highest priority first."""
    service = open_service(workspace)
    states = tuple(state) if state else ACTIVE_ITEM_STATES
    with refusals():
        rows = service.board.queue(states=states, product_id=product, domain_id=domain, kind=kind)
    if json_:
        print_json([{k: v for k, v in r.items()} for r in rows])
        return
    table = Table(box=None, pad_edge=False)
    for name in ("#", "prio", "state", "kind", "product", "due"):
        table.add_column(name, no_wrap=True)
    table.add_column("title", overflow="fold", ratio=1)
    for r in rows:
        due = f"{r['due_at']:%Y-%m-%d}" + (" [red]overdue[/red]" if r["overdue"] else "")
        table.add_row(
            str(r["id"]),
            f"{r['priority']:.1f}",
            r["state"],
            r["kind"],
            r["product_id"] or "(mesh)",
            due,
            escape(r["title"]) + (f" → {r['assignee']}" if r["assignee"] else ""),
        )
    out.print(table if rows else "the review queue is empty")


@board_app.command("show")
def board_show(
    item: ItemArgument,
    workspace: WorkspaceOption = None,
    json_: JsonOption = False,
) -> None:
    """One item: evidence, history, decisions and its governance log entries."""
    service = open_service(workspace)
    with refusals():
        detail = service.board.item_detail(item)
    detail["log"] = [e.as_dict() for e in detail["log"]]
    if json_:
        print_json(detail)
        return
    out.print(f"[bold]#{detail['id']} {escape(detail['title'])}[/bold]")
    out.print(
        f"{detail['kind']} · {detail['state']}"
        + (f" ({detail['outcome']})" if detail["outcome"] else "")
        + f" · {detail['severity']} · priority {detail['priority']:.1f} · version "
        f"{detail['version']} · due {detail['due_at']:%Y-%m-%d}"
    )
    out.print(f"decision asked: {escape(detail['decision_asked'])}")
    out.print(escape(detail["summary"]))
    for ev in detail["evidence"]:
        out.print(f"  • {escape(ev['label'])} — {escape(ev['detail'])} ({escape(ev['ref'])})")
    for event in detail["events"]:
        out.print(
            f"  {event['time']:%Y-%m-%d %H:%M} {event['actor']}: {event['action']}"
            + (f" — {escape(event['body'])}" if event["body"] else "")
        )


@board_app.command("agenda")
def board_agenda(
    workspace: WorkspaceOption = None,
    format_: PackFormatOption = PackFormat.md,
    output: PackOutputOption = None,
) -> None:
    """The board agenda: items on the agenda, highest priority first."""
    service = open_service(workspace)
    with refusals():
        agenda = service.reports.agenda(format_.value)
    _write(agenda, output)


@board_app.command("minutes")
def board_minutes(
    since: Annotated[str, typer.Option(help="First day (YYYY-MM-DD) of the decisions to list.")],
    workspace: WorkspaceOption = None,
    format_: PackFormatOption = PackFormat.md,
    output: PackOutputOption = None,
) -> None:
    """Minutes: decisions since a day, with rationale, record ids and who decided."""
    _since_pack(workspace, since, output, lambda s, day: s.reports.minutes(day, format_.value))


@board_app.command("incidents")
def board_incidents(
    since: Annotated[
        str, typer.Option(help="First day (YYYY-MM-DD) of the resolved incidents to list.")
    ],
    workspace: WorkspaceOption = None,
    format_: PackFormatOption = PackFormat.md,
    output: PackOutputOption = None,
) -> None:
    """Incidents by domain: active ones, those resolved since a day, time to acknowledge/resolve."""
    _since_pack(workspace, since, output, lambda s, day: s.reports.incidents(day, format_.value))


def _since_pack(
    workspace: Path | None,
    since: str,
    output: Path | None,
    render: Callable[[MeshgovService, date], str],
) -> None:
    """A board pack document of what happened since a day, printed or written."""
    service = open_service(workspace)
    first = parse_day(since, "--since")
    assert first is not None
    with refusals():
        text = render(service, first.date())
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        print(text)
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"wrote {output}")


@board_app.command("decide")
def board_decide(
    item: ItemArgument,
    outcome: Annotated[str, typer.Option(help=f"One of: {', '.join(DECISION_OUTCOMES)}.")],
    rationale: Annotated[str, typer.Option(help="Why, for the minutes.")],
    identity: AsOption = None,
    group: GroupOption = None,
    expires: Annotated[
        str | None, typer.Option(help="Waiver or access grant expiry (YYYY-MM-DD).")
    ] = None,
    reassess: Annotated[str | None, typer.Option(help="Access reassessment day.")] = None,
    version: VersionOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Decide an item (same permission checks as the app); prints the decision record id."""
    with acting(workspace, identity, group) as (service, who):
        record = service.board.decide(
            who,
            item,
            outcome,
            rationale,
            expires_at=parse_day(expires, "--expires"),
            reassess_at=parse_day(reassess, "--reassess"),
            expected_version=version,
        )
    effects = ", ".join(f"{k} {v}" for k, v in record["effects"].items())
    out.print(
        f"{record['record_id']}: item #{item} {outcome}"
        + (f" ({effects})" if effects else "")
        + f"; item is now {record['item']['state']}"
    )


@board_app.command("schedule")
def board_schedule(
    item: ItemArgument,
    identity: AsOption = None,
    group: GroupOption = None,
    remove: Annotated[bool, typer.Option("--remove", help="Take it off the agenda.")] = False,
    version: VersionOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Put an item on the board's agenda (or take it off with --remove)."""
    with acting(workspace, identity, group) as (service, who):
        moved = service.board.set_agenda(who, item, not remove, expected_version=version)
    out.print(f"item #{item} is now {moved['state']}")


@board_app.command("comment")
def board_comment(
    item: ItemArgument,
    body: Annotated[str, typer.Option(help="The comment.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Comment on an item."""
    with acting(workspace, identity, group) as (service, who):
        service.board.comment(who, item, body)
    out.print(f"commented on item #{item}")


@board_app.command("assign")
def board_assign(
    item: ItemArgument,
    to: Annotated[str, typer.Option("--to", help="Who prepares the item (email).")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Assign an item to someone."""
    with acting(workspace, identity, group) as (service, who):
        service.board.assign(who, item, to)
    out.print(f"item #{item} assigned to {to}")


@board_app.command("close")
def board_close(
    item: ItemArgument,
    reason: Annotated[str, typer.Option(help="Why it closes, for the log.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Close an item by hand."""
    with acting(workspace, identity, group) as (service, who):
        service.board.close_item(who, item, reason)
    out.print(f"item #{item} closed")


@board_app.command("reopen")
def board_reopen(
    item: ItemArgument,
    reason: Annotated[str, typer.Option(help="Why it comes back.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Reopen a deferred item or one sent back with changes requested."""
    with acting(workspace, identity, group) as (service, who):
        service.board.reopen(who, item, reason)
    out.print(f"item #{item} reopened")


@board_app.command("withdraw")
def board_withdraw(
    item: ItemArgument,
    identity: AsOption = None,
    group: GroupOption = None,
    reason: Annotated[str, typer.Option(help="Why (optional).")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Withdraw your own waiver or access request."""
    with acting(workspace, identity, group) as (service, who):
        service.board.withdraw(who, item, reason)
    out.print(f"item #{item} withdrawn")


@board_app.command("sync")
def board_sync(workspace: WorkspaceOption = None) -> None:
    """Run the review triggers on the newest evaluation (evaluate does this too)."""
    service = open_service(workspace)
    with refusals():
        report = service.board.sync_queue()
    print_sync(report)
