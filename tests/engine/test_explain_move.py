"""`meshgov explain --since`: why a score moved, from the store, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance.service import MeshgovService
from governance.store.write.judgements import add_waiver
from tests.engine.conftest import run_cli

_run = run_cli


def _adds_up(move: dict) -> None:
    cap = sum(c["points"] for c in move["causes"] if c["kind"] == "cap")
    dimensions = sum(d["points"] for d in move["dimensions"].values())
    assert dimensions + cap + move["rounding"] == pytest.approx(
        move["delta"], abs=0.05
    )  # each rounded to 0.01


def test_the_degrading_demo_product_names_its_causes(demo_workspace: Path) -> None:
    result = _run(
        "explain", "artist-payments", "--since", "14d", "--json", "-w", str(demo_workspace)
    )
    assert result.exit_code == 0, result.output
    move = json.loads(result.output)
    assert move["delta"] < -5 and move["detailed"]
    after = datetime.fromisoformat(move["after"]["day"])
    assert datetime.fromisoformat(move["before"]["day"]) == after - timedelta(days=14)
    causes = {(c["kind"], c["ref"]): c for c in move["causes"]}
    exhausted = causes[("slo", "artist-payments-valid-rows")]
    assert exhausted["change"] == "error budget exhausted" and exhausted["points"] <= -4
    assert causes[("policy", "error-budget-left")]["change"] == "started failing"
    assert move["causes"][0] == exhausted  # the biggest share first
    _adds_up(move)
    text = _run("explain", "artist-payments", "--since", "14d", "-w", str(demo_workspace))
    assert text.exit_code == 0
    assert "slo artist-payments-valid-rows: error budget exhausted" in text.output


def test_the_mesh_move_is_its_products_shares(demo_workspace: Path) -> None:
    result = _run("explain", "--mesh", "--since", "14d", "--json", "-w", str(demo_workspace))
    assert result.exit_code == 0, result.output
    move = json.loads(result.output)
    assert sum(p["points"] for p in move["products"]) == pytest.approx(move["delta"], abs=0.05)
    top = move["products"][0]
    # The stale product's freshness SLOs exhaust their budgets: the mesh's biggest loss.
    assert top["product"] == "podcast-catalog" and top["points"] < -1
    assert {"podcast-catalog-freshness", "podcast-episodes-freshness"} <= {
        c["ref"] for c in top["causes"] if c["change"] == "error budget exhausted"
    }
    domain = _run("explain", "--domain", "podcasts", "--since", "14d", "-w", str(demo_workspace))
    assert domain.exit_code == 0, domain.output
    assert "domain podcasts" in domain.output and "podcast-catalog" in domain.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["artist-payments", "--since", "2020-01-01"], "not on or before 2020-01-01"),
        (["artist-payments", "--since", "2026-13-01"], "expected a date YYYY-MM-DD"),
        (["no-such-product", "--since", "7d"], "no product 'no-such-product'"),
        (["--domain", "nowhere", "--since", "7d"], "domain nowhere has no scores"),
        (["--domain", "finance"], "--since is needed"),
        (["artist-payments", "--mesh", "--since", "7d"], "name one of"),
    ],
)
def test_questions_the_history_cannot_answer_are_clear_errors(
    demo_workspace: Path, args: list[str], message: str
) -> None:
    result = _run("explain", *args, "-w", str(demo_workspace))
    assert result.exit_code == 2
    assert message in result.output


def test_since_after_until_is_refused(demo_workspace: Path) -> None:
    days = MeshgovService.open(demo_workspace).evaluation.score_days("artist-payments")
    assert days is not None
    first, last = days
    result = _run(
        "explain", "artist-payments", "--since", str(last), "--until", str(first),
        "-w", str(demo_workspace),
    )  # fmt: skip
    assert result.exit_code == 2 and "is after --until" in result.output


def test_a_waiver_that_expired_between_the_days_is_named_with_its_points(cli, tmp_path):
    monday = datetime(2026, 11, 16, 12, tzinfo=UTC)
    expires = monday + timedelta(days=1)
    service = MeshgovService.open(tmp_path)
    with service.store.begin() as connection:
        add_waiver(
            connection,
            {
                "policy_id": "quality-checks-present",
                "product_id": "orders",
                "reason": "checks land next sprint",
                "status": "approved",
                "expires_at": expires,
                "requested_by": "owner@example.com",
                "approved_by": "board@example.com",
                "created_at": monday,
                "decided_at": monday,
            },
        )
    service.store.dispose()
    assert cli("evaluate", "--as-of", "2026-11-16T12:00:00").exit_code == 0
    assert cli("evaluate", "--as-of", "2026-11-18T12:00:00").exit_code == 0
    result = cli("explain", "orders", "--since", "2026-11-16", "--json")
    assert result.exit_code == 0, result.output
    move = json.loads(result.output)
    assert move["before"]["day"] == "2026-11-16" and move["after"]["day"] == "2026-11-18"
    ended = next(c for c in move["causes"] if c["kind"] == "waiver")
    assert ended["ref"] == "quality-checks-present"
    assert ended["change"] == "waiver expired 2026-11-17, policy fails"
    assert ended["before"].startswith("waived") and ended["after"].startswith("fail")
    assert ended["points"] < 0 and ended["dimension"] == "compliance"
    _adds_up(move)


def test_after_a_prune_the_move_is_told_from_the_stored_explanations(cli, tmp_path):
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    earlier = today - timedelta(days=10)
    assert cli("evaluate", "--as-of", earlier.strftime("%Y-%m-%dT%H:%M:%S")).exit_code == 0
    assert cli("evaluate").exit_code == 0
    # The older evaluation's facts and policy results go; its snapshots stay.
    assert cli("prune", "--older-than", "5", "--as", "ops@example.com").exit_code == 0
    result = cli("explain", "orders", "--since", earlier.date().isoformat(), "--json")
    assert result.exit_code == 0, result.output
    move = json.loads(result.output)
    assert move["detailed"] is False
    assert all(c["points"] is None for c in move["causes"] if c["kind"] != "cap")
    _adds_up(move)
    text = cli("explain", "orders", "--since", earlier.date().isoformat())
    assert "were pruned" in text.output
