"""The review page's forms: board moves, decisions, comments and requests, each a service call.

Every action runs in a widget callback, before the page is drawn, so the queue and the item
shown after a click already reflect it. What the action did, or the service's reason for
refusing it, is kept as a flash message that the page shows once at its top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import streamlit as st

from governance.engine.review import KINDS
from governance.engine.roles import Principal, Scope, permits
from governance.errors import Conflict, IllegalMove, PermissionDenied
from governance.model.vocabulary import DECISION_OUTCOMES, FINAL_DECISION_OUTCOMES
from governance.service import MeshgovService
from governance.service.board import item_scope

# What the service raises for a person to read; anything else is a bug and should surface.
ACTION_ERRORS = (PermissionDenied, Conflict, IllegalMove, ValueError, LookupError)
FLASH_KEY = "review_flash"
REQUEST_KINDS = ("waiver_request", "access_request")
OUTCOME_LABELS = {
    "approved": "Approve",
    "rejected": "Reject",
    "changes_requested": "Request changes",
    "deferred": "Defer",
}
WAIVER_DAYS = 30  # the default "until" of a waiver request: one board cycle or so

# Characters that mean something to Streamlit's Markdown (links, emphasis, HTML, directives).
_INLINE = re.compile(r"([\\`*_\[\]{}<>~|$:!&])")
_LINE_START = re.compile(r"^(\s*)([#=+-]|\d+[.)])", re.MULTILINE)


def escape_markdown(text: object) -> str:
    """Text that Markdown shows literally: user-supplied titles and messages stay text."""
    escaped = _INLINE.sub(r"\\\1", str(text))
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)


def day_to_utc(day: date | None) -> datetime | None:
    """A picked day as midnight UTC (the store keeps UTC)."""
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def today() -> date:
    """Today in UTC, the day the store's timestamps use."""
    return datetime.now(UTC).date()


# --- flash messages ---------------------------------------------------------------------


def show_flash() -> None:
    """What the last action did, or why it was refused; shown once."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if not flash:
        return
    kind, message = flash
    if kind == "success":
        st.success(escape_markdown(message), icon=":material/check_circle:")
    else:
        st.error(escape_markdown(message), icon=":material/block:")


def _act(action: Callable[..., str], *args: Any) -> None:
    try:
        st.session_state[FLASH_KEY] = ("success", action(*args))
    except ACTION_ERRORS as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc))


def _value(key: str) -> Any:
    return st.session_state.get(key)


# --- item actions -----------------------------------------------------------------------


def render_actions(service: MeshgovService, who: Principal, item: dict[str, Any]) -> None:
    """The moves `who` may make on `item`; the service checks them again when called."""
    scope = item_scope(item)

    def may(action: str) -> bool:
        return permits(who, action, scope).allowed

    item_id, state = item["id"], item["state"]
    if state == "closed":
        st.caption(f"Closed: {escape_markdown(item['close_reason'] or 'no reason recorded')}")
        return
    if may("set_agenda") or may("decide"):
        st.subheader("Board actions")
        render_board_moves(service, who, item, may)
    if may("withdraw") and item["requested_by"] == who.email and item["kind"] in REQUEST_KINDS:
        with st.form(f"review_withdraw_form_{item_id}"):
            st.text_input("Why withdraw (optional)", key=f"review_withdraw_reason_{item_id}")
            st.form_submit_button(
                "Withdraw my request", on_click=_withdraw, args=(service, who, item_id)
            )
    if may("comment"):
        with st.form(f"review_comment_form_{item_id}"):
            st.text_area("Comment", key=f"review_comment_{item_id}", max_chars=4000)
            st.form_submit_button("Add comment", on_click=_comment, args=(service, who, item_id))


def render_board_moves(
    service: MeshgovService,
    who: Principal,
    item: dict[str, Any],
    may: Callable[[str], bool],
) -> None:
    """Agenda, decision, assignment, reopen and close, as far as `may` allows."""
    item_id, version, state = item["id"], item["version"], item["state"]
    if may("set_agenda") and state in ("open", "on_agenda"):
        on = state == "open"
        st.button(
            "Put on agenda" if on else "Take off agenda",
            key=f"review_agenda_{item_id}",
            icon=":material/event:",
            on_click=_act,
            args=(_set_agenda, service, who, item_id, on, version),
        )
    if may("decide") and state in ("open", "on_agenda"):
        render_decision_form(service, who, item)
    if not any(may(action) for action in ("assign", "reopen", "close_item")):
        return  # a domain owner deciding their own access request: no board moves
    with st.expander("Assign, reopen or close"):
        if may("assign"):
            with st.form(f"review_assign_form_{item_id}"):
                st.text_input(
                    "Assignee (email)",
                    value=item["assignee"] or "",
                    key=f"review_assignee_{item_id}",
                )
                st.form_submit_button(
                    "Assign", on_click=_act, args=(_assign, service, who, item_id, version)
                )
        if may("reopen") and state == "decided" and item["outcome"] not in FINAL_DECISION_OUTCOMES:
            with st.form(f"review_reopen_form_{item_id}"):
                st.text_input("Why reopen", key=f"review_reopen_reason_{item_id}")
                st.form_submit_button(
                    "Reopen", on_click=_act, args=(_reopen, service, who, item_id)
                )
        if may("close_item"):
            with st.form(f"review_close_form_{item_id}"):
                st.text_input("Why close (required)", key=f"review_close_reason_{item_id}")
                st.form_submit_button(
                    "Close item", on_click=_act, args=(_close, service, who, item_id)
                )


def render_decision_form(service: MeshgovService, who: Principal, item: dict[str, Any]) -> None:
    """Outcome, rationale and terms; the item's version makes a concurrent change a Conflict."""
    item_id = item["id"]
    with st.form(f"review_decide_form_{item_id}"):
        st.markdown(f"**Decide #{item_id}**")
        st.selectbox(
            "Outcome",
            DECISION_OUTCOMES,
            key=f"review_outcome_{item_id}",
            format_func=lambda outcome: OUTCOME_LABELS[outcome],
        )
        st.text_area(
            "Rationale (required: it goes into the minutes)",
            key=f"review_rationale_{item_id}",
            max_chars=4000,
        )
        expires, reassess = st.columns(2)
        expires.date_input(
            "Expires on",
            value=None,
            min_value=today() + timedelta(days=1),
            key=f"review_expires_{item_id}",
            help="For approved waivers, failing blockers granted an exception, and access grants",
        )
        if item["kind"] == "access_request":
            reassess.date_input(
                "Reassess on",
                value=None,
                min_value=today() + timedelta(days=1),
                key=f"review_reassess_{item_id}",
                help="When the grant is looked at again (before it expires)",
            )
        st.form_submit_button(
            "Record decision",
            type="primary",
            on_click=_act,
            args=(_decide, service, who, item_id, item["version"]),
        )


def _set_agenda(
    service: MeshgovService, who: Principal, item_id: int, on: bool, version: int
) -> str:
    service.board.set_agenda(who, item_id, on, expected_version=version)
    return f"#{item_id} is {'on' if on else 'off'} the agenda."


def _decide(service: MeshgovService, who: Principal, item_id: int, version: int) -> str:
    outcome = _value(f"review_outcome_{item_id}")
    record = service.board.decide(
        who,
        item_id,
        outcome,
        _value(f"review_rationale_{item_id}") or "",
        expires_at=day_to_utc(_value(f"review_expires_{item_id}")),
        reassess_at=day_to_utc(_value(f"review_reassess_{item_id}")),
        expected_version=version,
    )
    return f"Decided #{item_id}: {record['record_id']} {outcome.replace('_', ' ')}."


def _assign(service: MeshgovService, who: Principal, item_id: int, version: int) -> str:
    assignee = (_value(f"review_assignee_{item_id}") or "").strip()
    service.board.assign(who, item_id, assignee, expected_version=version)
    return f"#{item_id} assigned to {assignee}." if assignee else f"#{item_id} is unassigned."


def _reopen(service: MeshgovService, who: Principal, item_id: int) -> str:
    service.board.reopen(who, item_id, _value(f"review_reopen_reason_{item_id}") or "")
    return f"#{item_id} is open again."


def _close(service: MeshgovService, who: Principal, item_id: int) -> str:
    service.board.close_item(who, item_id, _value(f"review_close_reason_{item_id}") or "")
    return f"#{item_id} is closed."


def _comment(service: MeshgovService, who: Principal, item_id: int) -> None:
    key = f"review_comment_{item_id}"

    def add() -> str:
        service.board.comment(who, item_id, _value(key) or "")
        st.session_state[key] = ""  # the comment is in the history now; start a fresh one
        return f"Comment added to #{item_id}."

    _act(add)


def _withdraw(service: MeshgovService, who: Principal, item_id: int) -> None:
    reason = _value(f"review_withdraw_reason_{item_id}") or ""

    def withdraw() -> str:
        service.board.withdraw(who, item_id, reason)
        return f"Request #{item_id} withdrawn."

    _act(withdraw)


# --- requests ---------------------------------------------------------------------------


def render_requests(service: MeshgovService, who: Principal) -> None:
    """Ask for a waiver (domain owners, for their domains) or for access (everyone)."""
    products = service.products()
    waiver, access, mine = st.tabs(
        ["Request a waiver", "Request access", "My requests"], key="request", bind="query-params"
    )
    with waiver:
        render_waiver_request(service, who, products)
    with access:
        render_access_request(service, who, products)
    with mine:
        render_my_requests(service, who)


def render_waiver_request(
    service: MeshgovService, who: Principal, products: Sequence[dict[str, Any]]
) -> None:
    """A domain owner asks the board to waive a policy for one of their products."""
    own = [p for p in products if permits(who, "request_waiver", Scope(p["domain_id"])).allowed]
    if not own:
        st.info(
            "Waivers are asked for by a product's domain owner. If a policy should not apply "
            "to a product yet, ask its owner (see the product page)."
        )
        return
    policies = {p.id: p.title for p in service.evaluation.policy_pack().policies}
    with st.form("review_waiver_form"):
        st.selectbox(
            "Product",
            [p["id"] for p in own],
            key="review_waiver_product",
            help="Products of the domains you own",
        )
        st.selectbox(
            "Policy",
            list(policies),
            key="review_waiver_policy",
            format_func=lambda policy_id: f"{policy_id} — {policies[policy_id]}",
        )
        st.text_area("Reason the board can weigh", key="review_waiver_reason", max_chars=4000)
        st.date_input(
            "Until",
            value=today() + timedelta(days=WAIVER_DAYS),
            min_value=today() + timedelta(days=1),
            key="review_waiver_until",
        )
        st.form_submit_button(
            "Request waiver", type="primary", on_click=_act, args=(_request_waiver, service, who)
        )


def _request_waiver(service: MeshgovService, who: Principal) -> str:
    until = day_to_utc(_value("review_waiver_until"))
    if until is None:
        raise ValueError("a waiver request needs the day it should end")
    item = service.board.request_waiver(
        who,
        _value("review_waiver_product"),
        _value("review_waiver_policy"),
        _value("review_waiver_reason") or "",
        until,
    )
    return f"Waiver requested: item #{item['id']} is in the board's queue."


def render_access_request(
    service: MeshgovService, who: Principal, products: Sequence[dict[str, Any]]
) -> None:
    """Anyone asks for access to a product's output port, saying what for."""
    by_id = {p["id"]: p for p in products}
    # Outside the form: the port list has to follow the product chosen.
    product_id = st.selectbox(
        "Product",
        list(by_id),
        index=None,
        placeholder="Choose a product",
        key="review_access_product",
        format_func=lambda pid: f"{by_id[pid]['name']} ({pid})",
    )
    if product_id is None:
        st.caption("Choose a product to see its output ports.")
        return
    ports = [p["name"] for p in by_id[product_id]["ports"] if p["kind"] == "output"]
    if not ports:
        st.info("This product declares no output port to ask access to.")
        return
    with st.form("review_access_form"):
        st.selectbox("Output port", ports, key=f"review_access_port_{product_id}")
        st.text_area(
            "Purpose: what will the data be used for?", key="review_access_purpose", max_chars=4000
        )
        st.form_submit_button(
            "Request access",
            type="primary",
            on_click=_act,
            args=(_request_access, service, who, product_id),
        )


def _request_access(service: MeshgovService, who: Principal, product_id: str) -> str:
    port = _value(f"review_access_port_{product_id}")
    item = service.board.request_access(
        who, product_id, port, _value("review_access_purpose") or ""
    )
    decider = "the board" if item["decider"] == "board" else "the domain owner"
    return f"Access requested: item #{item['id']} waits for {decider}."


def render_my_requests(service: MeshgovService, who: Principal) -> None:
    """The requester's own open requests, each with a Withdraw button."""
    mine = [
        i
        for i in service.board.queue()
        if i["requested_by"] == who.email and i["kind"] in REQUEST_KINDS
    ]
    if not mine:
        st.caption("You have no open requests.")
        return
    for item in mine:
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.text(f"#{item['id']} · {KINDS[item['kind']].label} · {item['state']}: {item['title']}")
        button.button(
            "Withdraw",
            key=f"review_withdraw_{item['id']}",
            on_click=_withdraw,
            args=(service, who, item["id"]),
        )
