"""The board pack's incident report: per domain, what is open and how fast owners answered.

Pure like the agenda and the minutes: the incidents and the time come in as arguments, and
report_formats.py renders the document as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from governance.engine.incidents import response_times
from governance.model.incidents import ACTIVE, RESOLVED
from governance.service.report_formats import Document, Section, renderer


def render_incidents(
    incidents: Sequence[Mapping[str, Any]],
    *,
    mesh: str,
    since: date,
    generated_at: datetime,
    fmt: str = "md",
) -> str:
    """Incidents still active and those resolved since `since`, by domain, with medians."""
    render = renderer(fmt)
    by_domain: dict[str, list[Mapping[str, Any]]] = {}
    for incident in incidents:
        by_domain.setdefault(str(incident["domain_id"]), []).append(incident)
    sections = [_domain_section(domain, rows) for domain, rows in sorted(by_domain.items())]
    whole = response_times(incidents)
    lead = [
        (
            f"Generated {generated_at:%Y-%m-%d %H:%M} UTC · since {since} · "
            f"{whole.open} open, {whole.acknowledged} acknowledged, {whole.resolved} resolved · "
            f"median time to acknowledge {_hours(whole.median_hours_to_acknowledge)}, "
            f"to resolve {_hours(whole.median_hours_to_resolve)}",
        )
    ]
    return render(
        Document(
            title=f"Incidents — {mesh}",
            lead=lead,
            sections=sections,
            empty="No incident was open or resolved in this period.",
        )
    )


def _domain_section(domain: str, rows: Sequence[Mapping[str, Any]]) -> Section:
    times = response_times(rows)
    active = [r for r in rows if r["state"] in ACTIVE]
    resolved = [r for r in rows if r["state"] == RESOLVED]
    return Section(
        heading=f"Domain {domain}",
        fields=[
            ("Open", str(times.open)),
            ("Acknowledged", str(times.acknowledged)),
            ("Resolved", str(times.resolved)),
            ("Median time to acknowledge", _hours(times.median_hours_to_acknowledge)),
            ("Median time to resolve", _hours(times.median_hours_to_resolve)),
        ],
        lists=[
            ("Active", [_line(r) for r in active]),
            ("Resolved", [_line(r) for r in resolved]),
        ],
        flag="OPEN" if times.open else None,
    )


def _line(row: Mapping[str, Any]) -> str:
    who = f", acknowledged by {row['acknowledged_by']}" if row.get("acknowledged_by") else ""
    if row["state"] == RESOLVED:
        who = f", resolved by {row['resolved_by']}: {row['resolution']}"
    return f"#{row['id']} {row['title']} ({row['detail']}), opened {row['opened_at']:%Y-%m-%d}{who}"


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} h"
