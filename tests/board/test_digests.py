"""Daily digests: grouped per owner and per domain, written as files, sent one message each."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from governance.cli import app
from governance.engine.digest import DOMAIN, OWNER, MeshState, build_digests
from governance.service import MeshgovService
from governance.store.write.evidence import write_records
from governance.store.write.judgements import add_waiver
from tests.board.conftest import NOW, Receiver, make_service
from tests.board.conftest import orders_check as check

DAY = date(2026, 11, 24)
START = datetime(2026, 11, 24, tzinfo=UTC)
PRODUCTS = {
    "orders": {"name": "Orders", "domain_id": "sales", "owner": "Ana@example.com"},
    "returns": {"name": "Returns", "domain_id": "sales", "owner": "ana@example.com"},
    "revenue": {"name": "Revenue", "domain_id": "finance", "owner": None},
}


def state(**changes: object) -> MeshState:
    """A quiet mesh of three products on DAY, looking a week ahead, with `changes`."""
    base: dict[str, object] = {
        "day": DAY,
        "horizon": START + timedelta(days=8) - timedelta(microseconds=1),
        "products": PRODUCTS,
        "scores": {"orders": 80.0, "returns": 95.0, "revenue": 70.0},
        "previous": {"orders": 84.0},
        "domain_owners": {"sales": ["ana@example.com"], "finance": ["fin@example.com"]},
    }
    return MeshState(**(base | changes))  # type: ignore[arg-type]


def digest_of(digests: list, audience: str, key: str):
    return next(d for d in digests if d.audience == audience and d.key == key)


def test_one_digest_per_owner_and_per_domain_quiet_products_left_out() -> None:
    digests = build_digests(
        state(
            slos={
                "orders": [
                    {"slo": "orders-fresh", "status": "exhausted", "error_budget_remaining": -0.5}
                ]
            },
            policies={
                "revenue": [
                    {
                        "policy_id": "owner-present",
                        "outcome": "fail",
                        "severity": "blocker",
                        "message": "no owner",
                    }
                ]
            },
        )  # fmt: skip
    )
    assert [(d.audience, d.key) for d in digests] == [
        (OWNER, "ana@example.com"),  # emails compare case-insensitively: one digest
        (DOMAIN, "finance"),
        (DOMAIN, "sales"),
    ]
    ana = digest_of(digests, OWNER, "ana@example.com")
    assert [p.product_id for p in ana.products] == ["orders"]  # returns has nothing to say
    assert ana.products[0].failed == ("SLO orders-fresh exhausted (budget left -50%)",)
    assert ana.products[0].previous == 84.0
    finance = digest_of(digests, DOMAIN, "finance")
    assert finance.recipients == ("fin@example.com",)
    assert finance.products[0].failed == ("policy owner-present fails (blocker): no owner",)
    # The unowned product is in its domain's digest only.
    assert all(
        "revenue" not in [p.product_id for p in d.products] for d in digests if d.audience == OWNER
    )


def test_due_means_within_the_window_or_overdue_and_expiring_means_within_it() -> None:
    items = [
        {"id": 1, "product_id": "orders", "title": "late", "due_at": START - timedelta(days=2)},
        {"id": 2, "product_id": "orders", "title": "soon", "due_at": START + timedelta(days=3)},
        {"id": 3, "product_id": "orders", "title": "later", "due_at": START + timedelta(days=30)},
    ]
    waivers = [
        {
            "id": 7,
            "policy_id": "p",
            "product_id": "orders",
            "expires_at": START + timedelta(days=2),
        },
        {
            "id": 8,
            "policy_id": "q",
            "product_id": "orders",
            "expires_at": START + timedelta(days=9),
        },
        {
            "id": 9,
            "policy_id": "r",
            "product_id": "orders",
            "expires_at": START - timedelta(days=1),
        },
    ]
    grants = [
        {"id": 4, "product_id": "orders", "port": "daily", "grantee": "eve@example.com",
         "expires_at": START + timedelta(days=7, hours=23)},
    ]  # fmt: skip
    news = digest_of(
        build_digests(state(items=items, waivers=waivers, grants=grants)), DOMAIN, "sales"
    ).products[0]
    assert news.due == (
        "review item #1 overdue since 2026-11-22: late",
        "review item #2 due 2026-11-27: soon",
    )
    assert news.expiring == (
        "waiver #7 of p expires 2026-11-26",
        "access grant #4 to eve@example.com on port daily expires 2026-12-01",
    )


def test_a_mesh_with_nothing_to_say_is_all_clear() -> None:
    digests = build_digests(state())
    assert digests and all(d.all_clear for d in digests)


# --- from the store ---------------------------------------------------------------------


@pytest.fixture
def digest_mesh(board: MeshgovService, tmp_path: Path) -> MeshgovService:
    """The board's mesh with a failing and a warning check, and a waiver about to expire."""
    with board.store.begin() as connection:
        run = NOW - timedelta(hours=2)
        write_records(
            connection,
            [
                check("expect_column_values_to_be_unique", "fail", run),
                check("expect_column_values_to_not_be_null", "warn", run),
                check("expect_column_to_exist", "pass", run),
            ],
        )
        add_waiver(
            connection,
            {
                "policy_id": "slos-declared-gold",
                "product_id": "orders",
                "reason": "SLOs land next sprint",
                "status": "approved",
                "expires_at": NOW + timedelta(days=3),
                "requested_by": "ana@example.com",
                "approved_by": "chair@example.com",
                "created_at": NOW,
                "decided_at": NOW,
            },
        )
    board.evaluation.evaluate(NOW)
    return board


def test_the_digest_reads_the_newest_evaluation_and_leaves_warnings_out(
    digest_mesh: MeshgovService,
) -> None:
    digests = digest_mesh.digests.build()
    ana = digest_of(digests, OWNER, "ana@example.com")
    orders = next(p for p in ana.products if p.product_id == "orders")
    assert ana.day == NOW.date()
    failing = [line for line in orders.failed if line.startswith("check ")]
    (incident,) = digest_mesh.incidents.list("orders")  # the evaluation opened it
    assert failing == [
        "check expect_column_values_to_be_unique(order_id) fail in the latest run of orders.suite"
        f"; incident #{incident['id']} since {NOW.date()}"
    ]
    assert any(
        line.startswith("waiver #") and "slos-declared-gold" in line for line in orders.expiring
    )
    sales = digest_of(digests, DOMAIN, "sales")
    assert sales.recipients == ("ana@example.com",)  # the domain's owners in roles:
    assert [p.product_id for p in sales.products] == [p.product_id for p in ana.products]


def test_meshgov_digest_writes_files_and_sends_one_message_per_digest_with_news(
    digest_mesh: MeshgovService, tmp_path: Path, receiver: Receiver, monkeypatch
) -> None:
    service = make_service(
        tmp_path,
        digest_mesh.store,
        {"notifications": {"webhook": {"url": receiver.base_url + "/hook"}}},
    )
    monkeypatch.setenv("MESHGOV_DB_URL", service.store.url)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["digest", "--send", "--out", str(out), "--json", "-w", str(tmp_path)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    with_news = [d for d in printed if not d["all_clear"]]
    assert with_news and len(receiver.requests) == len(with_news)  # one message each
    titles = sorted(r["body"]["blocks"][0]["text"]["text"] for r in receiver.requests)
    assert titles == sorted(
        f"meshgov digest {NOW.date()}: {d['audience']} {d['key']}" for d in with_news
    )
    folder = out / NOW.date().isoformat()
    markdown = (folder / "owner-ana@example.com.md").read_text(encoding="utf-8")
    assert "expect\\_column\\_values\\_to\\_be\\_unique(order\\_id)" in markdown
    assert "not\\_be\\_null" not in markdown  # a warning is not a failure
    document = json.loads((folder / "domain-sales.json").read_text(encoding="utf-8"))
    assert document["recipients"] == ["ana@example.com"] and document["counts"]["failed"] >= 1


def test_a_refused_webhook_fails_the_command_and_says_which_digest(
    digest_mesh: MeshgovService, tmp_path: Path, receiver: Receiver, monkeypatch
) -> None:
    make_service(tmp_path, digest_mesh.store, {"notifications": {"webhook": {"url": receiver.base_url, "retries": 0}}})  # fmt: skip
    monkeypatch.setenv("MESHGOV_DB_URL", digest_mesh.store.url)
    receiver.replies[:] = [500] * 10
    result = CliRunner().invoke(
        app, ["digest", "--send", "-w", str(tmp_path)], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "not sent: meshgov digest" in result.output and "500" in result.output


def test_sending_without_a_webhook_is_a_clear_error(digest_mesh, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MESHGOV_DB_URL", digest_mesh.store.url)
    result = CliRunner().invoke(app, ["digest", "--send", "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "notifications.webhook.url" in result.output


def test_the_demo_digest_of_the_podcasts_domain(demo_workspace: Path, tmp_path: Path) -> None:
    service = MeshgovService.open(demo_workspace)
    podcasts = digest_of(service.digests.build(), DOMAIN, "podcasts")
    catalog = next(p for p in podcasts.products if p.product_id == "podcast-catalog")
    assert {
        "SLO podcast-catalog-freshness exhausted",
        "SLO podcast-episodes-freshness exhausted",
    } <= {line.split(" (")[0] for line in catalog.failed}
    assert any(line.startswith("review item #") for line in catalog.due)
    assert podcasts.recipients  # the demo's podcasts owners
