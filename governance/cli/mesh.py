"""`meshgov init`, `register`, `collect`, `collectors`, `demo` and `serve`: the mesh's workspace.

Creating the store, loading descriptors and evidence into it, building the demo mesh and
opening the app on a workspace.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from collectors import available_collectors, broken_collectors
from collectors.sources import Shard
from governance.cli.common import WorkspaceOption, exit_on, fail, open_service
from governance.cli.output import (
    collection_summary,
    err,
    out,
    print_collection,
    print_registration,
    progress_bar,
)
from governance.config import Workspace, default_db_url, resolve_workspace
from governance.errors import MeshgovError, UnknownCollector, UnknownProduct, WorkspaceError
from governance.service import MeshgovService
from governance.telemetry import configure_telemetry

commands = typer.Typer()


@commands.command()
def init(workspace: WorkspaceOption = None) -> None:
    """Create the metrics store, or upgrade it to the newest schema."""
    service = open_service(workspace, ready=False)
    before, after = service.init()
    state = "created" if before is None else ("up to date" if before == after else "upgraded")
    out.print(f"store {service.store.display_url}: {state} (schema {after})")


@commands.command()
def register(
    paths: Annotated[list[Path], typer.Argument(help="Descriptor/contract files or folders.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Register ODPS product descriptors and the ODCS contracts their ports point to."""
    report = open_service(workspace).registration.register(paths)
    print_registration(report)
    if not report.ok:
        raise typer.Exit(1)


@commands.command()
def collect(
    type_: Annotated[
        str | None, typer.Option("--type", "-t", help="Collector, e.g. great_expectations.")
    ] = None,
    path: Annotated[
        list[str] | None,
        typer.Option("--path", "-p", help="File, folder (recursive), glob or http(s) URL."),
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", help="Attribute the evidence to this product.")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="Collector option KEY=VALUE (ad hoc), repeatable."),
    ] = None,
    shard: Annotated[
        str | None, typer.Option("--shard", help="Collect only shard i of n, e.g. 2/4.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary instead of text.")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Collect evidence: every configured source, or one ad hoc with --type and --path."""
    service = open_service(workspace)
    with exit_on(UnknownProduct, UnknownCollector, WorkspaceError, ValueError):
        chosen = Shard.parse(shard) if shard else None
        with progress_bar(enabled=not as_json) as progress:
            if type_ or path:
                if not (type_ and path):
                    raise fail("ad-hoc collection needs both --type and --path")
                if chosen:
                    raise fail("--shard splits configured sources; drop it for an ad-hoc run")
                options = _options(option or [])
                report = service.collection.collect(
                    type_, path, product, options=options, progress=progress
                )
            else:
                report = service.collection.collect_configured(shard=chosen, progress=progress)
    if as_json:
        sys.stdout.write(json.dumps(collection_summary(report), indent=2) + "\n")
    else:
        print_collection(report)
    if not report.ok:
        raise typer.Exit(1)


def _options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise fail(f"--option {pair!r}: expected KEY=VALUE")
        options[key.strip()] = value
    return options


@commands.command("collectors")
def list_collectors() -> None:
    """List the installed collectors (built-in and third-party)."""
    table = Table("name", "reads")
    for name, collector in sorted(available_collectors().items()):
        table.add_row(name, collector.description)
    out.print(table)
    # A plugin that fails to import is named, not silently missing from the list.
    for name, reason in sorted(broken_collectors().items()):
        err.print(f"[red]broken[/red] {name}: {reason}")


@commands.command()
def demo(
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Where to build the demo (default ./meshgov-demo)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the generated evidence.")] = 7,
    days: Annotated[int, typer.Option(help="Days of evidence history.")] = 30,
    serve_app: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Open the app when the demo is built.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port for the app.")] = 8501,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Feed the evidence through a local ingest server over HTTP, as teams' tools "
            "would (GX, OpenLineage, OTLP), instead of reading the files.",
        ),
    ] = False,
) -> None:
    """Build the demo mesh (a music-streaming company), load it, and open the app."""
    from governance.demo import board_story, build_demo, demo_clock

    configure_telemetry()
    root = (workspace or Path(os.environ.get("MESHGOV_WORKSPACE") or "meshgov-demo")).resolve()
    with exit_on(ValueError):
        today, as_of = demo_clock()
        summary = build_demo(root, seed=seed, days=days, today=today)
    # The demo wipes and refills its store, so it only ever uses its own embedded one.
    if os.environ.get("MESHGOV_DB_URL"):
        err.print("note: the demo uses its own SQLite store; MESHGOV_DB_URL is ignored")
    demo_workspace = replace(resolve_workspace(root), db_url=default_db_url(root))
    service = MeshgovService(demo_workspace)
    service.init()
    registration = service.registration.register([root / "products"])
    print_registration(registration)
    if push:
        from governance.demo.push import push_demo

        # A refused request raises (UploadError): the demo's evidence must all land.
        with exit_on(MeshgovError, code=1, prefix="pushing the demo's evidence: "):
            sent = push_demo(service, root)
        collected = True
        out.print(
            "pushed through the ingest server: "
            + ", ".join(f"{count} to {path}" for path, count in sorted(sent.items()))
        )
    else:
        collected = print_collection(service.collection.collect_configured())
    # two weeks of daily snapshots, so the trends have a shape
    service.evaluation.backfill(14, now=as_of)
    evaluation = service.evaluation.evaluate(now=as_of)
    out.print(
        f"evaluated {evaluation.products} products against {evaluation.policies} policies; "
        f"mean score {_mean(s.score for s in evaluation.scores.values()):.1f}"
    )
    board_story.play(service, evaluation.as_of)
    out.print(
        f"review queue: {len(service.board.queue())} item(s), "
        f"{len(service.board.queue(states=('on_agenda',)))} on the agenda"
    )
    out.print(f"demo workspace ready: {root} ({summary})")
    if not (registration.ok and collected and not evaluation.refusals):
        raise fail("the demo did not load cleanly; see the refusals above", 1)
    if serve_app:
        _serve(demo_workspace, port)


def _mean(values: Iterable[float]) -> float:
    numbers = list(values)
    return sum(numbers) / len(numbers) if numbers else 0.0


@commands.command()
def serve(
    workspace: WorkspaceOption = None,
    port: Annotated[int, typer.Option(help="Port for the app.")] = 8501,
) -> None:
    """Run the dashboard (Streamlit) on this workspace."""
    service = open_service(workspace, ready=False)
    _serve(service.workspace, port)


def _serve(workspace: Workspace, port: int) -> None:
    spec = importlib.util.find_spec("app")
    if spec is None or spec.origin is None:
        raise fail("app.py is not installed; reinstall meshgov with pip install -e .")
    env = {
        **os.environ,
        "MESHGOV_WORKSPACE": str(workspace.root),
        "MESHGOV_DB_URL": workspace.db_url,
    }
    command = [sys.executable, "-m", "streamlit", "run", spec.origin, "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    out.print(f"serving http://localhost:{port} (Ctrl+C to stop)")
    sys.stdout.flush()
    sys.stderr.flush()
    # exec, not a child process: signals reach Streamlit and nothing is left holding the port.
    os.execve(sys.executable, command, env)
