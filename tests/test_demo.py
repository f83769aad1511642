"""The demo mesh: the stories it tells through the service, and how faithful its evidence is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from collectors.great_expectations import parse_gx_time
from governance.cli import app
from governance.demo import build_demo
from governance.demo.data import break_rows, daily_batch, run_time
from governance.demo.evidence import (
    GxValidator,
    evaluate_expectation,
    fingerprint,
    synthesised_validation,
)
from governance.demo.mesh import PRODUCTS
from governance.demo.spec import DemoProduct
from governance.service import MeshgovService

PERSONAL_UNCLASSIFIED = {"email", "ip_address", "search_query"}


@pytest.fixture(scope="module")
def demo(demo_workspace: Path) -> Iterator[MeshgovService]:
    """The service over the session's demo workspace."""
    service = MeshgovService.open(demo_workspace)
    yield service
    service.store.dispose()


def _upstream(service: MeshgovService, product_id: str) -> set[str]:
    lineage = service.product_detail(product_id).lineage
    return {edge["upstream_product"] for edge in lineage["upstream"]}


def _result_files(root: Path, product_id: str) -> list[Path]:
    """A product's GX result files, oldest first (the time folder sorts chronologically)."""
    validations = root / "evidence" / product_id / "gx" / "uncommitted" / "validations"
    return sorted(validations.rglob("*.json"), key=lambda p: p.parent.name)


def _demo_today(root: Path) -> date:
    """The `today` the session's demo was built for: its newest simulated run day."""
    days = [
        datetime.strptime(path.parent.name, "%Y%m%dT%H%M%S.%fZ").date()
        for path in (root / "evidence").rglob("*.json")
    ]
    return max(days)


# --- the mesh, as people see it


def test_mesh_spans_the_music_domains(demo: MeshgovService) -> None:
    products = demo.products()
    domains = {p["domain_id"] for p in products}
    assert len(products) >= 10
    assert len(domains) >= 4
    assert {"artists", "users", "podcasts", "listening", "finance"} <= domains


def test_artist_payments_is_fed_by_onboarding_and_payment_events(demo: MeshgovService) -> None:
    assert _upstream(demo, "artist-payments") == {"artist-onboarding", "payment-events"}


def test_user_profiles_serves_a_table_and_a_stream(demo: MeshgovService) -> None:
    outputs = [p for p in demo.product_detail("user-profiles").ports if p["kind"] == "output"]
    assert {p["name"]: p["type"] for p in outputs} == {
        "monthly-summary": "tables",
        "profile-updates": "topic",
    }


def test_podcast_listeners_reads_profiles_and_the_podcast_catalog(demo: MeshgovService) -> None:
    assert {"user-profiles", "podcast-catalog"} <= _upstream(demo, "podcast-listeners")


def test_playlist_recommendations_has_no_owner(demo: MeshgovService) -> None:
    detail = demo.product_detail("playlist-recommendations")
    assert detail.product["owner"] is None
    assert detail.product["team"], "the team exists; nobody in it is the owner"


def test_deprecated_catalog_is_still_consumed(demo: MeshgovService) -> None:
    detail = demo.product_detail("artist-catalog-v1")
    assert detail.product["status"] == "deprecated"
    consumers = {edge["downstream_product"] for edge in detail.lineage["downstream"]}
    assert "playlist-recommendations" in consumers


def test_search_history_holds_unclassified_personal_data(demo: MeshgovService) -> None:
    (contract,) = demo.product_detail("user-search-history").contracts
    classification = {c["name"]: c["classification"] for c in contract["columns"]}
    assert PERSONAL_UNCLASSIFIED <= classification.keys()
    assert all(classification[name] is None for name in PERSONAL_UNCLASSIFIED)


def test_every_other_column_is_classified(demo: MeshgovService) -> None:
    unclassified = [
        (product["id"], column["name"])
        for product in demo.products()
        for contract in demo.product_detail(product["id"]).contracts
        for column in contract["columns"]
        if column["classification"] is None
    ]
    assert sorted(unclassified) == sorted(
        ("user-search-history", name) for name in PERSONAL_UNCLASSIFIED
    )


def test_podcast_catalog_stops_being_fresh(demo: MeshgovService) -> None:
    last = {p["id"]: p["last_evidence"] for p in demo.overview().products}
    stale = last.pop("podcast-catalog")
    assert all(day is not None and day - stale >= timedelta(days=5) for day in last.values())


def test_artist_payments_quality_degrades(demo: MeshgovService) -> None:
    days = [r for r in demo.overview().daily_pass_rate if r["product_id"] == "artist-payments"]
    days.sort(key=lambda r: r["day"])

    def pass_rate(rows: list[dict]) -> float:
        return sum(r["passed"] for r in rows) / sum(r["checks"] for r in rows)

    assert pass_rate(days[:10]) >= 0.9
    assert pass_rate(days[-5:]) <= pass_rate(days[:10]) - 0.3


def test_a_normal_product_has_thirty_days_of_evidence(demo: MeshgovService) -> None:
    days = {r["day"] for r in demo.product_detail("play-events").daily_pass_rate}
    assert len(days) == 30
    assert max(days) - min(days) == timedelta(days=29)


def test_most_days_pass_for_healthy_products(demo: MeshgovService) -> None:
    """Everyday noise: realistic, occasional failures, never a wall of red."""
    figures = {p["id"]: p["pass_rate"] for p in demo.overview().products}
    for product_id in ("artist-catalog", "user-profiles", "play-events", "payment-events"):
        checks = demo.export_checks(product_id)
        assert sum(c["success"] for c in checks) / len(checks) >= 0.9, product_id
        assert figures[product_id] is not None


# --- the evidence is what GX writes


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.id)
def test_latest_day_was_validated_by_real_gx(demo_workspace: Path, product: DemoProduct) -> None:
    """The newest file is GX's own; the evaluator reaches the same results on the same batch."""
    import great_expectations as gx

    files = _result_files(demo_workspace, product.id)
    latest = json.loads(files[-1].read_text())
    assert latest["meta"]["great_expectations_version"] == gx.__version__
    assert "meshgov_demo" not in latest["meta"]
    assert {"validation_id", "checkpoint_id", "run_id"} <= latest["meta"].keys()
    assert all("meshgov_demo" in json.loads(f.read_text())["meta"] for f in files[:-1])

    moment = parse_gx_time(latest["meta"]["run_id"]["run_time"])
    assert moment is not None
    frame = daily_batch(product, moment.date(), _demo_today(demo_workspace), seed=7)
    # Same fingerprint: the batch rebuilt here is the very batch GX validated.
    assert fingerprint(frame) == latest["meta"]["batch_markers"]["pandas_data_fingerprint"]
    evaluated = synthesised_validation(latest, product, frame, moment)
    for real, ours in zip(latest["results"], evaluated["results"], strict=True):
        assert (real["success"], real["result"]) == (ours["success"], ours["result"])
    assert evaluated["statistics"] == latest["statistics"]


def test_synthesised_days_have_gx_shape(demo_workspace: Path) -> None:
    files = _result_files(demo_workspace, "artist-payments")
    real, synthesised = (json.loads(f.read_text()) for f in (files[-1], files[-2]))
    assert list(synthesised) == list(real)
    assert set(synthesised["meta"]) == set(real["meta"]) | {"meshgov_demo"}
    for ours, theirs in zip(synthesised["results"], real["results"], strict=True):
        assert ours["expectation_config"] == theirs["expectation_config"]  # same suite, same ids
        assert list(ours) == list(theirs)
        assert set(ours["result"]) == set(theirs["result"])
    run = synthesised["meta"]["run_id"]["run_time"]
    assert synthesised["meta"]["validation_time"] == run
    assert files[-2].parent.name == datetime.fromisoformat(run).strftime("%Y%m%dT%H%M%S.%fZ")


@pytest.fixture(scope="module")
def validator() -> GxValidator:
    """One real GX context for the module."""
    return GxValidator()


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.id)
def test_evaluator_matches_gx_on_broken_batches(
    validator: GxValidator, product: DemoProduct
) -> None:
    """Every expectation failing at once, then a partial load: GX and the evaluator agree."""
    day = date(2026, 3, 14)
    rng = np.random.default_rng(11)
    frame = daily_batch(product, day, day, seed=11)
    for expectation in product.suite:
        if expectation.column:
            frame = break_rows(frame, expectation, 3, rng)
    partial = break_rows(frame, product.suite[-1], 0, rng)  # the suite ends with a row count
    for batch in (frame.reset_index(drop=True), partial):
        moment = run_time(product, day, seed=11)
        real = validator.validate(product, batch, moment)
        assert not real["success"]
        for entry in real["results"]:
            config = entry["expectation_config"]
            expectation = next(
                e
                for e in product.suite
                if (e.type, e.column) == (config["type"], config["kwargs"].get("column"))
            )
            assert evaluate_expectation(expectation, batch) == (entry["success"], entry["result"])


# --- building the demo


def _outcomes(root: Path) -> dict[str, list[tuple]]:
    outcomes = {}
    for path in sorted((root / "evidence").rglob("*.json")):
        document = json.loads(path.read_text())
        outcomes[path.relative_to(root).as_posix()] = [
            (
                document["suite_name"],
                r["expectation_config"]["type"],
                r["expectation_config"]["kwargs"].get("column"),
                r["success"],
                r["result"].get("unexpected_count"),
            )
            for r in document["results"]
        ]
    return outcomes


def test_same_seed_same_demo(tmp_path: Path) -> None:
    today = date(2026, 5, 4)
    first, second = tmp_path / "first", tmp_path / "second"
    assert build_demo(first, seed=3, days=12, today=today) == build_demo(
        second, seed=3, days=12, today=today
    )
    described = sorted(p.relative_to(first) for p in first.rglob("*.yaml"))
    assert len(described) == 1 + 12 + 13 + 6  # meshgov.yaml, products, their contracts, systems
    for relative in described:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    assert _outcomes(first) == _outcomes(second)
    assert len(_outcomes(first)) == 11 * 12 + 6  # podcast-catalog stopped 6 days ago


def test_another_seed_tells_the_same_stories_with_other_numbers(tmp_path: Path) -> None:
    today = date(2026, 5, 4)
    build_demo(tmp_path / "a", seed=3, days=12, today=today)
    build_demo(tmp_path / "b", seed=4, days=12, today=today)
    assert _outcomes(tmp_path / "a") != _outcomes(tmp_path / "b")


def test_demo_rebuilds_in_place_from_a_clean_store(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    runner = CliRunner()
    arguments = ["demo", "--no-serve", "--workspace", str(root), "--days", "3"]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    (root / "notes.md").write_text("mine")
    second = runner.invoke(app, arguments)
    assert second.exit_code == 0, second.output
    assert (root / "notes.md").read_text() == "mine"  # only what the demo wrote is replaced

    service = MeshgovService.open(root)
    try:
        log = service.collector_log()
        # A fresh store: every file of the rebuild was new to it, none "unchanged".
        assert len({row["run_id"] for row in log}) == 1  # one collection run...
        assert len(log) == len(PRODUCTS)  # ...with a row per source, one source per product
        assert all(row["status"] == "ok" and row["files_unchanged"] == 0 for row in log)
        assert all(f["status"] == "ok" for row in log for f in row["files"])
        assert len(service.products()) == len(PRODUCTS)
    finally:
        service.store.dispose()
    assert not any(
        (root / "evidence" / "podcast-catalog" / "gx" / "uncommitted" / "validations").iterdir()
    )


def test_refuses_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match=str(tmp_path)):
        build_demo(tmp_path, days=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


def test_refuses_a_workspace_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "meshgov.yaml").write_text("name: production mesh\n")
    (tmp_path / "products").mkdir()
    with pytest.raises(ValueError, match="not a meshgov demo workspace"):
        build_demo(tmp_path, days=1)
    assert (tmp_path / "products").is_dir()
