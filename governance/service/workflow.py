"""The review queue's moves: open, move, decide and sync items, each move logged.

The state machine (governance/engine/review.py) decides what a move does; the writes are
governance/store/write/board.py's. Every function here runs inside the caller's transaction
and starts by taking the governance log's lock (ledger.lock), so governance writes happen
one at a time and each one's log entry commits or rolls back with it. Permission checks
happen before, in governance/service/board.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from governance.engine.review import KINDS, ItemSpec, closes_on_decision, due_at, next_state
from governance.engine.triggers import QueuePlan
from governance.errors import Conflict, ItemNotFound
from governance.model.vocabulary import FINAL_DECISION_OUTCOMES
from governance.store import Connection
from governance.store.read import board_items
from governance.store.write import board as board_store
from governance.store.write import ledger

DEFAULT_GRANT_DAYS = 365
DEFAULT_REASSESS_DAYS = 90


@dataclass(frozen=True)
class DecisionTerms:
    """What a decision grants, when it grants something: waiver or access expiry."""

    expires_at: datetime | None = None
    reassess_at: datetime | None = None


def load_item(connection: Connection, item_id: int) -> dict[str, Any]:
    """One item as a dict, or ItemNotFound."""
    item = board_items.item_row(connection, item_id)
    if item is None:
        raise ItemNotFound(f"no review item #{item_id}; `meshgov board queue` lists them")
    return item


def open_item(
    connection: Connection,
    spec: ItemSpec,
    *,
    actor: str,
    now: datetime,
    requested_by: str | None = None,
) -> dict[str, Any]:
    """Queue a new item and log it."""
    ledger.lock(connection)
    values = {
        "item_key": spec.key,
        "kind": spec.kind,
        "product_id": spec.product_id,
        "domain_id": spec.domain_id,
        "title": spec.title,
        "summary": spec.summary,
        "evidence": spec.evidence,
        "subject": spec.subject,
        "severity": spec.severity,
        "tier": spec.tier,
        "decider": spec.decider,
        "decision_asked": spec.decision_asked,
        "state": "open",
        "requested_by": requested_by,
        "opened_at": now,
        "due_at": due_at(spec.kind, now),
        "updated_at": now,
        "version": 1,
    }
    item_id = board_store.insert_item(connection, values)
    board_store.add_event(connection, item_id, now, actor, "opened", None, "open", spec.summary)
    ledger.append(
        connection,
        actor=actor,
        action="item.opened",
        subject=f"item:{item_id}",
        payload={
            "key": spec.key,
            "kind": spec.kind,
            "product": spec.product_id,
            "title": spec.title,
            "severity": spec.severity,
        },
        time=now,
    )
    return {**values, "id": item_id}


def move_item(
    connection: Connection,
    item_id: int,
    move: str,
    *,
    actor: str,
    now: datetime,
    body: str | None = None,
    expected_version: int | None = None,
    assignee: str | None = None,
) -> dict[str, Any]:
    """Put on / take off the agenda, reopen, close, comment or assign; logged."""
    ledger.lock(connection)
    item = _current(connection, item_id, expected_version)
    target = next_state(item["state"], move, decided_outcome=item["outcome"])
    values: dict[str, Any] = {"state": target}
    if move == "assign":
        values["assignee"] = assignee
    if move == "reopen":
        values["outcome"] = None
    if target == "closed":
        values.update(closed_at=now, close_reason=body)
    item = _bump(connection, item, values, now)
    board_store.add_event(
        connection, item_id, now, actor, move, item["_from"], target, body or assignee
    )
    payload: dict[str, Any] = {"from": item["_from"], "to": target}
    if body:
        payload["comment" if move == "comment" else "reason"] = body
    if move == "assign":
        payload["assignee"] = assignee
    ledger.append(
        connection,
        actor=actor,
        action=f"item.{_PAST.get(move, move)}",
        subject=f"item:{item_id}",
        payload=payload,
        time=now,
    )
    return item


_PAST = {
    "agenda": "put_on_agenda",
    "unagenda": "taken_off_agenda",
    "reopen": "reopened",
    "close": "closed",
    "comment": "commented",
    "assign": "assigned",
}


def decide_item(
    connection: Connection,
    item_id: int,
    *,
    outcome: str,
    rationale: str,
    actor: str,
    now: datetime,
    terms: DecisionTerms = DecisionTerms(),
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Decide an item: a decision record (GDR-nnnn), its effects, and the log, at once."""
    if not rationale.strip():
        raise ValueError("a decision needs a rationale: say why, for the minutes")
    ledger.lock(connection)
    item = _current(connection, item_id, expected_version)
    next_state(item["state"], "decide", outcome=outcome)
    number = board_store.next_decision_number(connection)
    record_id = f"GDR-{number:04d}"
    effects = _effects(connection, item, outcome, rationale, actor, now, record_id, terms)
    board_store.insert_decision(
        connection,
        {
            "number": number,
            "record_id": record_id,
            "item_id": item_id,
            "kind": item["kind"],
            "product_id": item["product_id"],
            "title": item["title"],
            "outcome": outcome,
            "rationale": rationale,
            "decided_by": actor,
            "decided_at": now,
            "effects": effects,
        },
    )
    item = _bump(connection, item, {"state": "decided", "outcome": outcome}, now)
    board_store.add_event(
        connection, item_id, now, actor, "decide", item["_from"], "decided", rationale
    )
    ledger.append(
        connection,
        actor=actor,
        action="item.decided",
        subject=f"item:{item_id}",
        payload={
            "decision": record_id,
            "outcome": outcome,
            "rationale": rationale,
            "effects": effects,
        },
        time=now,
    )
    if closes_on_decision(item["kind"], outcome):
        reason = f"decided: {record_id} {outcome}"
        item = move_item(connection, item_id, "close", actor=actor, now=now, body=reason)
    return {"record_id": record_id, "number": number, "effects": effects, "item": item}


def apply_plan(
    connection: Connection, plan: QueuePlan, *, actor: str, now: datetime
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Open and close what a trigger sync planned; returns (opened items, closed ids+reasons)."""
    opened = [open_item(connection, spec, actor=actor, now=now) for spec in plan.open]
    for item_id, reason in plan.close:
        move_item(connection, item_id, "close", actor=actor, now=now, body=reason)
    return opened, plan.close


def _current(connection: Connection, item_id: int, expected: int | None) -> dict[str, Any]:
    item = load_item(connection, item_id)
    if expected is not None and item["version"] != expected:
        last = board_items.last_event(connection, item_id)
        who = (
            f": {last['action']} by {last['actor']} at {last['time']:%Y-%m-%d %H:%M} UTC"
            if last
            else ""
        )
        raise Conflict(
            f"item #{item_id} changed since you loaded it (version {expected}, now "
            f"{item['version']}, {item['state'].replace('_', ' ')}{who}); reload it and try again"
        )
    return item


def _bump(
    connection: Connection, item: Mapping[str, Any], values: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Write the change only if nobody else did in between (optimistic versioning)."""
    if not board_store.update_item(connection, item["id"], item["version"], values, now):
        raise Conflict(f"item #{item['id']} was changed by someone else; reload and try again")
    return {**item, **values, "version": item["version"] + 1, "_from": item["state"]}


def _effects(
    connection: Connection,
    item: Mapping[str, Any],
    outcome: str,
    rationale: str,
    actor: str,
    now: datetime,
    record_id: str,
    terms: DecisionTerms,
) -> dict[str, Any]:
    """What an approval or rejection changes beyond the item: waivers and access grants."""
    kind, subject = item["kind"], item["subject"] or {}
    if outcome not in FINAL_DECISION_OUTCOMES:
        return {}
    if kind == "waiver_request":
        expires = terms.expires_at or _parse_time(subject.get("expires_at"))
        if outcome == "approved" and expires is None:
            raise ValueError("approving a waiver needs an expiry (--expires YYYY-MM-DD)")
        board_store.update_waiver(
            connection,
            subject["waiver_id"],
            {
                "status": outcome,
                "approved_by": actor if outcome == "approved" else None,
                "decided_at": now,
                "decision_id": record_id,
                "expires_at": expires if outcome == "approved" else None,
            },
        )
        if outcome == "approved":
            return {"waiver_id": subject["waiver_id"], "expires_at": expires.isoformat()}
        return {"waiver_id": subject["waiver_id"], "rejected": True}
    if kind == "blocker" and outcome == "approved":
        # Approving a failing blocker means granting the product a time-boxed exception.
        if terms.expires_at is None:
            raise ValueError(
                "approving a failing blocker grants a waiver and needs its expiry "
                "(--expires YYYY-MM-DD); to ask for a fix, decide changes_requested"
            )
        waiver_id = board_store.insert_waiver(
            connection,
            {
                "policy_id": subject["policy_id"],
                "product_id": item["product_id"],
                "reason": rationale,
                "status": "approved",
                "expires_at": terms.expires_at,
                "requested_by": actor,
                "approved_by": actor,
                "created_at": now,
                "decided_at": now,
                "decision_id": record_id,
                "item_id": item["id"],
            },
        )
        return {"waiver_id": waiver_id, "expires_at": terms.expires_at.isoformat()}
    if kind == "access_request":
        return _access_effects(connection, item, outcome, actor, now, record_id, terms)
    return {}


def _access_effects(
    connection: Connection,
    item: Mapping[str, Any],
    outcome: str,
    actor: str,
    now: datetime,
    record_id: str,
    terms: DecisionTerms,
) -> dict[str, Any]:
    request_id = item["subject"]["access_request_id"]
    request = board_items.access_request_row(connection, request_id)
    board_store.update_access_request(
        connection,
        request_id,
        {"status": outcome, "decided_by": actor, "decided_at": now, "decision_id": record_id},
    )
    if outcome == "rejected":
        return {"access_request_id": request_id, "rejected": True}
    expires = terms.expires_at or now + timedelta(days=DEFAULT_GRANT_DAYS)
    reassess = terms.reassess_at or min(expires, now + timedelta(days=DEFAULT_REASSESS_DAYS))
    if reassess > expires:
        raise ValueError("the reassessment date must come before the grant expires")
    grant_id = board_store.insert_grant(
        connection,
        {
            "request_id": request_id,
            "product_id": request["product_id"],
            "port": request["port"],
            "grantee": request["requester"],
            "purpose": request["purpose"],
            "granted_at": now,
            "expires_at": expires,
            "reassess_at": reassess,
            "decision_id": record_id,
            "status": "active",
        },
    )
    return {
        "access_request_id": request_id,
        "grant_id": grant_id,
        "expires_at": expires.isoformat(),
        "reassess_at": reassess.isoformat(),
    }


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def decider_of(item: Mapping[str, Any]) -> str:
    """Who decides the item: the board, or the product's domain owner."""
    return str(item.get("decider") or KINDS[item["kind"]].decider)
