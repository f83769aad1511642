"""How the CLI shows results: text for people, JSON and CSV for scripts, a progress bar."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress as RichProgress

from collectors.runner import Progress, RunReport
from governance.service.registration import RegistrationReport
from governance.store.write.collector_log import FileOutcome

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class ExportFormat(StrEnum):
    """Formats of `meshgov export`."""

    json = "json"
    csv = "csv"


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
    for message in report.warnings:
        err.print(f"[yellow]warning[/yellow] {message}")


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar on a terminal; nothing in CI, in pipes or with --json."""
    if not enabled or os.environ.get("CI") or not err.is_terminal:
        yield None
        return
    with RichProgress(console=err, transient=True) as bar:
        task = bar.add_task("collecting", total=0)

        def advance(event: str, amount: int) -> None:
            if event == "files":
                bar.update(task, total=(bar.tasks[0].total or 0) + amount)
            else:
                bar.advance(task, amount)

        yield advance


def collection_summary(report: RunReport) -> dict[str, Any]:
    """The machine-readable summary `--json` prints."""
    return {
        "run_id": report.run_id,
        "ok": report.ok,
        "records_new": report.records_new,
        "sources": [
            {
                "collector": s.source.collector,
                "source": s.source.location,
                "product": s.source.product,
                "origin": s.source.origin,
                "error": s.error,
                "files": {
                    status: s.count(status)
                    for status in ("ok", "partial", "unchanged", "skipped", "refused")
                },
                "records_read": s.records_read,
                "records_new": s.records_new,
                "refusals": [
                    {"file": o.path, "status": o.status, "position": o.position, "reason": o.reason}
                    for o in s.refused
                ],
                "warnings": [{"file": o.path, "warnings": list(o.warnings)} for o in s.warned],
            }
            for s in report.sources
        ],
    }


def print_collection(report: RunReport) -> bool:
    """Summarise a collection run for people; returns True when nothing was refused."""
    for source in report.sources:
        target = f" → {source.source.product}" if source.source.product else ""
        if source.error:
            err.print(
                f"[red]failed[/red] {source.source.collector}{target} {source.source.location}: "
                f"{source.error}"
            )
            continue
        out.print(
            f"{source.source.collector}{target} {source.source.location}: "
            f"{len(source.outcomes)} file(s): {source.count('ok', 'partial')} read, "
            f"{source.count('unchanged')} unchanged, {source.count('skipped')} skipped "
            f"(not evidence), {source.count('refused')} refused; "
            f"{source.records_read} record(s) read, {source.records_new} new"
        )
        for outcome in source.refused:
            where = f" ({outcome.position})" if outcome.position else ""
            verb = "partly read" if outcome.status == "partial" else "refused"
            err.print(f"[red]{verb}[/red] {escape(f'{outcome.path}{where}: {outcome.reason}')}")
        print_warnings(source.warned)
    return report.ok


def print_warnings(warned: list[FileOutcome]) -> None:
    """Warnings grouped by what they say: one line per warning, with how many files said it.

    A mesh's files tend to share their unread parts (every OpenLineage producer's schema
    facet, say): hundreds of identical lines would hide the one that matters.
    """
    files_by_warning: dict[str, list[str]] = {}
    for outcome in warned:
        for warning in outcome.warnings:
            files_by_warning.setdefault(warning, []).append(outcome.path)
    for warning, paths in files_by_warning.items():
        where = paths[0] if len(paths) == 1 else f"{len(paths)} files, e.g. {paths[0]}"
        err.print(f"[yellow]warning[/yellow] {escape(f'{where}: {warning}')}")


def print_json(value: Any) -> None:
    """`value` as one line of JSON on stdout: times as ISO 8601, anything else unknown as text."""
    print(json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


def write_rows(rows: list[dict[str, Any]], fmt: ExportFormat, output: Path | None) -> None:
    """Rows as JSON lines or CSV, to stdout or a file."""
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


def print_sync(report: Any) -> None:
    """Summarise a queue sync for people."""
    out.print(f"review queue: {len(report.opened)} opened, {len(report.closed)} closed")
    for item in report.opened:
        out.print(f"  opened #{item['id']} {item['kind']}: {escape(item['title'])}")
    for item_id, reason in report.closed:
        out.print(f"  closed #{item_id}: {escape(reason)}")
    for delivery in report.notifications:
        if not delivery.ok:
            out.print(f"[yellow]webhook not delivered:[/yellow] {escape(delivery.error or '')}")
