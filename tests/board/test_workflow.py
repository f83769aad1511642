"""The board's workflow through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import yaml

from governance.errors import Conflict, IllegalMove, PermissionDenied
from tests.board.conftest import NOW

LATER = NOW + timedelta(hours=1)


def owner_blocker(service, now=NOW):
    """The blocker item of revenue, whose descriptor names no owner."""
    [item] = [
        i
        for i in service.board.queue(kind="blocker", now=now)
        if i["item_key"] == "blocker:revenue:owner-present"
    ]
    return item


def actions(service, subject=None):
    return [(e.actor, e.action) for e in service.ledger.entries(subject=subject)]


def test_the_evaluation_opens_a_blocker_item_with_evidence(board):
    item = owner_blocker(board)
    blockers = len(board.board.queue(kind="blocker", now=NOW))
    assert (item["product_id"], item["domain_id"], item["decider"]) == (
        "revenue",
        "finance",
        "board",
    )
    assert item["due_at"] == NOW + timedelta(days=7)
    assert item["evidence"][0]["ref"] == "owner-present"
    assert ("meshgov", "item.opened") in actions(board, f"item:{item['id']}")
    # Evaluating again finds the same cause: no second item.
    board.evaluation.evaluate(LATER)
    assert len(board.board.queue(kind="blocker", now=LATER)) == blockers


def test_a_waiver_request_goes_to_the_board_and_an_approval_makes_the_waiver(board):
    fin = board.board.principal("fin@example.com")
    chair = board.board.principal("chair@example.com")
    sec = board.board.principal("sec@example.com")
    item = board.board.request_waiver(
        fin,
        "revenue",
        "owner-present",
        "Owner hired, starts in January",
        NOW + timedelta(days=45),
        now=NOW,
    )
    assert (item["kind"], item["state"], item["requested_by"]) == (
        "waiver_request",
        "open",
        "fin@example.com",
    )
    board.board.set_agenda(chair, item["id"], now=NOW)
    decision = board.board.decide(sec, item["id"], "approved", "A start date is fixed", now=LATER)
    assert decision["record_id"] == "GDR-0001"
    assert decision["item"]["state"] == "closed"  # a request decided for good is done
    [waiver] = board.board.waivers("revenue")
    assert (waiver["status"], waiver["decision_id"], waiver["approved_by"]) == (
        "approved",
        "GDR-0001",
        "sec@example.com",
    )
    assert waiver["expires_at"] == NOW + timedelta(days=45)
    assert actions(board, f"item:{item['id']}") == [
        ("fin@example.com", "item.opened"),
        ("chair@example.com", "item.put_on_agenda"),
        ("sec@example.com", "item.decided"),
        ("sec@example.com", "item.closed"),
    ]
    # The waiver counts at the next evaluation, and the blocker item closes by itself.
    board.evaluation.evaluate(LATER + timedelta(hours=1))
    [blocker] = board.board.queue(kind="blocker", states=("closed",), now=LATER)
    assert blocker["close_reason"] == "policy owner-present is now waived for revenue"
    assert board.ledger.verify().ok


def test_approving_a_failing_blocker_grants_a_time_boxed_waiver(board):
    chair = board.board.principal("chair@example.com")
    item = owner_blocker(board)
    with pytest.raises(ValueError, match="needs its expiry"):
        board.board.decide(chair, item["id"], "approved", "Accept the risk", now=LATER)
    decision = board.board.decide(
        chair,
        item["id"],
        "approved",
        "Accept until the reorg",
        expires_at=NOW + timedelta(days=30),
        now=LATER,
    )
    assert decision["item"]["state"] == "decided"  # a standing item waits for its cause
    assert board.board.waivers("revenue")[0]["status"] == "approved"
    report = board.evaluation.evaluate(LATER + timedelta(hours=1))
    assert report.review.closed == [(item["id"], "policy owner-present is now waived for revenue")]


def test_refused_actions_are_refused_by_the_service_and_logged(board):
    consumer = board.board.principal("someone@example.com")
    ana = board.board.principal("ana@example.com")  # owns sales, not finance
    item = owner_blocker(board)
    with pytest.raises(PermissionDenied, match="someone@example.com"):
        board.board.decide(
            consumer, item["id"], "approved", "why not", expires_at=NOW + timedelta(days=3)
        )
    with pytest.raises(PermissionDenied, match="domain finance"):
        board.board.request_waiver(
            ana, "revenue", "owner-present", "please", NOW + timedelta(days=3)
        )
    with pytest.raises(PermissionDenied):
        board.board.set_agenda(ana, item["id"])
    refused = [e for e in board.ledger.entries() if e.action == "refused"]
    assert [(e.actor, e.payload["action"]) for e in refused] == [
        ("someone@example.com", "decide"),
        ("ana@example.com", "request_waiver"),
        ("ana@example.com", "set_agenda"),
    ]
    assert owner_blocker(board)["state"] == "open"
    assert board.board.waivers() == []
    assert board.ledger.verify().ok


def test_nobody_decides_their_own_request(board):
    chair = board.board.principal("chair@example.com")  # board member and owner of finance
    item = board.board.request_waiver(
        chair, "revenue", "owner-present", "Mine", NOW + timedelta(days=9), now=NOW
    )
    with pytest.raises(PermissionDenied, match="requested"):
        board.board.decide(chair, item["id"], "approved", "Looks fine to me")
    board.board.decide(
        board.board.principal("sec@example.com"),
        item["id"],
        "rejected",
        "Name an owner first",
        now=LATER,
    )
    assert board.board.waivers("revenue")[0]["status"] == "rejected"


def test_access_to_restricted_data_is_the_boards_decision(board):
    analyst = board.board.principal("analyst@example.com")
    item = board.board.request_access(
        analyst, "orders", "orders-daily", "Fraud model training", now=NOW
    )
    assert (item["decider"], item["subject"]["classification"]) == ("board", "restricted")
    with pytest.raises(PermissionDenied):
        board.board.decide(board.board.principal("ana@example.com"), item["id"], "approved", "ok")
    decision = board.board.decide(
        board.board.principal("chair@example.com"),
        item["id"],
        "approved",
        "Pseudonymised extract only",
        expires_at=NOW + timedelta(days=180),
        reassess_at=NOW + timedelta(days=60),
        now=LATER,
    )
    [grant] = board.board.access_requests("orders")
    assert (grant["status"], grant["decision_id"], grant["grant_status"]) == (
        "approved",
        "GDR-0001",
        "active",
    )
    assert (grant["expires_at"], grant["reassess_at"]) == (
        NOW + timedelta(days=180),
        NOW + timedelta(days=60),
    )
    assert decision["effects"]["grant_id"] == grant["grant_id"]


def test_an_access_request_names_a_real_port(board):
    with pytest.raises(ValueError, match="no output port 'nope'; its ports: revenue-monthly"):
        board.board.request_access(
            board.board.principal("x@example.com"), "revenue", "nope", "Budget"
        )
    with pytest.raises(ValueError, match="purpose"):
        board.board.request_access(
            board.board.principal("x@example.com"), "revenue", "revenue-monthly", " "
        )


def test_a_non_sensitive_port_is_decided_by_its_domain_owner(board):
    from sqlalchemy import update

    from governance.store.schema.tables import contract_columns

    with board.store.begin() as connection:  # as if revenue's contract held internal data only
        connection.execute(update(contract_columns).values(classification="internal"))
    item = board.board.request_access(
        board.board.principal("x@example.com"), "revenue", "revenue-monthly", "Budget", now=NOW
    )
    assert (item["decider"], item["severity"]) == ("domain_owner", "minor")
    with pytest.raises(PermissionDenied):  # sales' owner has no say over finance's data
        board.board.decide(board.board.principal("ana@example.com"), item["id"], "approved", "Fine")
    decision = board.board.decide(
        board.board.principal("fin@example.com"), item["id"], "approved", "Fine", now=LATER
    )
    assert decision["item"]["state"] == "closed"
    [grant] = board.board.access_requests("revenue")
    assert grant["expires_at"] == LATER + timedelta(days=365)
    assert grant["reassess_at"] == LATER + timedelta(days=90)


def test_illegal_moves_are_refused_naming_what_is_allowed(board):
    chair = board.board.principal("chair@example.com")
    item = owner_blocker(board)
    with pytest.raises(IllegalMove, match="cannot unagenda an item that is open"):
        board.board.set_agenda(chair, item["id"], on=False)
    board.board.decide(chair, item["id"], "deferred", "Next meeting", now=NOW)
    with pytest.raises(IllegalMove, match="cannot agenda an item that is decided"):
        board.board.set_agenda(chair, item["id"])
    board.board.reopen(chair, item["id"], "Back for the December meeting", now=LATER)
    board.board.set_agenda(chair, item["id"], now=LATER)
    board.board.decide(chair, item["id"], "changes_requested", "Name an owner by Friday", now=LATER)
    board.board.close_item(chair, item["id"], "Owner named in the descriptor", now=LATER)
    with pytest.raises(IllegalMove, match="cannot comment an item that is closed"):
        board.board.comment(chair, item["id"], "too late")
    detail = board.board.item_detail(item["id"], now=LATER)
    assert [e["action"] for e in detail["events"]] == [
        "opened",
        "decide",
        "reopen",
        "agenda",
        "decide",
        "close",
    ]
    assert [d["record_id"] for d in detail["decisions"]] == ["GDR-0001", "GDR-0002"]


def test_a_stale_version_is_a_conflict_naming_who_changed_the_item(board):
    chair, sec = (
        board.board.principal("chair@example.com"),
        board.board.principal("sec@example.com"),
    )
    item = owner_blocker(board)
    board.board.set_agenda(chair, item["id"], expected_version=item["version"], now=NOW)
    with pytest.raises(Conflict, match=r"version 1, now 2, on agenda: agenda by chair@example.com"):
        board.board.decide(sec, item["id"], "deferred", "Later", expected_version=item["version"])


def test_two_people_deciding_at_once_one_wins_the_other_gets_a_conflict(board):
    item = owner_blocker(board)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(email: str, outcome: str) -> None:
        who = board.board.principal(email)
        start.wait()
        try:
            outcomes[email] = board.board.decide(
                who,
                item["id"],
                outcome,
                f"{email} says {outcome}",
                expected_version=item["version"],
            )
        except Exception as exc:  # the loser's error is what the test looks at
            outcomes[email] = exc

    threads = [
        threading.Thread(target=decide, args=("chair@example.com", "deferred")),
        threading.Thread(target=decide, args=("sec@example.com", "changes_requested")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    won = [r for r in outcomes.values() if isinstance(r, dict)]
    lost = [r for r in outcomes.values() if not isinstance(r, dict)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], Conflict), lost[0]
    assert "reload it and try again" in str(lost[0])
    detail = board.board.item_detail(item["id"])
    assert len(detail["decisions"]) == 1 and detail["version"] == 2
    assert board.ledger.verify().ok


def test_a_changed_global_policy_file_opens_an_item_and_is_logged(board, tmp_path):
    policy_file = tmp_path / "policy_rules" / "global" / "discoverable.yaml"
    policy_file.write_text(
        policy_file.read_text().replace(
            "size(facts.product.description) >= 20", "size(facts.product.description) >= 40"
        )
    )
    report = board.evaluation.evaluate(LATER)
    [item] = [i for i in report.review.opened if i["kind"] == "policy_change"]
    assert item["title"] == "Global policy file global/discoverable.yaml changed"
    assert report.review.policy_changes == ["global/discoverable.yaml"]
    assert [e.action for e in board.ledger.entries(subject="policy_rules")] == [
        "policy.baseline",
        "policy.changed",
    ]
    # Domain policy files are the domain's own business.
    domain_dir = tmp_path / "policy_rules" / "domains" / "sales"
    domain_dir.mkdir(parents=True)
    (domain_dir / "sales.yaml").write_text(
        (tmp_path / "policy_rules" / "global" / "secure.yaml")
        .read_text()
        .replace("id: ", "id: sales.")
    )
    assert board.board.sync_queue(LATER).policy_changes == []


def test_a_breaking_contract_version_opens_an_item(board, tmp_path):
    contract = tmp_path / "mesh" / "contracts" / "orders.odcs.yaml"
    document = yaml.safe_load(contract.read_text())
    document["version"] = "2.0.0"
    document["schema"][0]["properties"] = [
        c for c in document["schema"][0]["properties"] if c["name"] != "customer_email"
    ]
    contract.write_text(yaml.safe_dump(document))
    board.registration.register([tmp_path / "mesh"])
    report = board.board.sync_queue(LATER)
    [item] = report.opened
    assert item["kind"] == "contract_change" and item["product_id"] == "orders"
    assert item["summary"] == "column orders.customer_email removed"
    assert board.board.sync_queue(LATER).opened == []  # asked once


def test_a_product_registered_after_go_live_asks_for_acceptance(board, tmp_path):
    new = tmp_path / "mesh" / "products" / "refunds.yaml"
    new.write_text(
        (tmp_path / "mesh" / "products" / "revenue.yaml")
        .read_text()
        .replace("id: revenue", "id: refunds")
        .replace("name: Revenue", "name: Refunds")
    )
    board.registration.register([tmp_path / "mesh"])
    assert ("meshgov", "product.registered") in actions(board, "product:refunds")
    report = board.evaluation.evaluate(LATER)
    [item] = [i for i in report.review.opened if i["kind"] == "acceptance"]
    assert item["product_id"] == "refunds" and "registered after go-live" in item["summary"]
    decision = board.board.decide(
        board.board.principal("chair@example.com"), item["id"], "approved", "Welcome", now=LATER
    )
    assert decision["item"]["state"] == "closed"
    assert not [i for i in board.board.sync_queue(LATER).opened if i["kind"] == "acceptance"]


def test_withdrawing_a_request_is_for_the_requester(board):
    fin = board.board.principal("fin@example.com")
    item = board.board.request_waiver(
        fin, "revenue", "owner-present", "x", NOW + timedelta(days=9), now=NOW
    )
    with pytest.raises(PermissionDenied):
        board.board.withdraw(board.board.principal("ana@example.com"), item["id"])
    board.board.withdraw(fin, item["id"], "hired an owner")
    assert board.board.waivers("revenue")[0]["status"] == "withdrawn"
    assert (
        board.board.item_detail(item["id"])["close_reason"]
        == "withdrawn by fin@example.com: hired an owner"
    )


def test_minutes_and_agenda_come_from_the_store(board):
    chair, sec = (
        board.board.principal("chair@example.com"),
        board.board.principal("sec@example.com"),
    )
    item = owner_blocker(board)
    board.board.set_agenda(chair, item["id"], now=NOW)
    agenda = board.reports.agenda("md", now=NOW)
    assert "revenue: owner-present fails" in agenda and "1 item" in agenda
    board.board.decide(sec, item["id"], "changes_requested", "Name an owner <b>now</b>", now=LATER)
    minutes = board.reports.minutes(date(2026, 11, 1), "html", now=LATER)
    assert "GDR-0001" in minutes and "sec@example.com" in minutes
    assert "Name an owner &lt;b&gt;now&lt;/b&gt;" in minutes
    seq, digest = board.ledger.verify().head_seq, board.ledger.verify().head_hash
    assert f"--anchor {seq}:{digest}" in minutes
    assert "No decisions since 2026-12-01" in board.reports.minutes(
        date(2026, 12, 1), "md", now=LATER
    )


def test_an_identity_without_a_role_can_do_nothing(board, tmp_path):
    from tests.board.conftest import ROLES, make_service

    strict = make_service(tmp_path, board.store, {"roles": {**ROLES, "default": "none"}})
    nobody = strict.board.principal("stranger@example.com")
    with pytest.raises(PermissionDenied, match="no role"):
        strict.board.request_access(nobody, "orders", "orders-daily", "curious")


def test_a_blocker_opening_notifies_the_webhook(store, tmp_path):
    """The configured webhook (a real local HTTP server here) hears of each new blocker."""
    import json
    import shutil
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from governance.engine.policies import DEFAULT_POLICY_RULES
    from tests.board.conftest import MESH, make_service

    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the stdlib's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        shutil.copytree(MESH, tmp_path / "mesh")
        shutil.copytree(DEFAULT_POLICY_RULES / "global", tmp_path / "policy_rules" / "global")
        url = f"http://127.0.0.1:{server.server_port}/services/T0/B0/SECRET"
        service = make_service(
            tmp_path, store, {"notifications": {"webhook": {"url": url, "kinds": ["blocker"]}}}
        )
        service.registration.register([tmp_path / "mesh"])
        report = service.evaluation.evaluate(NOW)
    finally:
        server.shutdown()
    blockers = [i for i in report.review.opened if i["kind"] == "blocker"]
    assert len(received) == len(blockers) == len(report.review.notifications) >= 1
    assert all(d.ok for d in report.review.notifications)
    texts = " ".join(m["text"] for m in received)
    assert "revenue" in texts and "owner-present" in texts
