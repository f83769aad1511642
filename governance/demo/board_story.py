"""The board's side of the demo: who holds which role, and a first meeting in the making.

After the demo mesh is evaluated, its review queue already holds what the triggers found
(blockers, exhausted error budgets). The story adds what people do: a domain owner asks
for a waiver, an analyst asks for confidential data, and the chair puts the most pressing
blocker on the agenda, so that every part of the workflow has something to show.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from governance.demo.mesh import PRODUCTS
from governance.demo.spec import member

BOARD_CHAIR = member("Beatriz Costa", "board chair")
SECURITY_OFFICER = member("Samuel Okoye", "board member")
PLATFORM_ADMIN = member("Platform Team", "admin")
ANALYST = member("Lucia Ferrante", "analyst")


def role_settings() -> dict[str, Any]:
    """meshgov.yaml `roles:` for the demo: product owners own their domain."""
    owners: dict[str, list[str]] = {}
    for product in PRODUCTS:
        for person in product.team:
            if person.role == "owner" and person.username not in owners.get(product.domain, []):
                owners.setdefault(product.domain, []).append(person.username)
    return {
        "default": "consumer",
        "admin": [PLATFORM_ADMIN.username],
        "board_member": [BOARD_CHAIR.username, SECURITY_OFFICER.username, "group:governance-board"],
        "domain_owner": {domain: sorted(emails) for domain, emails in sorted(owners.items())},
    }


def dev_identities() -> list[str]:
    """Who a demo visitor can act as: a consumer first, then owners, the board, the admin."""
    owners = sorted({e for emails in role_settings()["domain_owner"].values() for e in emails})
    board = [BOARD_CHAIR.username, SECURITY_OFFICER.username]
    return [ANALYST.username, *owners, *board, PLATFORM_ADMIN.username]


def play(service: Any, now: datetime) -> list[int]:
    """Request a waiver and access, and set the first agenda; returns the items touched."""
    users_owner = service.board.principal(_owner_of("user-search-history"))
    waiver = service.board.request_waiver(
        users_owner,
        "user-search-history",
        "columns-classified",
        "Legal is reviewing whether email, ip_address and search_query are personal data; "
        "the columns get their classification when the review ends.",
        now + timedelta(days=60),
        now=now,
    )
    analyst = service.board.principal(ANALYST.username)
    access = service.board.request_access(
        analyst,
        "user-profiles",
        "monthly-summary",
        "Churn model for the Q1 retention campaign; aggregated results only.",
        now=now,
    )
    chair = service.board.principal(BOARD_CHAIR.username)
    blocker = next(
        i
        for i in service.board.queue(kind="blocker", now=now)
        if i["product_id"] == "playlist-recommendations"
    )
    service.board.set_agenda(chair, blocker["id"], now=now)
    service.board.set_agenda(chair, waiver["id"], now=now)
    service.board.comment(
        chair,
        blocker["id"],
        "The listening domain lead to name an owner before the meeting.",
        now=now,
    )
    return [waiver["id"], access["id"], blocker["id"]]


def _owner_of(product_id: str) -> str:
    product = next(p for p in PRODUCTS if p.id == product_id)
    return next(m.username for m in product.team if m.role == "owner")
