"""`meshgov board`, `waiver`, `access` and `audit`: the board's workflow on the command line.

Actions name who acts with `--as EMAIL` (or $MESHGOV_IDENTITY) and the same permission
checks run as in the app: the CLI is one more front end of governance/service.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from governance.cli import WorkspaceOption, _fail, _service, app
from governance.cli.output import out, print_sync
from governance.engine.review import OUTCOMES
from governance.engine.roles import Principal
from governance.errors import Conflict, IllegalMove, ItemNotFound, PermissionDenied, WorkspaceError
from governance.service import MeshgovService

board_app = typer.Typer(help="The governance board: queue, agenda, decisions, minutes.")
waiver_app = typer.Typer(help="Ask for, list and revoke policy waivers.")
access_app = typer.Typer(help="Ask for access to a product's output port; list requests.")
audit_app = typer.Typer(help="The hash-chained governance log.")
app.add_typer(board_app, name="board")
app.add_typer(waiver_app, name="waiver")
app.add_typer(access_app, name="access")
app.add_typer(audit_app, name="audit")

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Who acts (email); default $MESHGOV_IDENTITY.", show_default=False),
]
GroupOption = Annotated[
    list[str] | None,
    typer.Option("--group", help="A group claim of the identity (repeatable).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
VersionOption = Annotated[
    int | None,
    typer.Option("--version", help="Refuse if the item changed since this version."),
]


class PackFormat(StrEnum):
    """Formats of the board pack."""

    md = "md"
    html = "html"


T = TypeVar("T")


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the service's refusals into messages and exit codes a script can tell apart."""
    try:
        yield
    except PermissionDenied as exc:
        raise _fail(f"refused: {exc}", 3) from exc
    except Conflict as exc:
        raise _fail(f"conflict: {exc}", 4) from exc
    except (IllegalMove, ItemNotFound, LookupError, WorkspaceError, ValueError) as exc:
        raise _fail(str(exc)) from exc


def _who(service: MeshgovService, identity: str | None, groups: list[str] | None) -> Principal:
    email = identity or os.environ.get("MESHGOV_IDENTITY")
    if not email:
        raise _fail("say who acts: --as EMAIL (or set MESHGOV_IDENTITY)")
    claims = groups or [g for g in os.environ.get("MESHGOV_GROUPS", "").split(",") if g]
    with _errors():
        return service.principal(email, claims)


def _day(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
    except ValueError as exc:
        raise _fail(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from exc


def _act(call: Callable[[], T]) -> T:
    with _errors():
        return call()


def _jsonable(value: Any) -> Any:
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
    )


# --- board ------------------------------------------------------------------------------


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
    service = _service(workspace)
    states = tuple(state) if state else ("open", "on_agenda", "decided")
    rows = _act(
        lambda: service.queue(states=states, product_id=product, domain_id=domain, kind=kind)
    )
    if json_:
        print(json.dumps([_jsonable({k: v for k, v in r.items()}) for r in rows]))
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
    item: Annotated[int, typer.Argument(help="Item number.")],
    workspace: WorkspaceOption = None,
    json_: JsonOption = False,
) -> None:
    """One item: evidence, history, decisions and its governance log entries."""
    service = _service(workspace)
    detail = _act(lambda: service.item_detail(item))
    detail["log"] = [e.as_dict() for e in detail["log"]]
    if json_:
        print(json.dumps(_jsonable(detail)))
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
    format_: Annotated[PackFormat, typer.Option("--format", help="md or html.")] = PackFormat.md,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """The board agenda: items on the agenda, highest priority first."""
    service = _service(workspace)
    _write(_act(lambda: service.board_agenda(format_.value)), output)


@board_app.command("minutes")
def board_minutes(
    since: Annotated[str, typer.Option(help="First day (YYYY-MM-DD) of the decisions to list.")],
    workspace: WorkspaceOption = None,
    format_: Annotated[PackFormat, typer.Option("--format", help="md or html.")] = PackFormat.md,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """Minutes: decisions since a day, with rationale, record ids and who decided."""
    service = _service(workspace)
    first = _day(since, "--since")
    assert first is not None
    _write(_act(lambda: service.board_minutes(first.date(), format_.value)), output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        print(text)
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"wrote {output}")


@board_app.command("decide")
def board_decide(
    item: Annotated[int, typer.Argument(help="Item number.")],
    outcome: Annotated[str, typer.Option(help=f"One of: {', '.join(OUTCOMES)}.")],
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
    service = _service(workspace)
    who = _who(service, identity, group)
    record = _act(
        lambda: service.decide(
            who,
            item,
            outcome,
            rationale,
            expires_at=_day(expires, "--expires"),
            reassess_at=_day(reassess, "--reassess"),
            expected_version=version,
        )
    )
    effects = ", ".join(f"{k} {v}" for k, v in record["effects"].items())
    out.print(
        f"{record['record_id']}: item #{item} {outcome}"
        + (f" ({effects})" if effects else "")
        + f"; item is now {record['item']['state']}"
    )


@board_app.command("schedule")
def board_schedule(
    item: Annotated[int, typer.Argument(help="Item number.")],
    identity: AsOption = None,
    group: GroupOption = None,
    remove: Annotated[bool, typer.Option("--remove", help="Take it off the agenda.")] = False,
    version: VersionOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Put an item on the board's agenda (or take it off with --remove)."""
    service = _service(workspace)
    who = _who(service, identity, group)
    moved = _act(lambda: service.set_agenda(who, item, not remove, expected_version=version))
    out.print(f"item #{item} is now {moved['state']}")


@board_app.command("comment")
def board_comment(
    item: Annotated[int, typer.Argument(help="Item number.")],
    body: Annotated[str, typer.Option(help="The comment.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Comment on an item."""
    service = _service(workspace)
    who = _who(service, identity, group)
    _act(lambda: service.comment(who, item, body))
    out.print(f"commented on item #{item}")


@board_app.command("assign")
def board_assign(
    item: Annotated[int, typer.Argument(help="Item number.")],
    to: Annotated[str, typer.Option("--to", help="Who prepares the item (email).")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Assign an item to someone."""
    service = _service(workspace)
    who = _who(service, identity, group)
    _act(lambda: service.assign(who, item, to))
    out.print(f"item #{item} assigned to {to}")


@board_app.command("close")
def board_close(
    item: Annotated[int, typer.Argument(help="Item number.")],
    reason: Annotated[str, typer.Option(help="Why it closes, for the log.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Close an item by hand."""
    service = _service(workspace)
    who = _who(service, identity, group)
    _act(lambda: service.close_item(who, item, reason))
    out.print(f"item #{item} closed")


@board_app.command("reopen")
def board_reopen(
    item: Annotated[int, typer.Argument(help="Item number.")],
    reason: Annotated[str, typer.Option(help="Why it comes back.")],
    identity: AsOption = None,
    group: GroupOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Reopen a deferred item or one sent back with changes requested."""
    service = _service(workspace)
    who = _who(service, identity, group)
    _act(lambda: service.reopen(who, item, reason))
    out.print(f"item #{item} reopened")


@board_app.command("withdraw")
def board_withdraw(
    item: Annotated[int, typer.Argument(help="Item number.")],
    identity: AsOption = None,
    group: GroupOption = None,
    reason: Annotated[str, typer.Option(help="Why (optional).")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Withdraw your own waiver or access request."""
    service = _service(workspace)
    who = _who(service, identity, group)
    _act(lambda: service.withdraw(who, item, reason))
    out.print(f"item #{item} withdrawn")


@board_app.command("sync")
def board_sync(workspace: WorkspaceOption = None) -> None:
    """Run the review triggers on the newest evaluation (evaluate does this too)."""
    service = _service(workspace)
    report = _act(service.sync_queue)
    print_sync(report)


# --- waivers and access -----------------------------------------------------------------


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
    service = _service(workspace)
    who = _who(service, identity, group)
    expires = _day(until, "--until")
    assert expires is not None
    item = _act(lambda: service.request_waiver(who, product, policy, reason, expires))
    out.print(f"waiver requested: review item #{item['id']}")


@waiver_app.command("list")
def waiver_list(
    workspace: WorkspaceOption = None,
    product: Annotated[str | None, typer.Option(help="Only this product's.")] = None,
    json_: JsonOption = False,
) -> None:
    """Waivers of every status, newest first."""
    service = _service(workspace)
    rows = service.waivers(product)
    if json_:
        print(json.dumps(_jsonable(rows)))
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
    service = _service(workspace)
    who = _who(service, identity, group)
    _act(lambda: service.revoke_waiver(who, waiver, reason))
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
    service = _service(workspace)
    who = _who(service, identity, group)
    item = _act(lambda: service.request_access(who, product, port, purpose))
    decider = "the board" if item["decider"] == "board" else "the domain owner"
    out.print(f"access requested: review item #{item['id']}, decided by {decider}")


@access_app.command("list")
def access_list(
    workspace: WorkspaceOption = None,
    product: Annotated[str | None, typer.Option(help="Only this product's.")] = None,
    json_: JsonOption = False,
) -> None:
    """Access requests and grants, newest first."""
    service = _service(workspace)
    rows = service.access_requests(product)
    if json_:
        print(json.dumps(_jsonable(rows)))
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


# --- audit ------------------------------------------------------------------------------


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
    service = _service(workspace)
    pinned = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise _fail("--anchor: expected SEQ:SHA256, as printed at the end of the minutes")
        pinned = (int(seq), digest.lower())
    result = service.verify_log(pinned)
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
    service = _service(workspace)
    entries = service.log_entries(subject=subject, limit=limit)
    if json_:
        for entry in entries:
            print(json.dumps(entry.as_dict()))
        return
    for e in entries:
        out.print(
            f"{e.seq:>5} {e.time:%Y-%m-%d %H:%M:%S} {e.actor} {e.action} {e.subject} "
            f"{escape(json.dumps(e.payload)[:120])}"
        )
