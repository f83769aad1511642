"""Permissions under attack: forged claims, owners reaching into other domains, consumers
calling board actions through the service. All refused by the service, each one logged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance.engine.roles import Identity
from governance.errors import PermissionDenied
from tests.board.conftest import NOW, board  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("email", "groups"),
    [
        ("group:board", ()),  # an email that looks like a group entry
        ("chair@example.com.evil.org", ()),  # a board member's email as a prefix
        ("evil+chair@example.com", ()),
        ("сhair@example.com", ()),  # Cyrillic "с": a homoglyph of chair@example.com
        ("mallory@example.com", ("group:board",)),  # a claim spelled like the mapping entry
        ("mallory@example.com", ("*",)),
        ("mallory@example.com", ("Board",)),  # group claims match exactly
        ("mallory@example.com", ("board ",)),
        ("mallory@example.com", ("admin", "board_member", "domain_owner")),  # role names
    ],
)
def test_forged_identities_and_claims_get_no_role_beyond_consumer(board, email, groups):  # noqa: F811
    principal = board.board.role_mapping().resolve(Identity(email, frozenset(groups)))
    assert principal.roles == {"consumer"}, principal.describe()
    [item] = [
        i for i in board.board.queue(kind="blocker", now=NOW) if i["product_id"] == "revenue"
    ][:1]
    with pytest.raises(PermissionDenied):
        board.board.decide(principal, item["id"], "deferred", "forged")
    assert board.ledger.entries(limit=1)[0].action == "refused"


def test_a_real_group_claim_does_grant_its_role(board):  # noqa: F811
    principal = board.board.principal("someone@example.com", ["board"])
    assert principal.has("board_member")


def test_a_domain_owner_cannot_act_on_another_domain(board):  # noqa: F811
    ana = board.board.principal("ana@example.com")  # owns sales
    with pytest.raises(PermissionDenied, match="finance"):
        board.board.request_waiver(
            ana, "revenue", "owner-present", "not mine", NOW + timedelta(days=9)
        )
    # An access request to finance's data that finance's owner may decide: not sales' owner.
    from sqlalchemy import update

    from governance.store.schema.tables import contract_columns

    with board.store.begin() as connection:
        connection.execute(update(contract_columns).values(classification="internal"))
    item = board.board.request_access(
        board.board.principal("x@example.com"), "revenue", "revenue-monthly", "q"
    )
    assert item["decider"] == "domain_owner"
    for action in (
        lambda: board.board.decide(ana, item["id"], "approved", "mine now"),
        lambda: board.board.set_agenda(ana, item["id"]),
        lambda: board.board.close_item(ana, item["id"], "gone"),
    ):
        with pytest.raises(PermissionDenied):
            action()
    refused = [e for e in board.ledger.entries() if e.action == "refused"]
    assert [(e.actor, e.payload["action"]) for e in refused] == [
        ("ana@example.com", "request_waiver"),
        ("ana@example.com", "decide"),
        ("ana@example.com", "set_agenda"),
        ("ana@example.com", "close_item"),
    ]
    assert all("ana@example.com" in e.payload["reason"] for e in refused)


def test_a_consumer_calling_every_board_action_is_refused_and_logged(board):  # noqa: F811
    consumer = board.board.principal("curious@example.com")
    item = board.board.queue(now=NOW)[0]
    attempts = {
        "set_agenda": lambda: board.board.set_agenda(consumer, item["id"]),
        "decide": lambda: board.board.decide(consumer, item["id"], "approved", "why not"),
        "assign": lambda: board.board.assign(consumer, item["id"], "curious@example.com"),
        "close_item": lambda: board.board.close_item(consumer, item["id"], "closing"),
        "reopen": lambda: board.board.reopen(consumer, item["id"], "again"),
        "comment": lambda: board.board.comment(consumer, item["id"], "hello"),
        "withdraw": lambda: board.board.withdraw(consumer, item["id"]),
        "revoke_waiver": lambda: board.board.revoke_waiver(consumer, 1, "no"),
        "request_waiver": lambda: board.board.request_waiver(
            consumer, "orders", "owner-present", "please", NOW + timedelta(days=3)
        ),
    }
    for attempt in attempts.values():
        with pytest.raises(PermissionDenied):
            attempt()
    refused = [e.payload["action"] for e in board.ledger.entries() if e.action == "refused"]
    assert refused == list(attempts)
    assert board.board.queue(now=NOW)[0]["version"] == item["version"]  # nothing changed
    assert board.ledger.verify().ok
