"""`meshgov explain`: why a product scores what it does, and why a score moved.

meshgov explain orders                      # each dimension and the evidence behind it
meshgov explain orders --since 2026-11-23   # the move since that day, split into causes
meshgov explain --domain sales --since 7d   # a domain's mean, product by product
meshgov explain --mesh --since 30d          # the whole mesh
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from governance.cli.common import WorkspaceOption, exit_on, fail, open_service
from governance.cli.output import out
from governance.engine.movement import Cause, DomainMove, ScoreMove
from governance.errors import NotEvaluated, UnknownProduct
from governance.service import MeshgovService
from governance.service.movement import MESH

commands = typer.Typer()

_DAYS_BACK = re.compile(r"^(\d+)d$")
TOP_PRODUCTS = 5  # products whose causes a domain's move lists


@commands.command()
def explain(
    product: Annotated[str | None, typer.Argument(help="The product id.")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Explain the move since this day: YYYY-MM-DD, or Nd for N days before --until."
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="The later day (YYYY-MM-DD; default: the newest score).")
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Explain a domain's mean score instead (needs --since).")
    ] = None,
    mesh: Annotated[
        bool, typer.Option("--mesh", help="Explain the whole mesh's mean (needs --since).")
    ] = False,
    workspace: WorkspaceOption = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
) -> None:
    """Why a product scores what it does; with --since, why its (or a domain's) score moved."""
    chosen = [name for name, given in (("a product", product), ("--domain", domain)) if given]
    if mesh:
        chosen.append("--mesh")
    if len(chosen) != 1:
        raise fail("name one of a product, --domain or --mesh")
    if since is None and (domain or mesh or until):
        raise fail("--since is needed to explain a move (e.g. --since 7d)")
    service = open_service(workspace)
    if since is None:
        assert product is not None
        _explain_score(service, product, json_)
        return
    later = _day(until, "--until") if until else None
    with exit_on(UnknownProduct, NotEvaluated, ValueError):
        if product:
            move = service.evaluation.explain_change(
                product, _since(since, later, service, product), later
            )
            print(json.dumps(move.as_dict())) if json_ else print_move(move)
            return
        scope = MESH if mesh else str(domain)
        start = _since(since, later, service, None)
        domain_move = service.evaluation.explain_domain_change(scope, start, later)
    print(json.dumps(domain_move.as_dict())) if json_ else print_domain_move(domain_move)


def _explain_score(service: MeshgovService, product: str, json_: bool) -> None:
    with exit_on(UnknownProduct, NotEvaluated):
        explanation = service.evaluation.explain(product)
    if json_:
        print(json.dumps(explanation, default=str))
        return
    score = explanation["score"]
    out.print(
        f"[bold]{product}[/bold]: score {score['score']} (grade {score['grade']}), "
        f"trust level {score['level']}, as of {explanation['day']}"
    )
    if score["capped_by"]:
        out.print(f"  capped: failing enforced blocker(s) {', '.join(score['capped_by'])}")
    if score["level_blockers"]:
        out.print(f"  next level blocked by: {', '.join(score['level_blockers'])}")
    for name, dimension in score["dimensions"].items():
        value = "missing" if dimension["missing"] else f"{dimension['value']:.1f}"
        out.print(f"\n  [bold]{name}[/bold] {value} (weight {dimension['weight']:g})")
        for reason in dimension["reasons"]:
            out.print(escape(f"    - {reason['kind']} {reason['ref']}: {reason['detail']}"))


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from None


def _since(value: str, until: date | None, service: MeshgovService, product: str | None) -> date:
    """--since as a day: a date, or N days before --until (default: the newest score's day)."""
    found = _DAYS_BACK.match(value.strip())
    if not found:
        return _day(value, "--since")
    if until is None:
        days = service.evaluation.score_days(product)
        if days is None:
            raise NotEvaluated("nothing evaluated yet: run `meshgov evaluate` first")
        until = days[1]
    return until - timedelta(days=int(found[1]))


def print_move(move: ScoreMove) -> None:
    """The move in one line, each dimension's share, then the causes biggest first."""
    before, after = move.before.score, move.after.score
    out.print(
        f"[bold]{move.product_id}[/bold]: {before['score']} ({before['grade']}, {before['level']}) "
        f"on {move.before.day} → {after['score']} ({after['grade']}, {after['level']}) on "
        f"{move.after.day}: [bold]{move.delta:+.1f}[/bold] points"
    )
    table = Table("dimension", "before", "after", "weight", "points")
    for d in sorted(move.dimensions, key=lambda d: d.points):
        table.add_row(
            d.name, _value(d.before), _value(d.after), f"{d.weight:g}", f"{d.points:+.2f}"
        )
    out.print(table)
    if not move.detailed:
        out.print(
            "  The details of one of the two evaluations were pruned (`meshgov prune`): "
            "the causes are read from the stored explanations, without points."
        )
    if not move.causes:
        out.print("  Nothing changed between the two days.")
    for cause in move.causes:
        out.print(escape(f"  {_cause_line(cause)}"))


def _cause_line(cause: Cause) -> str:
    points = "     " if cause.points is None else f"{cause.points:+5.2f}"
    where = f" [{cause.dimension}]" if cause.dimension else ""
    return f"{points}  {cause.kind} {cause.ref}: {cause.change} ({cause.before} → {cause.after}){where}"


def _value(value: float | None) -> str:
    return "missing" if value is None else f"{value:.1f}"


def print_domain_move(move: DomainMove) -> None:
    """The mean's move, each product's share, and the top movers' causes."""
    name = "the mesh" if move.domain_id == MESH else f"domain {move.domain_id}"
    out.print(
        f"[bold]{escape(name)}[/bold]: mean score {move.before_mean} on {move.before_day} → "
        f"{move.after_mean} on {move.after_day}: [bold]{move.delta:+.2f}[/bold] points"
    )
    table = Table("product", "before", "after", "points of the mean")
    for share in move.products:
        table.add_row(
            share.product_id, _value(share.before), _value(share.after), f"{share.points:+.2f}"
        )
    out.print(table)
    for share in move.products[:TOP_PRODUCTS]:
        if share.move is None or not share.move.causes:
            continue
        out.print(f"\n  [bold]{share.product_id}[/bold] {share.move.delta:+.1f}")
        for cause in share.move.causes[:5]:
            out.print(escape(f"  {_cause_line(cause)}"))
