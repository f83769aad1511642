"""The parse pipeline (a worker process parsing while the runner writes) changes nothing.

The same sources collected with and without the worker give the same evidence, the same
per-file outcomes and the same refusals; collecting again with the worker adds nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from collectors.runner import run_sources
from governance.config import Workspace
from governance.service import MeshgovService
from governance.store import Store
from tests.collectors.test_every_collector import dump, workspace  # noqa: F401 (fixture)


@pytest.fixture
def store_url(tmp_path):
    """SQLite only: the worker hands over SQLite rows (PostgreSQL collects in-process)."""
    return f"sqlite:///{tmp_path / 'store' / 'meshgov.db'}"


def outcomes(report):
    return sorted(
        (o.path, o.status, o.reason, o.position, o.records_read, o.records_new)
        for source in report.sources
        for o in source.outcomes
    )


def many_gx_files(root, template: dict, count: int) -> None:
    """`count` validation results of the suite, one per day, plus two files that are not."""
    start = datetime(2026, 10, 1, 6, tzinfo=UTC)
    for day in range(count):
        document = json.loads(json.dumps(template))
        when = (start + timedelta(days=day)).isoformat()
        document["meta"]["run_id"] = {"run_name": None, "run_time": when}
        document["meta"]["validation_time"] = when
        (root / f"run-{day:03}.json").write_text(json.dumps(document))
    (root / "broken.json").write_text('{"results": [')
    (root / "notes.json").write_text('{"hello": "not a validation result"}')


def test_the_worker_writes_what_this_process_writes(workspace, tmp_path):  # noqa: F811
    gx = tmp_path / "evidence" / "gx"
    many_gx_files(gx, json.loads((gx / "orders.json").read_text()), 60)
    root = workspace.workspace.root
    piped = run_sources(workspace.store, workspace.collection.sources(), base=root, pipeline=True)

    other = Store(f"sqlite:///{tmp_path / 'plain' / 'meshgov.db'}")
    other.init()
    plain_service = MeshgovService(
        Workspace(root=root, db_url=other.url, settings=workspace.workspace.settings), other
    )
    assert plain_service.registration.register([tmp_path / "mesh"]).ok
    plain = run_sources(other, plain_service.collection.sources(), base=root, pipeline=False)

    assert dump(workspace) == dump(plain_service)
    assert outcomes(piped) == outcomes(plain)
    statuses = {o[0].rsplit("/", 1)[-1]: o[1] for o in outcomes(piped)}
    assert statuses["broken.json"] == "refused" and statuses["run-059.json"] == "ok"
    assert piped.records_new == plain.records_new > 60 * 5

    again = run_sources(workspace.store, workspace.collection.sources(), base=root, pipeline=True)
    assert again.records_new == 0
    assert dump(workspace) == dump(plain_service)
    other.dispose()


def test_the_pipeline_is_for_sqlite_only(pg_url, tmp_path):
    store = Store(pg_url)
    store.init()
    with pytest.raises(ValueError, match="SQLite"):
        run_sources(store, [], pipeline=True)
    store.dispose()
