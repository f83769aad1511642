"""Incidents: opened by an evaluation, once per product and cause; answered by the owners;
resolved when the cause clears; counted in the board pack and on the pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from governance.cli import app
from governance.engine.incidents import incident_causes, plan_incidents, response_times
from governance.errors import PermissionDenied
from governance.model.records import CheckResult
from governance.service import MeshgovService
from governance.store.write.evidence import write_records
from tests.board.conftest import NOW, orders_check

ANA = "ana@example.com"  # owner of orders (its descriptor) and of domain sales (roles:)


def check(
    status: str, at: datetime, name: str = "expect_column_values_to_be_unique"
) -> CheckResult:
    return orders_check(name, status, at)


def collect(service: MeshgovService, *records: CheckResult) -> None:
    with service.store.begin() as connection:
        write_records(connection, list(records))


# --- pure ---------------------------------------------------------------------------------


def test_a_plan_opens_new_causes_refreshes_known_ones_and_resolves_cleared_ones() -> None:
    causes = incident_causes(
        {"orders": [{"check": "unique(id)", "status": "fail", "suite": "s"}],
         "ghost": [{"check": "x", "status": "fail", "suite": "s"}]},
        {"orders": [{"slo": "fresh", "status": "exhausted", "error_budget_remaining": -0.25}]},
        {"orders": "sales"},
    )  # fmt: skip
    assert [c.key for c in causes] == [
        "orders|check|unique(id)",
        "orders|slo|fresh",
    ]  # ghost: unregistered
    assert causes[1].detail == "exhausted, error budget left -25%"
    active = [
        {"id": 7, "incident_key": "orders|slo|fresh"},
        {"id": 8, "incident_key": "orders|slo|gone"},
    ]
    plan = plan_incidents(causes, active)
    assert [c.key for c in plan.opened] == ["orders|check|unique(id)"]
    assert [i for i, _ in plan.refreshed] == [7]
    assert plan.resolved == (8,)


def test_response_times_are_medians_in_hours() -> None:
    opened = NOW
    rows = [
        {"state": "resolved", "opened_at": opened, "acknowledged_at": opened + timedelta(hours=1),
         "resolved_at": opened + timedelta(hours=5)},
        {"state": "acknowledged", "opened_at": opened, "acknowledged_at": opened + timedelta(hours=3),
         "resolved_at": None},
        {"state": "open", "opened_at": opened, "acknowledged_at": None, "resolved_at": None},
    ]  # fmt: skip
    times = response_times(rows)
    assert (times.open, times.acknowledged, times.resolved) == (1, 1, 1)
    assert times.median_hours_to_acknowledge == 2.0 and times.median_hours_to_resolve == 5.0


# --- the service, on both backends ---------------------------------------------------------


def test_a_failing_check_opens_one_incident_until_it_passes_again(board: MeshgovService) -> None:
    collect(
        board,
        check("fail", NOW - timedelta(hours=1)),
        check("warn", NOW - timedelta(hours=1), "not_null"),
    )
    first = board.evaluation.evaluate(NOW).incidents
    assert first is not None and [i["ref"] for i in first.opened] == [
        "expect_column_values_to_be_unique(order_id)"
    ]  # the warning opens nothing
    opened = first.opened[0]
    assert opened["state"] == "open" and opened["domain_id"] == "sales"
    again = board.evaluation.evaluate(NOW + timedelta(hours=1)).incidents
    assert again is not None and again.opened == [] and again.refreshed == 1
    assert [i["id"] for i in board.incidents.list("orders")] == [opened["id"]]  # deduplicated
    collect(
        board,
        check("pass", NOW + timedelta(hours=2)),
        check("pass", NOW + timedelta(hours=2), "not_null"),
    )
    cleared = board.evaluation.evaluate(NOW + timedelta(hours=3)).incidents
    assert cleared is not None and cleared.resolved == 1
    (row,) = board.incidents.list("orders", active_only=False)
    assert row["state"] == "resolved" and row["resolved_by"] == "meshgov"
    assert row["resolved_at"] == NOW + timedelta(hours=3)
    assert board.incidents.response_times("orders").median_hours_to_resolve == 3.0


def test_owners_acknowledge_and_resolve_others_are_refused(board: MeshgovService) -> None:
    collect(board, check("fail", NOW - timedelta(hours=1)))
    incident = board.evaluation.evaluate(NOW).incidents.opened[0]  # type: ignore[union-attr]
    for outsider in ("reader@example.com", "fin@example.com"):  # a consumer; finance's owner
        with pytest.raises(
            PermissionDenied, match="respond_incident needs admin or domain_owner of sales"
        ):
            board.incidents.acknowledge(board.board.principal(outsider), incident["id"])
    acked = board.incidents.acknowledge(
        board.board.principal(ANA), incident["id"], NOW + timedelta(minutes=30)
    )
    assert acked["state"] == "acknowledged" and acked["acknowledged_by"] == ANA
    with pytest.raises(ValueError, match="is acknowledged: nothing to acknowledge"):
        board.incidents.acknowledge(board.board.principal("admin@example.com"), incident["id"])
    with pytest.raises(ValueError, match="say what was done"):
        board.incidents.resolve(board.board.principal(ANA), incident["id"], "  ")
    done = board.incidents.resolve(board.board.principal("admin@example.com"), incident["id"], "dedup fixed", NOW + timedelta(hours=2))  # fmt: skip
    assert done["state"] == "resolved" and done["resolution"] == "dedup fixed"
    assert board.incidents.response_times("orders").median_hours_to_acknowledge == 0.5
    actions = [e.action for e in board.ledger.entries(subject=f"incident:{incident['id']}")]
    assert actions == ["incident.acknowledged", "incident.resolved"]
    # Resolved by hand while the check still fails: the next evaluation opens it again.
    reopened = board.evaluation.evaluate(NOW + timedelta(hours=3)).incidents
    assert reopened is not None and len(reopened.opened) == 1
    assert reopened.opened[0]["id"] != incident["id"]


def test_the_cli_lists_answers_and_reports_incidents(
    board: MeshgovService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collect(board, check("fail", NOW - timedelta(hours=1)))
    incident = board.evaluation.evaluate(NOW).incidents.opened[0]  # type: ignore[union-attr]
    monkeypatch.setenv("MESHGOV_DB_URL", board.store.url)

    def run(*args: str):
        return CliRunner().invoke(app, [*args, "-w", str(tmp_path)], catch_exceptions=False)

    listed = json.loads(run("incident", "list", "--json").output)
    assert [i["id"] for i in listed["incidents"]] == [incident["id"]]
    assert listed["response"]["open"] == 1
    refused = run("incident", "ack", str(incident["id"]), "--as", "reader@example.com")
    assert refused.exit_code == 3 and "refused" in refused.output
    assert run("incident", "ack", str(incident["id"]), "--as", ANA).exit_code == 0
    report = run("board", "incidents", "--since", NOW.date().isoformat())
    assert report.exit_code == 0
    assert "## Domain sales" in report.output and f"acknowledged by {ANA}" in report.output
    html = run("board", "incidents", "--since", NOW.date().isoformat(), "--format", "html")
    assert "<h2>Domain sales" in html.output


def test_the_demo_opens_incidents_for_its_exhausted_slos(demo_workspace: Path) -> None:
    service = MeshgovService.open(demo_workspace)
    open_slos = {
        (i["product_id"], i["ref"]) for i in service.incidents.list() if i["kind"] == "slo"
    }
    assert {
        ("artist-payments", "artist-payments-valid-rows"),
        ("podcast-catalog", "podcast-catalog-freshness"),
        ("podcast-catalog", "podcast-episodes-freshness"),
    } <= open_slos
    assert all(i["opened_at"] <= datetime.now(UTC) for i in service.incidents.list())
