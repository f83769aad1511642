"""The review queue page: the board's meeting, waiver and access requests, agenda and minutes.

Everyone sees the page; what it offers follows the roles. Board members set the agenda and
decide, domain owners ask for waivers, everybody asks for access and follows their own
requests. Every action goes through the service, which checks the permission again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from governance.engine.review import KINDS
from governance.engine.roles import STEWARDS, Principal
from governance.model.vocabulary import ACTIVE_ITEM_STATES, ITEM_STATES
from governance.service import MeshgovService
from governance.ui.components import current_service, records_frame, time_label
from governance.ui.identity import signed_in
from governance.ui.review_forms import (
    escape_markdown,
    render_actions,
    render_requests,
    show_flash,
    today,
)

QUEUE_KEY = "review_queue"
ITEM_KEY = "review_item"  # the item whose detail is shown
_SHOWN_ROWS_KEY = "review_queue_rows"  # the table selection the detail last followed
MINUTES_DAYS = 30  # the minutes' default "since": about one meeting cycle back
QUEUE_COLUMNS = {
    "id": "#",
    "priority": "priority",
    "state": "state",
    "kind": "kind",
    "product_id": "product",
    "title": "title",
    "due": "due (UTC)",
    "overdue": "overdue",
    "assignee": "assignee",
}
EVIDENCE_FIELDS = {"label": "label", "detail": "detail", "ref": "ref", "kind": "kind"}
EVENT_FIELDS = {
    "time": "time (UTC)",
    "actor": "who",
    "action": "move",
    "from_state": "from",
    "to_state": "to",
    "body": "note",
}
DECISION_FIELDS = {
    "record_id": "record",
    "outcome": "outcome",
    "decided_by": "decided by",
    "decided_at": "decided at (UTC)",
    "rationale": "rationale",
    "effects": "effects",
}


def review_page() -> None:
    """The review queue, one item's detail and actions, requests, and the board pack."""
    service = current_service()
    principal = signed_in()
    st.title("Review queue")
    show_flash()
    # Keyed and bound to the URL: the tab stays open across an action's rerun (an unkeyed
    # one jumped back to Queue), and a link can open the agenda for a board meeting.
    queue, requests, agenda = st.tabs(
        ["Queue", "Requests", "Agenda & minutes"], key="tab", bind="query-params"
    )
    with queue:
        items = filtered_queue(service, principal)
        chosen = render_queue(items)
        if chosen is not None:
            render_item(service, principal, chosen)
    with requests:
        render_requests(service, principal)
    with agenda:
        render_agenda(service)


def is_steward(principal: Principal) -> bool:
    """Whether the principal sees the whole queue (board, admin, domain owners)."""
    return bool(principal.roles & STEWARDS)


def filtered_queue(service: MeshgovService, principal: Principal) -> list[dict[str, Any]]:
    """The filters, and the items that pass them (only one's own requests for a consumer)."""
    products = service.products()
    domains = sorted({p["domain_id"] for p in products})
    states, kind, domain, product, mine = st.columns([3, 2, 2, 2, 1], vertical_alignment="bottom")
    chosen_states = states.multiselect(
        "State",
        ITEM_STATES,
        default=list(ACTIVE_ITEM_STATES),
        key="review_states",
        format_func=lambda state: state.replace("_", " "),
    )
    chosen_kind = kind.selectbox(
        "Kind",
        list(KINDS),
        index=None,
        placeholder="All kinds",
        key="review_kind",
        format_func=lambda k: KINDS[k].label,
    )
    chosen_domain = domain.selectbox(
        "Domain", domains, index=None, placeholder="All domains", key="review_domain"
    )
    chosen_product = product.selectbox(
        "Product",
        [p["id"] for p in products],
        index=None,
        placeholder="All products",
        key="review_product",
    )
    only_mine = mine.toggle("Only mine", key="review_mine", help="Requested by or assigned to me")
    if not chosen_states:
        st.info("Choose at least one state to see items.")
        return []
    items = service.board.queue(
        states=chosen_states, product_id=chosen_product, domain_id=chosen_domain, kind=chosen_kind
    )
    if not is_steward(principal):
        st.caption(
            "You see the requests you made. The board and domain owners see the whole queue; "
            "ask for access or follow your requests here."
        )
        items = [i for i in items if i["requested_by"] == principal.email]
    if only_mine:
        items = [i for i in items if principal.email in (i["requested_by"], i["assignee"])]
    return items


def queue_table(items: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per item, in the queue's order (highest priority first)."""
    rows = [
        {
            **item,
            "kind": KINDS[item["kind"]].label,
            "state": item["state"].replace("_", " ")
            + (f" ({item['outcome'].replace('_', ' ')})" if item["outcome"] else ""),
            "due": time_label(item["due_at"]),
            "overdue": "⚠ overdue" if item["overdue"] else "",
        }
        for item in items
    ]
    return records_frame(rows, QUEUE_COLUMNS)


def render_queue(items: list[dict[str, Any]]) -> int | None:
    """The queue as a table; the selected row's item id (kept while the selection stands)."""
    st.subheader(f"{len(items)} item(s)")
    table = queue_table(items)
    event = st.dataframe(
        table,
        key=QUEUE_KEY,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "#": st.column_config.NumberColumn(width="small"),
            "priority": st.column_config.NumberColumn(format="%.2f", help="severity × tier × age"),
            "title": st.column_config.TextColumn(width="large"),
        },
    )
    rows = list(event.selection.rows) if event else []
    # Row numbers point into the table as it was when clicked; after an action closes or
    # moves an item they would point at another one. So the detail follows a *new*
    # selection only, and otherwise keeps showing the item it showed.
    if rows != st.session_state.get(_SHOWN_ROWS_KEY):
        st.session_state[_SHOWN_ROWS_KEY] = rows
        valid = rows and rows[0] < len(items)
        st.session_state[ITEM_KEY] = items[rows[0]]["id"] if valid else None
    if not items:
        st.info("No item matches these filters.")
    elif st.session_state.get(ITEM_KEY) is None:
        st.caption("Select a row to see the item, its evidence and history.")
    return st.session_state.get(ITEM_KEY)


def render_item(service: MeshgovService, principal: Principal, item_id: int) -> None:
    """One item: what is asked, the evidence, the history, decisions, comments and actions."""
    try:
        item = service.board.item_detail(item_id)
    except LookupError as exc:
        st.error(escape_markdown(exc))
        return
    if not is_steward(principal) and item["requested_by"] != principal.email:
        st.info("Only the board, domain owners and the requester see this item.")
        return
    st.divider()
    st.subheader(f"#{item_id} · {escape_markdown(item['title'])}")
    overdue = item["state"] != "closed" and item["due_at"] < datetime.now(UTC)
    kind, state, severity, priority, due = st.columns(5)
    kind.metric("Kind", KINDS[item["kind"]].label)
    outcome = f" ({item['outcome'].replace('_', ' ')})" if item["outcome"] else ""
    state.metric("State", item["state"].replace("_", " ") + outcome)
    severity.metric("Severity", item["severity"])
    priority.metric("Priority", f"{item['priority']:.2f}")
    due.metric("Due (UTC)", time_label(item["due_at"]) + (" ⚠ overdue" if overdue else ""))
    st.caption(
        f"Decided by the {'board' if item['decider'] == 'board' else 'domain owner'} · "
        f"product {escape_markdown(item['product_id'] or '—')} · "
        f"requested by {escape_markdown(item['requested_by'] or 'a trigger')} · "
        f"assigned to {escape_markdown(item['assignee'] or 'nobody')}"
    )
    # Titles, summaries, evidence and comments are written by people and tools: shown as
    # plain text (st.text, tables), never as Markdown or HTML.
    st.markdown("**Decision asked**")
    st.text(item["decision_asked"])
    st.markdown("**Summary**")
    st.text(item["summary"])
    render_records("Evidence", item["evidence"], EVIDENCE_FIELDS)
    render_records("History", item["events"], EVENT_FIELDS)
    render_records("Decisions", item["decisions"], DECISION_FIELDS)
    render_comments(item["comments"])
    render_actions(service, principal, item)


def render_records(title: str, rows: list[dict[str, Any]], fields: dict[str, str]) -> None:
    """A titled table of an item's evidence, history or decisions (text, never Markdown)."""
    st.markdown(f"**{title}**")
    if not rows:
        st.caption(f"No {title.lower()} yet.")
        return
    shown = [
        {k: time_label(v) if isinstance(v, datetime) else v for k, v in row.items()} for row in rows
    ]
    for row in shown:
        if isinstance(row.get("effects"), dict):
            row["effects"] = ", ".join(f"{k}={v}" for k, v in row["effects"].items()) or "—"
    st.dataframe(records_frame(shown, fields), hide_index=True)


def render_comments(comments: list[dict[str, Any]]) -> None:
    """Comments, oldest first: who and when as a caption, the body as plain text."""
    st.markdown("**Comments**")
    if not comments:
        st.caption("No comments yet.")
    for comment in comments:
        st.caption(f"{escape_markdown(comment['actor'])} · {time_label(comment['time'])} UTC")
        st.text(comment["body"])


def render_agenda(service: MeshgovService) -> None:
    """The agenda in order, and the board pack (agenda, minutes) as downloads."""
    st.subheader("Agenda")
    agenda = service.board.queue(states=("on_agenda",))
    if agenda:
        table = queue_table(agenda)
        table.insert(0, "order", range(1, len(table) + 1))
        st.dataframe(table.drop(columns=["state"]), hide_index=True)
    else:
        st.info("Nothing is on the agenda. Put items on it from the queue.")
    markdown, html = st.columns(2)
    markdown.download_button(
        "Agenda (Markdown)",
        service.reports.agenda("md"),
        file_name="agenda.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
    )
    html.download_button(
        "Agenda (HTML)",
        service.reports.agenda("html"),
        file_name="agenda.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
    )
    st.subheader("Minutes")
    since = st.date_input(
        "Decisions since", value=today() - timedelta(days=MINUTES_DAYS), key="review_since"
    )
    markdown, html = st.columns(2)
    markdown.download_button(
        "Minutes (Markdown)",
        service.reports.minutes(since, "md"),
        file_name=f"minutes-since-{since}.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
    )
    html.download_button(
        "Minutes (HTML)",
        service.reports.minutes(since, "html"),
        file_name=f"minutes-since-{since}.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
    )
