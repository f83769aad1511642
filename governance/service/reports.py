"""The governance board pack: the agenda and the minutes, as Markdown or a standalone HTML page.

Pure rendering: items, decisions and times come in as arguments, so the same input always
renders the same text (the golden files in tests/board rely on that).

Titles, summaries and comments are written by people we do not trust, so both formats are
built from one neutral document (`_Document`) and every value goes through exactly one
escaping function per format: `_md_text` or `_html_text`. The layouts put fixed text before
every value on its line, so a value can never begin a Markdown line.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

FORMATS = ("md", "html")

KIND_WORDS = {
    "acceptance": "acceptance",
    "blocker": "blocker",
    "budget_exhausted": "error budget exhausted",
    "waiver_request": "waiver request",
    "access_request": "access request",
    "contract_change": "contract change",
    "policy_change": "policy change",
}
OUTCOME_WORDS = {
    "approved": "Approved",
    "rejected": "Rejected",
    "changes_requested": "Changes requested",
    "deferred": "Deferred",
}
OVERDUE = "OVERDUE"


class _Code(str):
    """Text shown as code; only our own text (a command), never a value from a person."""


# A paragraph is a run of spans: plain text (escaped) and `_Code` (shown as code).
_Paragraph = tuple[str, ...]


@dataclass(frozen=True)
class _Section:
    """One agenda item or one decision: a heading, labelled fields, then short lists."""

    heading: str
    fields: list[tuple[str, str]]
    lists: list[tuple[str, list[str]]] = field(default_factory=list)
    flag: str | None = None


@dataclass(frozen=True)
class _Document:
    """What both formats render: a title, lead paragraphs, sections and a footer."""

    title: str
    lead: list[_Paragraph]
    sections: list[_Section]
    empty: str  # said instead of the sections when there are none
    footer: list[_Paragraph] = field(default_factory=list)


def render_agenda(
    items: Sequence[Mapping[str, Any]],
    *,
    mesh: str,
    generated_at: datetime,
    fmt: str = "md",
) -> str:
    """The board agenda: items highest priority first, each with its evidence summary and the decision asked for."""
    render = _renderer(fmt)
    now = _utc(generated_at, "generated_at")
    ordered = sorted(
        items,
        key=lambda item: (
            -float(item["priority"]),
            _utc(item["due_at"], f"due_at of item #{item['id']}"),
            item["id"],
        ),
    )
    sections = [_agenda_section(number, item, now) for number, item in enumerate(ordered, 1)]
    overdue = sum(section.flag == OVERDUE for section in sections)
    lead = [(f"Generated {_minute(now)} · {_count(len(ordered), 'item')} · {overdue} overdue",)]
    return render(
        _Document(
            title=f"Governance board agenda — {mesh}",
            lead=lead,
            sections=sections,
            empty="Nothing is on the agenda.",
        )
    )


def render_minutes(
    decisions: Sequence[Mapping[str, Any]],
    *,
    mesh: str,
    since: date,
    generated_at: datetime,
    log_head: Mapping[str, Any] | None,
    fmt: str = "md",
) -> str:
    """Decisions taken since a date: outcome, rationale, decision record id, who decided."""
    render = _renderer(fmt)
    now = _utc(generated_at, "generated_at")
    if isinstance(since, datetime):  # a datetime is a date too, but cannot be compared with one
        since = _utc(since, "since").date()

    def decided_at(decision: Mapping[str, Any]) -> datetime:
        return _utc(decision["decided_at"], f"decided_at of {decision['record_id']}")

    # Older decisions are left out so that the heading "since <date>" stays true.
    taken = sorted(
        (decision for decision in decisions if decided_at(decision).date() >= since),
        key=lambda decision: (decided_at(decision), decision["record_id"]),
    )
    lead: list[_Paragraph] = [(f"Decisions since {since.isoformat()} · generated {_minute(now)}",)]
    if taken:
        counts = Counter(decision["outcome"] for decision in taken)
        outcomes = [*OUTCOME_WORDS, *sorted(set(counts) - set(OUTCOME_WORDS))]
        tally = " · ".join(f"{_outcome_words(outcome)} {counts[outcome]}" for outcome in outcomes)
        lead.append((f"{_count(len(taken), 'decision')}: {tally}",))
    return render(
        _Document(
            title=f"Governance board minutes — {mesh}",
            lead=lead,
            sections=[_minutes_section(decision) for decision in taken],
            empty=f"No decisions since {since.isoformat()}.",
            footer=[_log_anchor(log_head)],
        )
    )


def _agenda_section(number: int, item: Mapping[str, Any], now: datetime) -> _Section:
    due = _utc(item["due_at"], f"due_at of item #{item['id']}")
    overdue = due < now
    fields = [
        ("Kind", _kind_words(item["kind"])),
        ("Product", _subject(item["product_id"], item["domain_id"])),
        ("Severity", item["severity"]),
        ("Tier", item["tier"] or "none"),
        ("Priority", f"{float(item['priority']):.1f}"),
        ("Due", f"{_day(due)} — {OVERDUE}" if overdue else _day(due)),
        ("Opened", _day(_utc(item["opened_at"], f"opened_at of item #{item['id']}"))),
        ("Assignee", item["assignee"] or "unassigned"),
    ]
    if item["requested_by"]:
        fields.append(("Requested by", item["requested_by"]))
    fields += [("Decision asked", item["decision_asked"]), ("Summary", item["summary"])]
    evidence = [
        f"{entry['label']} — {entry['detail']} ({entry['kind']}: {entry['ref']})"
        for entry in item["evidence"]
    ]
    lists = [("Evidence", evidence)]
    if item["comments"]:
        when = f"a comment on item #{item['id']}"
        lists.append(
            (
                "Comments",
                [
                    f"{_minute(_utc(comment['time'], when))} — {comment['actor']}: {comment['body']}"
                    for comment in item["comments"]
                ],
            )
        )
    return _Section(
        heading=f"{number}. {item['title']} (#{item['id']})",
        fields=fields,
        lists=lists,
        flag=OVERDUE if overdue else None,
    )


def _minutes_section(decision: Mapping[str, Any]) -> _Section:
    decided_at = _utc(decision["decided_at"], f"decided_at of {decision['record_id']}")
    return _Section(
        heading=f"{decision['record_id']} — {decision['title']}",
        fields=[
            ("Outcome", _outcome_words(decision["outcome"])),
            ("Product", decision["product_id"] or "mesh-wide"),
            ("Item", f"{_kind_words(decision['kind'])} #{decision['item_id']}"),
            ("Decided by", decision["decided_by"]),
            ("Decided at", _minute(decided_at)),
            ("Effects", _effects_words(decision["effects"])),
            ("Rationale", decision["rationale"]),
        ],
    )


def _effects_words(effects: Mapping[str, Any]) -> str:
    """What a decision created, in words: the waiver or grant and its dates."""
    parts = []
    if "waiver_id" in effects:
        parts.append(f"waiver #{effects['waiver_id']}{_until(effects.get('expires_at'))}")
    if "grant_id" in effects:
        grant = f"access grant #{effects['grant_id']}{_until(effects.get('expires_at'))}"
        if effects.get("reassess_at"):
            grant += f", reassess on {_as_day(effects['reassess_at'])}"
        parts.append(grant)
    # Keys this renderer does not know yet are shown as they are rather than dropped.
    known = {"waiver_id", "grant_id", "expires_at", "reassess_at"}
    parts += [f"{key}: {effects[key]}" for key in sorted(set(effects) - known)]
    return "; ".join(parts) or "none"


def _until(expires_at: Any) -> str:
    return f" until {_as_day(expires_at)}" if expires_at else " (no expiry)"


def _as_day(value: Any) -> str:
    """The UTC day of an ISO timestamp or datetime; text that is neither is shown as it is."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return _day(value.astimezone(UTC) if value.tzinfo else value)
    return str(value)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _log_anchor(log_head: Mapping[str, Any] | None) -> _Paragraph:
    if log_head is None:
        return ("Governance log: no entries yet, so there is nothing to anchor.",)
    seq, digest = int(log_head["seq"]), str(log_head["hash"]).lower()
    if not _SHA256.fullmatch(digest):
        # It goes into a command the board will run; refuse rather than print a broken anchor.
        raise ValueError(
            f"log_head['hash'] must be a sha256 as 64 hex characters, got {digest!r}; "
            "pass the head row of the governance log"
        )
    return (
        f"Governance log head: entry {seq}, sha256 {digest}; ",
        _Code(f"meshgov audit verify --anchor {seq}:{digest}"),
        " proves nothing before it was changed.",
    )


def _renderer(fmt: str) -> Callable[[_Document], str]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return _render_md if fmt == "md" else _render_html


# --- Markdown ---------------------------------------------------------------------------------

_MD_ACTIVE = re.compile(r"[\\`*_\[\]|&<>]")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_EDGE_HASHES = re.compile(r"^#|(?<=\s)#(?=#*$)")


def _md_text(value: Any) -> str:
    """A value as inline Markdown text: one line, no markup, no raw HTML."""
    text = " ".join(str(value).splitlines())
    # Backslash too: otherwise a value ending in one would escape our own markup after it.
    text = _MD_ACTIVE.sub(lambda m: _MD_ENTITIES.get(m[0], "\\" + m[0]), text)
    # A leading `#` would open a heading; a trailing ` #` run would be eaten as its closing.
    return _MD_EDGE_HASHES.sub(r"\\#", text)


def _md_paragraph(paragraph: _Paragraph) -> str:
    return "".join(f"`{span}`" if isinstance(span, _Code) else _md_text(span) for span in paragraph)


def _render_md(doc: _Document) -> str:
    lines = [f"# {_md_text(doc.title)}", ""]
    for paragraph in doc.lead:
        lines += [_md_paragraph(paragraph), ""]
    if not doc.sections:
        lines += [_md_text(doc.empty), ""]
    for section in doc.sections:
        heading = f"## {_md_text(section.heading)}"
        if section.flag:
            heading += f" — **{_md_text(section.flag)}**"
        lines += [heading, ""]
        lines += [f"- **{label}:** {_md_text(value)}" for label, value in section.fields]
        lines.append("")
        for label, entries in section.lists:
            if not entries:
                lines += [f"**{label}:** none recorded", ""]
                continue
            lines += [f"**{label}**", ""]
            lines += [f"- {_md_text(entry)}" for entry in entries]
            lines.append("")
    if doc.footer:
        lines += ["---", ""]
        for paragraph in doc.footer:
            lines += [_md_paragraph(paragraph), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- HTML -------------------------------------------------------------------------------------

# Inline only: the page is mailed and archived, so it must not fetch anything.
_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: .75rem 0 .25rem; }
.lead { color: #57606a; margin: .25rem 0; }
section { border: 1px solid #d0d7de; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
section.flagged { border-color: #cf222e; border-left-width: 4px; }
.flag { color: #cf222e; font-size: .8rem; letter-spacing: .05em; margin-left: .5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dt { color: #57606a; }
dd { margin: 0; }
dd, li { white-space: pre-line; }
dd, li, footer { overflow-wrap: anywhere; }
code { font-size: .85rem; background: #f6f8fa; padding: .1rem .25rem; border-radius: 4px; }
footer { border-top: 1px solid #d0d7de; margin-top: 2rem; padding-top: .5rem; color: #57606a; }
""".strip()
# Defence in depth should an escape ever be missed: the page may run no script at all.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _html_text(value: Any) -> str:
    """A value as HTML text, quotes included, so it is safe in elements and attributes."""
    return html.escape(str(value), quote=True)


def _html_paragraph(paragraph: _Paragraph) -> str:
    return "".join(
        f"<code>{_html_text(span)}</code>" if isinstance(span, _Code) else _html_text(span)
        for span in paragraph
    )


def _render_html(doc: _Document) -> str:
    title = _html_text(doc.title)
    out = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
    ]
    out += [f'<p class="lead">{_html_paragraph(paragraph)}</p>' for paragraph in doc.lead]
    if not doc.sections:
        out.append(f'<p class="empty">{_html_text(doc.empty)}</p>')
    for section in doc.sections:
        flag = f' <strong class="flag">{_html_text(section.flag)}</strong>' if section.flag else ""
        out += [
            '<section class="flagged">' if section.flag else "<section>",
            f"<h2>{_html_text(section.heading)}{flag}</h2>",
            "<dl>",
        ]
        out += [
            f"<dt>{_html_text(label)}</dt><dd>{_html_text(value)}</dd>"
            for label, value in section.fields
        ]
        out.append("</dl>")
        for label, entries in section.lists:
            if not entries:
                out.append(f"<h3>{_html_text(label)}</h3><p>none recorded</p>")
                continue
            out += [f"<h3>{_html_text(label)}</h3>", "<ul>"]
            out += [f"<li>{_html_text(entry)}</li>" for entry in entries]
            out.append("</ul>")
        out.append("</section>")
    if doc.footer:
        out.append("<footer>")
        out += [f"<p>{_html_paragraph(paragraph)}</p>" for paragraph in doc.footer]
        out.append("</footer>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# --- words ------------------------------------------------------------------------------------


def _utc(value: datetime, what: str) -> datetime:
    """An aware datetime in UTC; a naive one is refused, since its zone would be a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " "))


def _outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome.replace("_", " ").capitalize())


def _subject(product_id: str | None, domain_id: str | None) -> str:
    if product_id and domain_id:
        return f"{product_id} (domain {domain_id})"
    if product_id:
        return product_id
    return f"domain {domain_id}" if domain_id else "mesh-wide"
