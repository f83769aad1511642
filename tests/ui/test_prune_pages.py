"""After `meshgov prune`, the pages and the scores of the demo mesh are what they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from governance.cli import app
from governance.service import MeshgovService
from governance.store.schema.tables import check_daily, log_daily
from tests.test_retention import contents, counts

APP = Path(__file__).resolve().parents[2] / "app.py"


def overview_metrics(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(workspace))
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["dev_identity"] = "beatriz.costa@harmonia-music.example"
    at.run()
    assert not at.exception
    return {m.label: m.value for m in at.metric}


def test_pages_and_scores_are_unchanged_after_a_prune(
    demo_workspace, copy_demo, tmp_path, monkeypatch
):
    workspace = copy_demo(demo_workspace, tmp_path / "demo")
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    service = MeshgovService.open(workspace)
    scores = service.export("scores")
    metrics = overview_metrics(workspace, monkeypatch)
    rollups = {t.name: service.read_model(contents, t) for t in (check_daily, log_daily)}
    raw_before = counts(service.store)

    result = CliRunner().invoke(
        app, ["prune", "--older-than", "10", "--json", "-w", str(workspace)]
    )
    assert result.exit_code == 0, result.output
    removed = json.loads(result.output)["counts"]
    # The older half of the demo's 30 days went, of every kind that has it.
    for name in ("check_results", "log_records", "sli_samples", "audit_events"):
        assert 0 < removed[name] < raw_before[name], name

    assert service.export("scores") == scores
    assert overview_metrics(workspace, monkeypatch) == metrics
    # Collecting the same files again brings nothing back and counts nothing twice.
    report = service.collection.collect_configured()
    assert report.ok and report.records_new == 0
    assert {t.name: service.read_model(contents, t) for t in (check_daily, log_daily)} == rollups
    assert (
        counts(service.store)["check_results"]
        == raw_before["check_results"] - removed["check_results"]
    )
    assert service.ledger.verify().ok
    service.store.dispose()
