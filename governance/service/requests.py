"""Requests to the board: a waiver or an access request, stored and queued as a review item.

Each function runs in the caller's transaction, after the board part has checked the
permission and the request's content (governance/service/board.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from governance.engine.policies import Policy
from governance.engine.review import ItemSpec, evidence
from governance.model.vocabulary import SENSITIVE_CLASSIFICATIONS
from governance.service import workflow
from governance.store import Connection
from governance.store.write import board as board_store
from governance.store.write import ledger


def open_waiver_request(
    connection: Connection,
    requester: str,
    product: Mapping[str, Any],
    policy: Policy,
    reason: str,
    expires_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Store a requested waiver and queue the item that asks the board to decide it."""
    product_id, policy_id = product["id"], policy.id
    ledger.lock(connection)
    waiver_id = board_store.insert_waiver(
        connection,
        {
            "policy_id": policy_id,
            "product_id": product_id,
            "reason": reason,
            "status": "requested",
            "expires_at": expires_at,
            "requested_by": requester,
            "created_at": now,
        },
    )
    spec = ItemSpec(
        key=f"waiver:{waiver_id}",
        kind="waiver_request",
        product_id=product_id,
        domain_id=product["domain_id"],
        tier=product["tier"],
        title=f"{product_id}: waive {policy_id} until {expires_at:%Y-%m-%d}",
        summary=reason,
        severity=policy.severity,
        decision_asked=(
            f"Approve or reject a waiver of {policy_id} ({policy.title}) for "
            f"{product_id} until {expires_at:%Y-%m-%d}"
        ),
        evidence=[
            evidence("policy", policy_id, policy.title, f"severity {policy.severity}"),
            evidence("waiver", str(waiver_id), f"Waiver request #{waiver_id}", reason),
        ],
        subject={
            "waiver_id": waiver_id,
            "policy_id": policy_id,
            "expires_at": expires_at.isoformat(),
        },
    )
    item = workflow.open_item(connection, spec, actor=requester, now=now, requested_by=requester)
    board_store.update_waiver(connection, waiver_id, {"item_id": item["id"]})
    return item


def open_access_request(
    connection: Connection,
    requester: str,
    product: Mapping[str, Any],
    port: str,
    classification: str | None,
    purpose: str,
    now: datetime,
) -> dict[str, Any]:
    """Store an access request and queue its item: restricted data goes to the board."""
    product_id = product["id"]
    sensitive = classification in SENSITIVE_CLASSIFICATIONS
    ledger.lock(connection)
    request_id = board_store.insert_access_request(
        connection,
        {
            "product_id": product_id,
            "port": port,
            "classification": classification,
            "requester": requester,
            "purpose": purpose,
            "status": "requested",
            "requested_at": now,
        },
    )
    label = classification or "unclassified"
    spec = ItemSpec(
        key=f"access:{request_id}",
        kind="access_request",
        product_id=product_id,
        domain_id=product["domain_id"],
        tier=product["tier"],
        title=f"{requester} asks for access to {product_id}/{port} ({label})",
        summary=purpose,
        severity="major" if sensitive else "minor",
        decider="board" if sensitive else "domain_owner",
        decision_asked=(
            f"Grant {requester} access to {product_id}/{port} for the stated purpose, "
            "with an expiry and a reassessment date, or reject"
        ),
        evidence=[
            evidence("port", f"{product_id}/{port}", f"Port {port}", f"data is {label}"),
            evidence("access_request", str(request_id), "Purpose", purpose),
        ],
        subject={"access_request_id": request_id, "port": port, "classification": label},
    )
    return workflow.open_item(connection, spec, actor=requester, now=now, requested_by=requester)


def withdraw_subject(connection: Connection, subject: Mapping[str, Any], now: datetime) -> None:
    """Mark the waiver or access request behind a withdrawn item as withdrawn (if still asked)."""
    if "waiver_id" in subject:
        board_store.update_waiver(
            connection,
            subject["waiver_id"],
            {"status": "withdrawn", "decided_at": now},
            status="requested",
        )
    if "access_request_id" in subject:
        board_store.update_access_request(
            connection,
            subject["access_request_id"],
            {"status": "withdrawn", "decided_at": now},
            status="requested",
        )
