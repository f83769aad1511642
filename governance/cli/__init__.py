"""`meshgov`: the command line. Every command goes through governance.service."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from collectors import available_collectors, broken_collectors
from collectors.sources import Shard
from governance.cli.output import (
    ExportFormat,
    collection_summary,
    err,
    out,
    print_collection,
    print_registration,
    progress_bar,
    write_rows,
)
from governance.config import Workspace, default_db_url, resolve_workspace
from governance.errors import StoreNotInitialised, UnknownCollector, UnknownProduct, WorkspaceError
from governance.service import MeshgovService
from governance.telemetry import configure_telemetry

app = typer.Typer(
    help="meshgov: governance and observability for a data mesh.",
    no_args_is_help=True,
    add_completion=False,
)
export_app = typer.Typer(help="Export registry and evidence for BI tools and scripts.")
app.add_typer(export_app, name="export")


WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $MESHGOV_WORKSPACE, then the current folder).",
        show_default=False,
    ),
]


def _service(workspace: Path | None, *, ready: bool = True) -> MeshgovService:
    """The service for the workspace; with `ready`, refuse a store that needs `meshgov init`."""
    configure_telemetry()
    try:
        service = MeshgovService.open(workspace)
        if ready:
            service.store.check_ready()
    except (WorkspaceError, StoreNotInitialised) as exc:
        raise _fail(str(exc)) from exc
    return service


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@app.command()
def init(workspace: WorkspaceOption = None) -> None:
    """Create the metrics store, or upgrade it to the newest schema."""
    service = _service(workspace, ready=False)
    before, after = service.init()
    state = "created" if before is None else ("up to date" if before == after else "upgraded")
    out.print(f"store {service.store.display_url}: {state} (schema {after})")


@app.command()
def register(
    paths: Annotated[list[Path], typer.Argument(help="Descriptor/contract files or folders.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Register ODPS product descriptors and the ODCS contracts their ports point to."""
    report = _service(workspace).register(paths)
    print_registration(report)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
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
    service = _service(workspace)
    try:
        chosen = Shard.parse(shard) if shard else None
        with progress_bar(enabled=not as_json) as progress:
            if type_ or path:
                if not (type_ and path):
                    raise _fail("ad-hoc collection needs both --type and --path")
                if chosen:
                    raise _fail("--shard splits configured sources; drop it for an ad-hoc run")
                options = _options(option or [])
                report = service.collect(type_, path, product, options=options, progress=progress)
            else:
                report = service.collect_configured(shard=chosen, progress=progress)
    except (UnknownProduct, UnknownCollector, WorkspaceError, ValueError) as exc:
        raise _fail(str(exc)) from exc
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
            raise _fail(f"--option {pair!r}: expected KEY=VALUE")
        options[key.strip()] = value
    return options


@app.command()
def collectors() -> None:
    """List the installed collectors (built-in and third-party)."""
    table = Table("name", "reads")
    for name, collector in sorted(available_collectors().items()):
        table.add_row(name, collector.description)
    out.print(table)
    # A plugin that fails to import is named, not silently missing from the list.
    for name, reason in sorted(broken_collectors().items()):
        err.print(f"[red]broken[/red] {name}: {reason}")


FormatOption = Annotated[ExportFormat, typer.Option("--format", "-f", help="json lines or csv.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
]


ProductOption = Annotated[str | None, typer.Option("--product", help="Only this product.")]

EVIDENCE_HELP = {
    "checks": "Check results from every quality tool (GX, dbt, Soda, OpenLineage assertions).",
    "runs": "Pipeline runs: product, job, run_id, state, started_at, ended_at.",
    "logs": "Log records: product, time, severity_number, severity_text, body, run_id.",
    "audit": "Audit events: time, actor, action, resource, product, read_only.",
    "lineage": "Lineage edges, declared and observed: upstream_product, downstream_product, dataset.",
    "slos": "SLO definitions: product, name, indicator, target, window, budgeting_method.",
    "slis": "SLI samples: product, indicator, slo, time, good, total, value.",
    "scores": "Health scores of the newest evaluation: product, domain, score, grade, level, "
    "one field per dimension.",
    "policies": "Policy results of the newest evaluation: product, policy_id, outcome, "
    "severity, level, lifecycle, message.",
    "slo-status": "SLO status of the newest evaluation: product, slo, attainment, "
    "error_budget_remaining, burn_rate_long, burn_rate_short, status.",
}


def _export_command(kind: str) -> Callable[..., None]:
    def command(
        format_: FormatOption = ExportFormat.json,
        product: ProductOption = None,
        output: OutputOption = None,
        workspace: WorkspaceOption = None,
    ) -> None:
        service = _service(workspace)
        try:
            rows = service.export(kind, product)
        except UnknownProduct as exc:
            raise _fail(str(exc)) from exc
        write_rows(rows, format_, output)

    command.__doc__ = EVIDENCE_HELP[kind] + " One JSON object per line, or CSV."
    return command


for _kind in EVIDENCE_HELP:
    export_app.command(_kind)(_export_command(_kind))


@export_app.command("products")
def export_products(
    format_: FormatOption = ExportFormat.json,
    output: OutputOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Registered products: id, name, domain, owner, status, ports."""
    service = _service(workspace)
    rows = [
        {
            "id": p["id"],
            "name": p["name"],
            "domain": p["domain_id"],
            "owner": p["owner"],
            "status": p["status"],
            "tier": p["tier"],
            "ports": [f"{port['kind']}:{port['name']}@{port['version']}" for port in p["ports"]],
        }
        for p in service.products()
    ]
    write_rows(rows, format_, output)


@app.command()
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
) -> None:
    """Build the demo mesh (a music-streaming company), load it, and open the app."""
    from governance.demo import board_story, build_demo, demo_clock

    configure_telemetry()
    root = (workspace or Path(os.environ.get("MESHGOV_WORKSPACE") or "meshgov-demo")).resolve()
    try:
        today, as_of = demo_clock()
        summary = build_demo(root, seed=seed, days=days, today=today)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    # The demo wipes and refills its store, so it only ever uses its own embedded one.
    if os.environ.get("MESHGOV_DB_URL"):
        err.print("note: the demo uses its own SQLite store; MESHGOV_DB_URL is ignored")
    demo_workspace = replace(resolve_workspace(root), db_url=default_db_url(root))
    service = MeshgovService(demo_workspace)
    service.init()
    registration = service.register([root / "products"])
    print_registration(registration)
    collected = print_collection(service.collect_configured())
    service.backfill(14, now=as_of)  # two weeks of daily snapshots, so the trends have a shape
    evaluation = service.evaluate(now=as_of)
    out.print(
        f"evaluated {evaluation.products} products against {evaluation.policies} policies; "
        f"mean score {_mean(s.score for s in evaluation.scores.values()):.1f}"
    )
    board_story.play(service, evaluation.as_of)
    out.print(
        f"review queue: {len(service.queue())} item(s), "
        f"{len(service.queue(states=('on_agenda',)))} on the agenda"
    )
    out.print(f"demo workspace ready: {root} ({summary})")
    if not (registration.ok and collected and not evaluation.refusals):
        raise _fail("the demo did not load cleanly; see the refusals above", 1)
    if serve_app:
        _serve(demo_workspace, port)


def _mean(values: Iterable[float]) -> float:
    numbers = list(values)
    return sum(numbers) / len(numbers) if numbers else 0.0


@app.command()
def serve(
    workspace: WorkspaceOption = None,
    port: Annotated[int, typer.Option(help="Port for the app.")] = 8501,
) -> None:
    """Run the dashboard (Streamlit) on this workspace."""
    service = _service(workspace, ready=False)
    _serve(service.workspace, port)


def _serve(workspace: Workspace, port: int) -> None:
    spec = importlib.util.find_spec("app")
    if spec is None or spec.origin is None:
        raise _fail("app.py is not installed; reinstall meshgov with pip install -e .")
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


# Engine commands (evaluate, explain, policies, check, new) and the board's (board, waiver,
# access, audit) live in their own modules.
from governance.cli import board as cli_board  # noqa: E402,F401
from governance.cli import engine as cli_engine  # noqa: E402,F401
from governance.cli import ops as cli_ops  # noqa: E402,F401
