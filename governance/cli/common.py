"""What the `meshgov` commands share: options, opening the service, failing with an exit code.

A command opens the service with `open_service` (or `acting`, for a board action that names
who acts), calls it inside `exit_on(...)` naming the errors it turns into a message and an
exit code (`refusals()` for the board's), then prints. Command modules import this module
and `output`, never each other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from governance.cli.output import err
from governance.engine.roles import Principal
from governance.errors import (
    Conflict,
    IllegalMove,
    ItemNotFound,
    PermissionDenied,
    StoreNotInitialised,
    WorkspaceError,
)
from governance.service import MeshgovService
from governance.telemetry import configure_telemetry

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $MESHGOV_WORKSPACE, then the current folder).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Who acts (email); default $MESHGOV_IDENTITY.", show_default=False),
]
GroupOption = Annotated[
    list[str] | None,
    typer.Option("--group", help="A group claim of the identity (repeatable).", show_default=False),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` on stderr; the caller raises the returned exit with `code`."""
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@contextmanager
def exit_on(*errors: type[Exception], code: int = 2, prefix: str = "") -> Iterator[None]:
    """Turn `errors` raised inside into `error: {prefix}{message}` and exit `code`.

    Each command names the errors it expects, so anything else still shows as the bug it is.
    """
    try:
        yield
    except errors as exc:
        raise fail(f"{prefix}{exc}", code) from exc


def open_service(workspace: Path | None, *, ready: bool = True) -> MeshgovService:
    """The service for the workspace; with `ready`, refuse a store that needs `meshgov init`."""
    configure_telemetry()
    with exit_on(WorkspaceError, StoreNotInitialised):
        service = MeshgovService.open(workspace)
        if ready:
            service.store.check_ready()
    return service


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the board's refusals into messages and exit codes a script can tell apart."""
    # The innermost catches first: a refusal (3), then a conflict (4), then the rest (2).
    with (
        exit_on(IllegalMove, ItemNotFound, LookupError, WorkspaceError, ValueError),
        exit_on(Conflict, code=4, prefix="conflict: "),
        exit_on(PermissionDenied, code=3, prefix="refused: "),
    ):
        yield


@contextmanager
def acting(
    workspace: Path | None, identity: str | None, groups: list[str] | None
) -> Iterator[tuple[MeshgovService, Principal]]:
    """The service and who acts in it, with the board's `refusals()` around the action.

    Who acts is --as and --group, else $MESHGOV_IDENTITY and $MESHGOV_GROUPS.
    """
    service = open_service(workspace)
    email = identity or os.environ.get("MESHGOV_IDENTITY")
    if not email:
        raise fail("say who acts: --as EMAIL (or set MESHGOV_IDENTITY)")
    claims = groups or [g for g in os.environ.get("MESHGOV_GROUPS", "").split(",") if g]
    with refusals():
        yield service, service.board.principal(email, claims)


def parse_day(value: str | None, option: str) -> datetime | None:
    """The start (UTC) of the day `option` names as YYYY-MM-DD; None when not given."""
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
    except ValueError as exc:
        raise fail(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from exc
