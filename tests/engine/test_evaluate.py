"""`meshgov evaluate`, `explain`, `export scores|policies|slo-status`: end to end."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from governance.model.vocabulary import SCORE_DIMENSIONS as DIMENSIONS
from governance.service import MeshgovService
from governance.store.read import judgements
from governance.store.write.judgements import add_waiver
from tests.engine.conftest import run_cli

_run = run_cli


def _rows(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_demo_story_shows_in_scores_and_policies(demo_workspace: Path) -> None:
    scores = {
        r["product"]: r for r in _rows(_run("export", "scores", "-w", str(demo_workspace)).output)
    }
    assert len(scores) == 12
    # Dimensions come in the scoring's order on both backends (JSONB keeps no key order).
    columns = list(scores["artist-payments"])
    assert [c for c in columns if c in DIMENSIONS] == list(DIMENSIONS)
    median = sorted(r["score"] for r in scores.values())[6]
    # The degrading product loses score: quality and operations show it.
    assert scores["artist-payments"]["score"] < median
    assert scores["artist-payments"]["quality"] < 70
    # The unowned and the unclassified products fail their blockers, which cap the score.
    assert "owner-present" in scores["playlist-recommendations"]["capped_by"]
    assert "columns-classified" in scores["user-search-history"]["capped_by"]
    assert scores["playlist-recommendations"]["level"] == "none"
    policies = _rows(_run("export", "policies", "-w", str(demo_workspace)).output)
    outcome = {(r["product"], r["policy_id"]): r for r in policies}
    assert outcome[("playlist-recommendations", "owner-present")]["outcome"] == "fail"
    assert outcome[("playlist-recommendations", "no-deprecated-inputs")]["outcome"] == "fail"
    unclassified = outcome[("user-search-history", "columns-classified")]
    assert unclassified["outcome"] == "fail" and "email" in unclassified["message"]
    assert outcome[("user-profiles", "owner-present")]["outcome"] == "pass"
    # The stale product exhausts its freshness budget.
    slos = _rows(
        _run(
            "export", "slo-status", "--product", "podcast-catalog", "-w", str(demo_workspace)
        ).output
    )
    freshness = next(s for s in slos if s["slo"] == "podcast-catalog-freshness")
    assert freshness["status"] == "exhausted" and freshness["error_budget_remaining"] <= 0
    healthy = _rows(
        _run("export", "slo-status", "--product", "user-profiles", "-w", str(demo_workspace)).output
    )
    assert healthy and all(s["status"] == "ok" for s in healthy)


def test_explain_cites_dimensions_and_evidence(demo_workspace: Path) -> None:
    result = _run("explain", "artist-payments", "-w", str(demo_workspace))
    assert result.exit_code == 0
    listed = re.findall(r"^  (\w+) [\d.]+ \(weight", result.output, re.MULTILINE)
    assert listed == list(DIMENSIONS)  # in the scoring's order, on both backends
    assert "expect_column_values_to_not_be_null(amount)" in result.output  # a failed check
    assert "artist-payments-valid-rows" in result.output  # the exhausted SLO
    assert "quality-pass-rate" in result.output  # a failed policy
    as_json = json.loads(
        _run("explain", "artist-payments", "--json", "-w", str(demo_workspace)).output
    )
    assert as_json["score"]["dimensions"]["quality"]["weight"] == 30
    assert as_json["facts"]["product"]["id"] == "artist-payments"


def test_evaluate_twice_a_day_keeps_one_snapshot(cli, tmp_path: Path) -> None:
    first = cli("evaluate", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert summary["products"] == 2 and summary["policies"] >= 15
    assert cli("evaluate", "--json").exit_code == 0
    service = MeshgovService.open(tmp_path)
    with service.store.read() as connection:
        assert judgements.evaluation_count(connection) == 2
        assert len(judgements.latest_scores(connection)) == 2
        history = judgements.score_history(connection, product_id="orders")
        assert len(history) == 1  # one snapshot per product and day
        results = judgements.latest_policy_results(connection)
    # Older same-day detail rows are replaced, not piled up.
    assert len(results) == 2 * summary["policies"]
    service.store.dispose()
    scores = _rows(cli("export", "scores").output)
    assert {"product", "domain", "score", "grade", "level", "quality", "reliability", "compliance",
            "operations", "documentation"} <= set(scores[0])  # fmt: skip
    # No checks were collected: quality is missing, never healthy.
    assert all(r["quality"] is None for r in scores)
    assert all(r["score"] < 80 for r in scores)


def test_a_broken_policy_file_is_refused_and_the_rest_run(cli, tmp_path: Path) -> None:
    rules = tmp_path / "policy_rules" / "global"
    rules.mkdir(parents=True)
    (rules / "good.yaml").write_text(
        "id: has-owner\ntitle: Owner\nrationale: r\nseverity: blocker\nlevel: bronze\n"
        "lifecycle: enforced\nexpression: facts.owners.size() > 0\n"
    )
    (rules / "bad.yaml").write_text(
        "policies:\n  - id: broken-cel\n    title: Broken\n    rationale: r\n    severity: major\n"
        "    level: bronze\n    lifecycle: enforced\n    expression: facts.owners.size( > 0\n"
    )
    result = cli("evaluate")
    assert result.exit_code == 1
    assert (
        "bad.yaml" in result.output
        and "broken-cel" in result.output
        and "Syntax error" in result.output
    )
    policies = _rows(cli("export", "policies").output)
    assert {r["policy_id"] for r in policies} == {"has-owner"}


def test_an_approved_waiver_counts_only_until_it_expires(cli, tmp_path: Path) -> None:
    service = MeshgovService.open(tmp_path)
    now = datetime.now(UTC)
    with service.store.begin() as connection:
        for product, expires in (
            ("orders", now + timedelta(days=30)),
            ("revenue", now - timedelta(days=1)),
        ):
            add_waiver(
                connection,
                {
                    "policy_id": "quality-checks-present",
                    "product_id": product,
                    "reason": "checks land next sprint",
                    "status": "approved",
                    "expires_at": expires,
                    "requested_by": "owner@example.com",
                    "approved_by": "board@example.com",
                    "created_at": now,
                    "decided_at": now,
                },
            )
    service.store.dispose()
    assert cli("evaluate").exit_code == 0
    results = {(r["product"], r["policy_id"]): r for r in _rows(cli("export", "policies").output)}
    waived = results[("orders", "quality-checks-present")]
    assert waived["outcome"] == "waived" and "board@example.com" in waived["message"]
    assert results[("revenue", "quality-checks-present")]["outcome"] == "fail"


def test_backfill_writes_one_snapshot_per_past_day_and_leaves_the_queue_alone(cli, tmp_path):
    result = cli("evaluate", "--backfill", "3", "--as-of", "2026-11-20T12:00:00", "--json")
    assert result.exit_code == 0, result.output
    service = MeshgovService.open(tmp_path)
    with service.store.read() as connection:
        days = [r["day"].isoformat() for r in judgements.score_history(connection, "orders")]
    assert days == ["2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
    opened = json.loads(result.output)["review"]["opened"]
    # Only the present evaluation ran the triggers: each item was opened once.
    assert len(opened) == len({i["item_key"] for i in service.board.queue(now=datetime.now(UTC))})
