"""The board pack: the agenda and the minutes, and the reports part of the service.

Rendering is pure: items, decisions and times come in as arguments, so the same input always
renders the same text (the golden files in tests/board rely on that). The two formats, and
how every value is escaped in each, are governance/service/report_formats.py's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from governance.service.board import Board
from governance.service.context import MeshContext
from governance.service.incident_report import render_incidents
from governance.service.report_formats import Code, Document, Paragraph, Section, renderer
from governance.store.read import board_queries, incident_queries
from governance.store.schema.types import utcnow
from governance.store.write import ledger

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


def render_agenda(
    items: Sequence[Mapping[str, Any]],
    *,
    mesh: str,
    generated_at: datetime,
    fmt: str = "md",
) -> str:
    """The board agenda: items highest priority first, each with its evidence summary and the decision asked for."""
    render = renderer(fmt)
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
        Document(
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
    render = renderer(fmt)
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
    lead: list[Paragraph] = [(f"Decisions since {since.isoformat()} · generated {_minute(now)}",)]
    if taken:
        counts = Counter(decision["outcome"] for decision in taken)
        outcomes = [*OUTCOME_WORDS, *sorted(set(counts) - set(OUTCOME_WORDS))]
        tally = " · ".join(f"{_outcome_words(outcome)} {counts[outcome]}" for outcome in outcomes)
        lead.append((f"{_count(len(taken), 'decision')}: {tally}",))
    return render(
        Document(
            title=f"Governance board minutes — {mesh}",
            lead=lead,
            sections=[_minutes_section(decision) for decision in taken],
            empty=f"No decisions since {since.isoformat()}.",
            footer=[_log_anchor(log_head)],
        )
    )


def _agenda_section(number: int, item: Mapping[str, Any], now: datetime) -> Section:
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
    return Section(
        heading=f"{number}. {item['title']} (#{item['id']})",
        fields=fields,
        lists=lists,
        flag=OVERDUE if overdue else None,
    )


def _minutes_section(decision: Mapping[str, Any]) -> Section:
    decided_at = _utc(decision["decided_at"], f"decided_at of {decision['record_id']}")
    return Section(
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


def _log_anchor(log_head: Mapping[str, Any] | None) -> Paragraph:
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
        Code(f"meshgov audit verify --anchor {seq}:{digest}"),
        " proves nothing before it was changed.",
    )


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


class Reports:
    """The reports part of MeshgovService: the board pack's agenda and minutes, rendered."""

    def __init__(self, context: MeshContext, board: Board) -> None:
        self._context = context
        self._board = board

    def agenda(self, fmt: str = "md", now: datetime | None = None) -> str:
        """The board pack's agenda: items on the agenda, highest priority first."""
        now = now or utcnow()
        return render_agenda(
            self._board.queue(states=("on_agenda",), now=now),
            mesh=self._context.workspace.name,
            generated_at=now,
            fmt=fmt,
        )

    def minutes(self, since: date, fmt: str = "md", now: datetime | None = None) -> str:
        """The board pack's minutes: decisions since a day, with the log's head as anchor."""
        now = now or utcnow()
        with self._context.store.read() as connection:
            found = board_queries.decisions_since(
                connection, datetime.combine(since, time.min, tzinfo=UTC)
            )
            seq, digest = ledger.head(connection)
        return render_minutes(
            found,
            mesh=self._context.workspace.name,
            since=since,
            generated_at=now,
            log_head={"seq": seq, "hash": digest} if seq else None,
            fmt=fmt,
        )

    def incidents(self, since: date, fmt: str = "md", now: datetime | None = None) -> str:
        """The board pack's incident report: active incidents and those resolved since a day."""
        now = now or utcnow()
        with self._context.store.read() as connection:
            rows = incident_queries.incident_rows(
                connection, since=datetime.combine(since, time.min, tzinfo=UTC)
            )
        return render_incidents(
            rows, mesh=self._context.workspace.name, since=since, generated_at=now, fmt=fmt
        )
