"""The runner on real stores: every file accounted for, nothing lost, nothing doubled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from governance.service import UnknownProduct
from governance.store.tables import check_daily, check_results, collector_runs


def count(store, table) -> int:
    with store.read() as connection:
        return connection.scalar(select(func.count()).select_from(table))


@pytest.fixture
def registered(service, mesh_dir):
    assert service.register([mesh_dir]).ok
    return service


def test_collects_a_gx_file_context_store_and_twice_changes_nothing(registered, gx_project):
    service = registered
    first = service.collect("great_expectations", [gx_project], "orders")
    # two checkpoint runs × four expectations, from the store layout GX wrote
    assert first.ok and first.records_new == 8
    statuses = {Path(o.source).relative_to(gx_project).parts[0]: o.status for o in first.outcomes}
    # the project's own configuration sits beside the results: skipped, with the reason logged
    assert statuses == {
        "checkpoints": "skipped",
        "expectations": "skipped",
        "validation_definitions": "skipped",
        "uncommitted": "ok",
    }
    assert sorted(o.status for o in first.outcomes).count("ok") == 2
    results_before, daily_before = (
        count(service.store, check_results),
        count(service.store, check_daily),
    )

    second = service.collect("great_expectations", [gx_project], "orders")
    assert second.ok and second.records_new == 0
    assert sorted(o.status for o in second.outcomes) == ["skipped"] * 3 + ["unchanged"] * 2
    assert count(service.store, check_results) == results_before == 8
    assert count(service.store, check_daily) == daily_before


def test_same_evidence_under_another_name_is_not_doubled(registered, gx_project, tmp_path):
    service = registered
    service.collect("great_expectations", [gx_project], "orders")
    copy = tmp_path / "copy"
    shutil.copytree(gx_project, copy)
    # A rename changes nothing about the facts; a content change would be a new fact.
    for path in copy.rglob("*.json"):
        path.write_text(path.read_text() + "\n")
    report = service.collect("great_expectations", [copy / "uncommitted"], "orders")
    assert report.ok and report.records_read == 8 and report.records_new == 0


def test_a_bad_file_is_refused_with_its_reason_and_the_rest_lands(
    registered, gx_validation_json, tmp_path
):
    service = registered
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(gx_validation_json, batch / "a_good.json")
    (batch / "b_truncated.json").write_text('{"results": [')
    (batch / "c_other_tool.json").write_text('{"elapsed_time": 1.2, "results": "dbt"}')
    (batch / "notes.txt").write_text("not evidence, not a .json file")

    report = service.collect("great_expectations", [batch], "orders")

    assert not report.ok
    assert [o.status for o in report.outcomes] == ["ok", "refused", "refused"]
    assert report.records_new == 4
    log = {Path(row["source"]).name: row for row in service.collector_log(report.run_id)}
    assert set(log) == {"a_good.json", "b_truncated.json", "c_other_tool.json"}
    assert log["b_truncated.json"]["status"] == "refused"
    assert "not valid JSON" in log["b_truncated.json"]["reason"]
    assert "not a Great Expectations result" in log["c_other_tool.json"]["reason"]
    assert log["a_good.json"]["records_new"] == 4
    assert count(service.store, check_results) == 4


def test_a_missing_path_is_a_refusal_not_a_crash(registered, tmp_path):
    report = registered.collect("great_expectations", [tmp_path / "nope.json"], "orders")
    assert [(o.status, o.reason) for o in report.outcomes] == [
        ("refused", "no such file or folder")
    ]
    assert count(registered.store, collector_runs) == 1


def test_unattributed_evidence_is_kept_and_counted(registered, gx_validation_json):
    report = registered.collect("great_expectations", [gx_validation_json])
    assert report.ok and report.records_new == 4
    with registered.store.read() as connection:
        unattributed = connection.scalar(
            select(func.count())
            .select_from(check_results)
            .where(check_results.c.product_id.is_(None))
        )
    assert unattributed == 4


def test_collecting_for_an_unregistered_product_is_refused_up_front(registered, gx_project):
    with pytest.raises(UnknownProduct, match="no product 'ghost' is registered"):
        registered.collect("great_expectations", [gx_project], "ghost")
    assert count(registered.store, collector_runs) == 0


def test_daily_rollup_matches_the_raw_results(registered, gx_project):
    registered.collect("great_expectations", [gx_project], "orders")
    with registered.store.read() as connection:
        raw = connection.execute(
            select(
                func.count(),
                func.sum(check_results.c.success.cast(type_=check_daily.c.passed.type)),
            )
        ).one()
        rolled = connection.execute(
            select(func.sum(check_daily.c.checks), func.sum(check_daily.c.passed))
        ).one()
    assert tuple(raw) == tuple(rolled)
