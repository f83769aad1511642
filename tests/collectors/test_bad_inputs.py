"""The bad-input corpus, through the runner: every file gets a recorded, readable outcome.

tests/fixtures/bad_inputs/<collector>/EXPECTED.json says, per file, whether it is refused,
partly read or read, and a phrase its reason must contain. Valid files collected in the
same run must land in full.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from collectors import available_collectors

CORPUS = Path(__file__).parent.parent / "fixtures" / "bad_inputs"
COLLECTORS = sorted(p.name for p in CORPUS.iterdir() if (p / "EXPECTED.json").exists())


def test_the_corpus_is_broad():
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.name != "EXPECTED.json"]
    assert len(files) >= 40
    assert set(COLLECTORS) <= set(available_collectors())


@pytest.mark.parametrize("collector", COLLECTORS)
def test_every_bad_file_is_accounted_for(
    service, mesh_dir, collector, gx_validation_json, tmp_path
):
    service.registration.register([mesh_dir])
    expected = json.loads((CORPUS / collector / "EXPECTED.json").read_text())
    batch = tmp_path / collector
    shutil.copytree(CORPUS / collector, batch)
    (batch / "EXPECTED.json").unlink()
    # Collect every file, whatever its suffix, as one source: nothing may crash the run.
    report = service.collection.collect(collector, [str(batch / name) for name in sorted(expected)])
    assert report.sources and all(s.error is None for s in report.sources), [
        s.error for s in report.sources
    ]
    outcomes = {Path(o.path).name: o for s in report.sources for o in s.outcomes}
    assert set(outcomes) == set(expected)
    for name, want in expected.items():
        got = outcomes[name]
        status = "ok" if got.status == "ok" else got.status
        assert status == want["outcome"], (name, got)
        if want.get("reason_contains"):
            assert want["reason_contains"] in (got.reason or ""), (name, got.reason)
    # and a valid file next to the bad ones lands in full
    good = service.collection.collect("great_expectations", [gx_validation_json], "orders")
    assert good.ok and good.records_new == 4


def test_a_50_mb_file_is_read_without_trouble(service, mesh_dir, gx_validation_json, tmp_path):
    service.registration.register([mesh_dir])
    document = json.loads(gx_validation_json.read_text())
    document["results"][0]["result"]["partial_unexpected_list"] = ["x" * 1000] * 55_000
    big = tmp_path / "big.json"
    big.write_text(json.dumps(document))
    assert big.stat().st_size > 50 * 1024 * 1024
    report = service.collection.collect("great_expectations", [big], "orders")
    assert report.ok and report.records_new == 4
