"""Four `meshgov collect --shard i/4` processes at once on PostgreSQL: one store, no doubles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.collectors.test_every_collector import dump
from tests.reliability.corpus import registered_workspace, write_corpus


@pytest.fixture
def second_pg_url(pg_url):
    """Another fresh database on the same server, for the one-process reference."""
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"meshgov_ref_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def without_source(store: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        table: sorted(
            json.dumps({k: v for k, v in json.loads(row).items() if k != "source"}, sort_keys=True)
            for row in rows
        )
        for table, rows in store.items()
    }


def collect(root, url, *args):
    env = {**os.environ, "MESHGOV_WORKSPACE": str(root), "MESHGOV_DB_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "governance.cli", "collect", "--json", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_four_shards_at_once_make_the_store_one_process_makes(
    pg_url, second_pg_url, tmp_path, mesh_dir, gx_validation_json
):
    settings = write_corpus(tmp_path, json.loads(gx_validation_json.read_text()))
    sharded = registered_workspace(tmp_path, pg_url, mesh_dir, settings)
    single = registered_workspace(tmp_path, second_pg_url, mesh_dir, settings)

    processes = [collect(tmp_path, pg_url, "--shard", f"{i}/4") for i in (1, 2, 3, 4)]
    summaries = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        summaries.append(json.loads(out))
    reference = collect(tmp_path, second_pg_url)
    out, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err

    files = sum(s["files"]["ok"] for summary in summaries for s in summary["sources"])
    assert files == 30 * 6  # every file read once, by exactly one shard
    assert sum(1 for summary in summaries if summary["records_new"]) >= 3  # the work was split
    # Which file a record was first (or last) seen in depends on which process read it
    # first: provenance, not evidence. Everything else must be identical.
    sharded_store, single_store = without_source(dump(sharded)), without_source(dump(single))
    assert sharded_store == single_store
    # Runs whose START and COMPLETE were read by different shards merged into one row each.
    runs = [json.loads(r) for r in sharded_store["pipeline_runs"]]
    assert len(runs) == 30
    assert sorted({r["state"] for r in runs}) == ["failed", "success"]
    assert all(r["started_at"] and r["ended_at"] for r in runs)
    sharded.store.dispose()
    single.store.dispose()
