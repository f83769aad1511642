"""The runner on real stores: every file accounted for, nothing lost, nothing doubled."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collectors.sources import Shard, Source
from governance.errors import UnknownProduct
from governance.store.schema.tables import (
    check_daily,
    check_results,
    collector_files,
    collector_runs,
    source_files,
)

EVIDENCE_TABLES = (check_results, check_daily, source_files)


def count(store, table) -> int:
    with store.read() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def snapshot(store) -> dict[str, list[tuple]]:
    """Evidence rows minus bookkeeping timestamps, to compare whole-store states."""
    with store.read() as connection:
        results = sorted(
            (r.check_key, r.product_id, r.success, r.unexpected_count)
            for r in connection.execute(select(check_results))
        )
        daily = sorted(tuple(r) for r in connection.execute(select(check_daily)))
    return {"check_results": results, "check_daily": daily}


def only(report):
    [source] = report.sources
    return source


@pytest.fixture
def registered(service, mesh_dir):
    assert service.registration.register([mesh_dir]).ok
    return service


def test_collects_a_gx_file_context_store_and_again_changes_nothing(registered, gx_project):
    service = registered
    first = only(service.collection.collect("great_expectations", [gx_project], "orders"))
    # two checkpoint runs × four expectations, from the store layout GX wrote
    assert first.ok and first.records_new == 8
    statuses = {Path(o.path).relative_to(gx_project).parts[0]: o.status for o in first.outcomes}
    # the project's own configuration sits beside the results: skipped, with the reason logged
    assert statuses == {
        "checkpoints": "skipped",
        "expectations": "skipped",
        "validation_definitions": "skipped",
        "uncommitted": "ok",
    }
    assert first.count("ok") == 2
    before = snapshot(service.store)

    for _ in range(2):
        again = only(service.collection.collect("great_expectations", [gx_project], "orders"))
        assert again.ok and again.records_new == 0 and again.records_read == 0
        assert again.count("unchanged") == 5  # watermarks: not even opened
    assert snapshot(service.store) == before
    assert count(service.store, check_results) == 8


def test_a_touched_file_is_reread_only_if_its_content_changed(
    registered, gx_validation_json, tmp_path
):
    service = registered
    folder = tmp_path / "evidence"
    folder.mkdir()
    for name in ("a.json", "b.json"):
        shutil.copy(gx_validation_json, folder / name)
    assert (
        only(service.collection.collect("great_expectations", [folder], "orders")).records_new == 4
    )

    os.utime(folder / "a.json", ns=(1, 1))  # touched, same bytes
    touched = only(service.collection.collect("great_expectations", [folder], "orders"))
    assert touched.count("unchanged") == 2 and touched.records_read == 0

    changed = (
        (folder / "b.json").read_text().replace('"unexpected_count": 2', '"unexpected_count": 3')
    )
    (folder / "b.json").write_text(changed)
    reread = only(service.collection.collect("great_expectations", [folder], "orders"))
    assert [o.status for o in reread.outcomes] == ["unchanged", "ok"]
    assert reread.records_read == 4  # only b.json was parsed


def test_same_evidence_under_another_name_is_not_doubled(registered, gx_project, tmp_path):
    service = registered
    service.collection.collect("great_expectations", [gx_project], "orders")
    copy = tmp_path / "copy"
    shutil.copytree(gx_project, copy)
    report = only(
        service.collection.collect("great_expectations", [copy / "uncommitted"], "orders")
    )
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

    report = service.collection.collect("great_expectations", [batch], "orders")
    source = only(report)

    assert not report.ok
    assert [o.status for o in source.outcomes] == ["ok", "refused", "refused"]
    assert source.records_new == 4
    [run] = service.collector_log(report.run_id)
    assert (run["status"], run["files_read"], run["files_refused"]) == ("partial", 1, 2)
    files = {Path(f["path"]).name: f for f in run["files"]}
    assert set(files) == {"a_good.json", "b_truncated.json", "c_other_tool.json"}
    assert "not valid JSON" in files["b_truncated.json"]["reason"]
    assert "'results' is not a list (found str)" in files["c_other_tool.json"]["reason"]
    assert files["a_good.json"]["records_new"] == 4
    assert count(service.store, check_results) == 4


def test_a_missing_path_is_a_refusal_not_a_crash(registered, tmp_path):
    report = registered.collection.collect("great_expectations", [tmp_path / "nope.json"], "orders")
    assert [(o.status, o.reason) for o in only(report).outcomes] == [
        ("refused", "no such file or folder")
    ]
    assert count(registered.store, collector_runs) == 1
    assert count(registered.store, collector_files) == 1


def test_unattributed_evidence_is_kept_and_counted(registered, gx_validation_json):
    report = registered.collection.collect("great_expectations", [gx_validation_json])
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
        registered.collection.collect("great_expectations", [gx_project], "ghost")
    assert count(registered.store, collector_runs) == 0


def test_daily_rollup_matches_the_raw_results(registered, gx_project, gx_validation_json):
    registered.collection.collect("great_expectations", [gx_project], "orders")
    registered.collection.collect("great_expectations", [gx_validation_json], "orders")
    registered.collection.collect("great_expectations", [gx_project], "orders")
    with registered.store.read() as connection:
        raw = sorted(
            (r.product_id, r.run_time.date(), r.success)
            for r in connection.execute(select(check_results))
        )
        rolled = connection.execute(
            select(func.sum(check_daily.c.checks), func.sum(check_daily.c.passed))
        ).one()
    assert tuple(rolled) == (len(raw), sum(1 for r in raw if r[2]))


def test_a_failing_collector_does_not_stop_the_other_sources(registered, gx_validation_json):
    from collectors.runner import run_sources

    sources = [
        Source("no_such_collector", str(gx_validation_json)),
        Source("great_expectations", str(gx_validation_json), "orders"),
    ]
    report = run_sources(registered.store, sources)
    broken, fine = report.sources
    assert "no collector named 'no_such_collector'" in broken.error
    assert fine.ok and fine.records_new == 4
    statuses = {r["collector"]: r["status"] for r in registered.collector_log(report.run_id)}
    assert statuses == {"no_such_collector": "failed", "great_expectations": "ok"}


@pytest.mark.parametrize("count_", [2, 3, 5])
def test_shards_split_the_files_without_overlap(registered, gx_validation_json, tmp_path, count_):
    folder = tmp_path / "many"
    folder.mkdir()
    for index in range(12):
        text = gx_validation_json.read_text().replace("orders_suite", f"suite_{index}")
        (folder / f"{index:02}.json").write_text(text)
    from collectors.runner import run_sources

    seen: list[str] = []
    for index in range(1, count_ + 1):
        report = run_sources(
            registered.store,
            [Source("great_expectations", str(folder), "orders")],
            shard=Shard(index, count_),
        )
        seen += [o.path for o in only(report).outcomes]
    assert sorted(seen) == sorted(str(p) for p in folder.iterdir())
    assert count(registered.store, check_results) == 12 * 4


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_bad_shard_specs_are_refused(text):
    with pytest.raises(ValueError, match="--shard"):
        Shard.parse(text)


def test_a_file_the_store_refuses_costs_only_that_file(registered, gx_validation_json, tmp_path):
    service = registered
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(gx_validation_json, batch / "a.json")
    # Valid JSON, valid GX, but PostgreSQL text cannot hold a NUL character.
    text = gx_validation_json.read_text().replace('"orders_suite"', '"orders\\u0000suite"')
    (batch / "b_nul.json").write_text(text)
    shutil.copy(gx_validation_json, batch / "c.json")
    (batch / "c.json").write_text(gx_validation_json.read_text().replace("orders_suite", "other"))

    report = service.collection.collect("great_expectations", [batch], "orders")
    statuses = {Path(o.path).name: (o.status, o.reason or "") for o in only(report).outcomes}
    if service.store.backend == "postgresql":
        assert statuses["b_nul.json"][0] == "refused"
        assert "the store refused its records" in statuses["b_nul.json"][1]
        assert "NUL character" in statuses["b_nul.json"][1]  # says what to fix
        assert report.records_new == 8  # a.json and c.json landed in full
    else:
        assert statuses["b_nul.json"][0] == "ok" and report.records_new == 12
    assert statuses["a.json"][0] == statuses["c.json"][0] == "ok"
