"""The demo's review queue, and the board's commands end to end on a copy of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from governance.cli import app
from tests.demo_stores import CopyDemo, store_engine, without_log_guard

CHAIR = "beatriz.costa@harmonia-music.example"
SECURITY = "samuel.okoye@harmonia-music.example"


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def queue(workspace: Path, *extra: str) -> list[dict]:
    result = run("board", "queue", "--json", "-w", str(workspace), *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def demo_copy(
    demo_workspace: Path, copy_demo: CopyDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A private copy of the demo (store included) that a test may change."""
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    return copy_demo(demo_workspace, tmp_path / "demo")


def test_the_demo_story_produces_the_expected_items(demo_workspace: Path):
    items = queue(demo_workspace)
    found = {
        (i["kind"], i["product_id"], i["subject"].get("policy_id") or i["subject"].get("slo"))
        for i in items
    }
    assert found == {
        ("blocker", "playlist-recommendations", "owner-present"),
        ("blocker", "user-search-history", "columns-classified"),
        ("blocker", "user-search-history", "users.no-suspected-personal-unclassified"),
        ("budget_exhausted", "artist-payments", "artist-payments-valid-rows"),
        ("budget_exhausted", "podcast-catalog", "podcast-catalog-freshness"),
        ("budget_exhausted", "podcast-catalog", "podcast-episodes-freshness"),
        ("waiver_request", "user-search-history", "columns-classified"),
        ("access_request", "user-profiles", None),
    }
    access = next(i for i in items if i["kind"] == "access_request")
    assert access["decider"] == "board" and access["subject"]["classification"] == "confidential"
    assert [i["priority"] for i in items] == sorted((i["priority"] for i in items), reverse=True)
    on_agenda = queue(demo_workspace, "--state", "on_agenda")
    assert {i["kind"] for i in on_agenda} == {"blocker", "waiver_request"}
    agenda = run("board", "agenda", "-w", str(demo_workspace))
    assert "playlist-recommendations: owner-present fails" in agenda.output
    assert "The listening domain lead to name an owner" in agenda.output
    verified = run("audit", "verify", "-w", str(demo_workspace))
    assert verified.exit_code == 0 and "governance log intact" in verified.output


def test_deciding_from_the_command_line(demo_copy: Path):
    waiver = next(i for i in queue(demo_copy) if i["kind"] == "waiver_request")
    ws = ("-w", str(demo_copy))
    refused = run(
        "board",
        "decide",
        str(waiver["id"]),
        "--outcome",
        "approved",
        "--rationale",
        "ok",
        "--as",
        "lucia.ferrante@harmonia-music.example",
        *ws,
    )
    assert refused.exit_code == 3 and "refused:" in refused.output
    stale = run(
        "board",
        "decide",
        str(waiver["id"]),
        "--outcome",
        "approved",
        "--rationale",
        "ok",
        "--as",
        CHAIR,
        "--version",
        "1",
        *ws,
    )
    assert stale.exit_code == 4 and "changed since you loaded it" in stale.output
    decided = run(
        "board",
        "decide",
        str(waiver["id"]),
        "--outcome",
        "approved",
        "--rationale",
        "Legal review due in January",
        "--as",
        SECURITY,
        "--expires",
        "2027-01-31",
        "--version",
        str(waiver["version"]),
        *ws,
    )
    assert decided.exit_code == 0, decided.output
    assert "GDR-0001: item" in decided.output and "item is now closed" in decided.output
    waivers = json.loads(run("waiver", "list", "--json", *ws).output)
    assert waivers[0]["status"] == "approved" and waivers[0]["expires_at"].startswith("2027-01-31")
    minutes = run("board", "minutes", "--since", "2026-01-01", *ws)
    assert "GDR-0001" in minutes.output and "Legal review due in January" in minutes.output
    illegal = run("board", "schedule", str(waiver["id"]), "--as", CHAIR, *ws)
    assert illegal.exit_code == 2 and "cannot agenda an item that is closed" in illegal.output
    assert run("audit", "verify", *ws).exit_code == 0


def test_audit_verify_names_the_first_tampered_entry(demo_copy: Path):
    # Behind meshgov's back, with PostgreSQL's append-only trigger switched off as a superuser can.
    engine = store_engine(demo_copy)
    with engine.begin() as connection:
        without_log_guard(connection)
        connection.execute(
            text("UPDATE governance_log SET actor = 'mallory@evil.example' WHERE seq = 3")
        )
    engine.dispose()
    result = run("audit", "verify", "-w", str(demo_copy), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["first_bad_seq"] == 3
    told = run("audit", "verify", "-w", str(demo_copy))
    assert "governance log broken at entry 3" in told.output


def test_requests_from_the_command_line(demo_copy: Path):
    ws = ("-w", str(demo_copy))
    asked = run(
        "access",
        "request",
        "play-events",
        "plays",
        "--purpose",
        "Royalty audit",
        "--as",
        "auditor@harmonia-music.example",
        *ws,
    )
    assert asked.exit_code == 0, asked.output
    assert "review item #" in asked.output
    requested = run(
        "waiver",
        "request",
        "artist-payments",
        "quality-pass-rate",
        "--reason",
        "Backfill running",
        "--until",
        "2027-02-01",
        "--as",
        "priya.raman@harmonia-music.example",
        *ws,
    )
    assert requested.exit_code == 0, requested.output
    no_identity = run(
        "waiver",
        "request",
        "artist-payments",
        "quality-pass-rate",
        "--reason",
        "x",
        "--until",
        "2027-02-01",
        *ws,
    )
    assert no_identity.exit_code == 2 and "--as" in no_identity.output
    log = [json.loads(line) for line in run("audit", "log", "--json", *ws).output.splitlines()]
    assert (
        log[-1]["action"] == "item.opened"
        and log[-1]["actor"] == "priya.raman@harmonia-music.example"
    )
