"""`meshgov`: the command line. Every command goes through governance.service."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from collectors import UnknownCollector, available_collectors
from collectors.runner import CollectReport
from governance.config import Workspace, WorkspaceError, default_db_url, resolve_workspace
from governance.registration import RegistrationReport
from governance.service import MeshgovService, UnknownProduct
from governance.store import StoreNotInitialised
from governance.telemetry import configure_telemetry

app = typer.Typer(
    help="meshgov: governance and observability for a data mesh.",
    no_args_is_help=True,
    add_completion=False,
)
export_app = typer.Typer(help="Export registry and evidence for BI tools and scripts.")
app.add_typer(export_app, name="export")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $MESHGOV_WORKSPACE, then the current folder).",
        show_default=False,
    ),
]


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


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


def print_registration(report: RegistrationReport) -> None:
    """Summarise a registration for people."""
    out.print(
        f"registered {len(report.registered)} product(s), {len(report.unchanged)} unchanged, "
        f"{len(report.contracts_written)} contract version(s) written; lineage "
        f"+{report.lineage_added} -{report.lineage_removed}"
    )
    for error in report.refused:
        err.print(f"[red]refused[/red] {error}")
    for message in report.deferred:
        err.print(f"[yellow]deferred[/yellow] {message}")


@app.command()
def collect(
    type_: Annotated[
        str | None, typer.Option("--type", "-t", help="Collector, e.g. great_expectations.")
    ] = None,
    path: Annotated[
        list[Path] | None, typer.Option("--path", "-p", help="File or folder (recursive).")
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", help="Attribute the evidence to this product.")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Collect evidence: ad hoc with --type/--path, else every source in meshgov.yaml."""
    service = _service(workspace)
    try:
        if type_ or path:
            if not (type_ and path):
                raise _fail("ad-hoc collection needs both --type and --path")
            reports = [service.collect(type_, path, product)]
        else:
            reports = service.collect_configured()
    except (UnknownProduct, UnknownCollector, WorkspaceError) as exc:
        raise _fail(str(exc)) from exc
    if not print_collection(reports):
        raise typer.Exit(1)


def print_collection(reports: Iterable[CollectReport]) -> bool:
    """Summarise collector runs; returns True when no file was refused."""
    all_ok = True
    for report in reports:
        statuses = [o.status for o in report.outcomes]
        target = f" → {report.product_id}" if report.product_id else " (unattributed)"
        out.print(
            f"{report.collector}{target}: {len(statuses)} file(s): {statuses.count('ok')} read, "
            f"{statuses.count('unchanged')} unchanged, {statuses.count('skipped')} skipped "
            f"(not evidence), {statuses.count('refused')} refused; "
            f"{report.records_read} record(s) read, {report.records_new} new"
        )
        for outcome in report.refused:
            err.print(f"[red]refused[/red] {outcome.source}: {outcome.reason}")
        all_ok = all_ok and report.ok
    return all_ok


@app.command()
def collectors() -> None:
    """List the installed collectors (built-in and third-party)."""
    table = Table("name", "reads")
    for name, collector in sorted(available_collectors().items()):
        table.add_row(name, collector.description)
    out.print(table)


def _write_rows(rows: list[dict[str, Any]], fmt: ExportFormat, output: Path | None) -> None:
    buffer = io.StringIO()
    if fmt is ExportFormat.json:
        for row in rows:
            buffer.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
    else:
        fields = list(rows[0]) if rows else []
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()}
            )
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        output.write_text(buffer.getvalue(), encoding="utf-8")


FormatOption = Annotated[ExportFormat, typer.Option("--format", "-f", help="json lines or csv.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
]


@export_app.command("checks")
def export_checks(
    format_: FormatOption = ExportFormat.json,
    product: Annotated[str | None, typer.Option("--product", help="Only this product.")] = None,
    output: OutputOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Normalised check results: one JSON object per line, or CSV."""
    service = _service(workspace)
    try:
        rows = service.export_checks(product)
    except UnknownProduct as exc:
        raise _fail(str(exc)) from exc
    _write_rows(rows, format_, output)


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
    _write_rows(rows, format_, output)


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
    from governance.demo import build_demo

    configure_telemetry()
    root = (workspace or Path(os.environ.get("MESHGOV_WORKSPACE") or "meshgov-demo")).resolve()
    try:
        summary = build_demo(root, seed=seed, days=days)
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
    reports = service.collect_configured()
    collected = print_collection(reports)
    out.print(f"demo workspace ready: {root} ({summary})")
    if not (registration.ok and collected):
        raise _fail("the demo did not load cleanly; see the refusals above", 1)
    if serve_app:
        _serve(demo_workspace, port)


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


if __name__ == "__main__":
    app()
