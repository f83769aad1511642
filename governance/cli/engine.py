"""`meshgov evaluate`, `policies`, `check` and `new`: the engine on the command line.

Evaluating the mesh, listing policies, judging one product before it is
registered, and scaffolding a new product that passes the bronze gate.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from governance.cli.common import WorkspaceOption, exit_on, open_service
from governance.cli.output import ExportFormat, out, print_sync, write_rows
from governance.errors import (
    CheckSetupError,
    ScaffoldError,
    WorkspaceError,
)
from governance.service import MeshgovService

commands = typer.Typer()
new_app = typer.Typer(help="Scaffold new things.", no_args_is_help=True)

AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", help="Evaluate as of this time (UTC), e.g. to replay a day."),
]


@commands.command()
def evaluate(
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    json_: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    backfill: Annotated[
        int,
        typer.Option(help="First evaluate each of the N days before today, for trends."),
    ] = 0,
) -> None:
    """Facts → SLOs → policies → scores → snapshots, for the whole mesh."""
    service = open_service(workspace)
    when = as_of.replace(tzinfo=UTC) if as_of and as_of.tzinfo is None else as_of
    with exit_on(WorkspaceError):
        if backfill:
            service.evaluation.backfill(backfill, when)
        report = service.evaluation.evaluate(when)
    assert report.review is not None and report.incidents is not None  # set by evaluate
    summary = {
        "evaluation": report.evaluation_id,
        "as_of": report.as_of.isoformat(),
        "products": report.products,
        "policies": report.policies,
        "outcomes": report.outcomes,
        "refused_policies": report.refusals,
        "seconds": {k: round(v, 3) for k, v in report.seconds.items()},
        "review": {
            "opened": [i["id"] for i in report.review.opened],
            "closed": [i for i, _ in report.review.closed],
        },
        "incidents": {
            "opened": [i["id"] for i in report.incidents.opened],
            "resolved": report.incidents.resolved,
        },
    }
    if json_:
        print(json.dumps(summary))
    else:
        out.print(
            f"evaluated {report.products} product(s) against {report.policies} policies "
            f"(evaluation {report.evaluation_id}): "
            + ", ".join(f"{n} {o}" for o, n in sorted(report.outcomes.items()))
        )
        for refusal in report.refusals:
            out.print(f"[yellow]refused policy:[/yellow] {escape(refusal)}")
        table = Table("product", "score", "grade", "level", "capped by")
        for pid, score in sorted(report.scores.items(), key=lambda kv: kv[1].score):
            table.add_row(
                pid, f"{score.score:.1f}", score.grade, score.level, ", ".join(score.capped_by)
            )
        out.print(table)
        print_sync(report.review)
        incidents = report.incidents
        if incidents.opened or incidents.resolved:
            out.print(
                f"incidents: {len(incidents.opened)} opened, {incidents.resolved} resolved "
                f"(their causes cleared), {incidents.refreshed} still open"
            )
    if report.refusals:
        raise typer.Exit(1)


@commands.command()
def policies(
    workspace: WorkspaceOption = None,
    format_: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="json lines or csv instead of a table."),
    ] = None,
) -> None:
    """Every policy with its scope, severity, level, lifecycle and pass rate."""
    service = open_service(workspace)
    rows = service.evaluation.policy_overview()
    refusals = service.evaluation.policy_pack().refusals
    if format_ is not None:
        write_rows(rows, format_, None)
    else:
        table = Table("policy", "scope", "severity", "level", "lifecycle", "pass rate", "title")
        for row in rows:
            lifecycle = row["lifecycle"] + (
                f" until {row['grace_until']}" if row["grace_until"] else ""
            )
            table.add_row(
                row["policy_id"],
                str(row["scope"]),
                row["severity"],
                row["level"],
                lifecycle,
                _percent(row["pass_rate"], row["applicable"]),
                row["title"],
            )
        out.print(table)
    for refusal in refusals:
        out.print(f"[yellow]refused:[/yellow] {escape(str(refusal))}")
    if refusals:
        raise typer.Exit(1)


def _percent(rate: Any, judged: int) -> str:
    return "not evaluated" if rate is None else f"{100 * rate:.0f}% of {judged}"


class CheckFormat(StrEnum):
    """Output of `meshgov check`."""

    text = "text"
    json = "json"
    junit = "junit"


@commands.command()
def check(
    descriptor: Annotated[Path, typer.Argument(help="The product's ODPS descriptor (YAML).")],
    evidence: Annotated[
        list[str] | None,
        typer.Option(
            "--evidence",
            "-e",
            help="Evidence as TYPE=PATH (collector type and file, folder or glob); a bare PATH "
            "is read as Great Expectations results. Repeatable.",
        ),
    ] = None,
    contract: Annotated[
        list[Path] | None,
        typer.Option("--contract", help="Contract files beyond those beside the descriptor."),
    ] = None,
    policy: Annotated[
        list[Path] | None,
        typer.Option("--policies", help="Policy files or folders (default: the workspace's)."),
    ] = None,
    format_: Annotated[CheckFormat, typer.Option("--format", "-f")] = CheckFormat.text,
    workspace: WorkspaceOption = None,
) -> None:
    """Judge one product before it is registered; exit 1 when an enforced blocker fails."""
    from governance.service.check import as_json, as_junit, parse_evidence

    # The workspace only lends its policies and scoring: the check judges in a throwaway store,
    # so the workspace's own store need not be ready.
    with exit_on(CheckSetupError, WorkspaceError):
        service = MeshgovService.open(workspace)
        outcome = service.check.run(
            descriptor,
            [parse_evidence(e) for e in evidence or []],
            contracts=contract or [],
            policy_roots=policy,
        )
    if format_ is CheckFormat.json:
        print(json.dumps(as_json(outcome), default=str))
    elif format_ is CheckFormat.junit:
        print(as_junit(outcome))
    else:
        _print_check(outcome)
    if not outcome.passed:
        raise typer.Exit(1)


def _print_check(outcome: Any) -> None:
    verdict = "[green]passed[/green]" if outcome.passed else "[red]failed[/red]"
    score = outcome.score
    out.print(
        f"{outcome.product_id}: {verdict}; score {score.score} (grade {score.grade}), "
        f"trust level {score.level}"
    )
    marks = {"pass": "ok", "fail": "FAIL", "error": "ERROR", "waived": "waived"}
    for r in outcome.results:
        if r.outcome == "not_applicable":
            continue
        mark = (
            marks[r.outcome]
            if r.enforced or r.outcome == "pass"
            else f"{r.outcome} ({r.lifecycle})"
        )
        out.print(escape(f"  {mark:>16}  {r.policy_id} [{r.severity}, {r.level}]: {r.message}"))
    for refusal in outcome.evidence_refusals:
        out.print(f"[yellow]evidence refused:[/yellow] {escape(refusal)}")
    for refusal in outcome.policy_refusals:
        out.print(f"[yellow]policy refused:[/yellow] {escape(refusal)}")


@new_app.command("product")
def new_product_command(
    name: Annotated[str, typer.Argument(help="Product id, e.g. order-events.")],
    domain: Annotated[str, typer.Option("--domain", "-d", help="The owning domain.")],
    owner: Annotated[str, typer.Option("--owner", help="The owner's email.")] = "owner@example.com",
    directory: Annotated[
        Path, typer.Option("--dir", help="Folder to create the product folder in.")
    ] = Path("."),
) -> None:
    """Scaffold a descriptor, contract, OpenSLO file and GX suite that pass the bronze gate."""
    from governance.service.scaffold import Scaffold

    # Scaffolding needs no workspace: the part is built alone, not through MeshgovService.open.
    with exit_on(ScaffoldError):
        written = Scaffold().new_product(name, domain, directory, owner)
    for path in written:
        out.print(f"wrote {path}")
    root = directory / name
    out.print(
        f"next: python {root / 'gx' / 'validate.py'} && meshgov check {root / 'dataproduct.yaml'}"
    )
