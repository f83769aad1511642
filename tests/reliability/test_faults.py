"""Faults mid-collect and mid-evaluate: nothing lost, nothing doubled, nothing half-shown.

A collect process SIGKILLed, or its PostgreSQL connection terminated, leaves its run
unfinished or failed; the next run completes and the store equals a clean collect's, with
daily roll-ups that still count each result once. An evaluate SIGKILLed at any moment
leaves the previous evaluation as the newest complete one.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, func, select, text

from governance.service import MeshgovService
from governance.store.read import judgements
from governance.store.schema.engine_tables import evaluations, health_snapshots, product_facts
from governance.store.schema.tables import check_daily, check_results, collector_runs
from tests.collectors.test_every_collector import dump
from tests.reliability.corpus import collect, registered_workspace, without_source, write_corpus

BATCH = 150  # records per transaction: a kill lands between many commits


def small_batches(root: Path, settings: dict) -> dict:
    settings = {**settings, "collect": {"batch_records": BATCH}}
    (root / "meshgov.yaml").write_text(yaml.safe_dump(settings))
    return settings


def count(url: str, table) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.scalar(select(func.count()).select_from(table)) or 0
    engine.dispose()
    return found


def wait_for_rows(
    url: str, process: subprocess.Popen, minimum: int = 1, timeout: float = 60
) -> None:
    """Until the collect has committed some results (and is still running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the collect finished before the fault could hit it"
        if count(url, check_results) >= minimum:
            return
        time.sleep(0.02)
    pytest.fail("the collect committed nothing within the time limit")


def rollups_count_each_result_once(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        raw = connection.scalar(
            select(func.count())
            .select_from(check_results)
            .where(check_results.c.product_id.is_not(None))
        )
        rolled = connection.scalar(select(func.sum(check_daily.c.checks)))
    engine.dispose()
    assert rolled == raw


def big_corpus(tmp_path, gx_validation_json) -> dict:
    return write_corpus(tmp_path, json.loads(gx_validation_json.read_text()), days=200)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_collect_killed_mid_way_is_completed_by_the_next_run(
    backend, request, tmp_path, mesh_dir, gx_validation_json
):
    settings = small_batches(tmp_path, big_corpus(tmp_path, gx_validation_json))
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'killed.db'}"
        reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    else:
        url, reference_url = (
            request.getfixturevalue("pg_url"),
            request.getfixturevalue("second_pg_url"),
        )
    killed = registered_workspace(tmp_path, url, mesh_dir, settings)
    reference = registered_workspace(tmp_path, reference_url, mesh_dir, settings)

    process = collect(tmp_path, url)
    wait_for_rows(url, process, minimum=BATCH * 3)
    os.killpg(process.pid, signal.SIGKILL)  # the collect and its parse worker: no cleanup
    process.wait(30)
    # The run never logged the sources it had not finished: it is left unfinished.
    assert count(url, collector_runs) < len(settings["sources"])

    again = collect(tmp_path, url)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    done = collect(tmp_path, reference_url)
    assert done.communicate(timeout=300) and done.returncode == 0
    assert without_source(dump(killed)) == without_source(dump(reference))
    rollups_count_each_result_once(url)
    killed.store.dispose()
    reference.store.dispose()


def test_a_terminated_postgresql_connection_loses_and_doubles_nothing(
    pg_url,
    second_pg_url,
    tmp_path,
    mesh_dir,
    gx_validation_json,  # noqa: F811
):
    settings = small_batches(tmp_path, big_corpus(tmp_path, gx_validation_json))
    victim = registered_workspace(tmp_path, pg_url, mesh_dir, settings)
    reference = registered_workspace(tmp_path, second_pg_url, mesh_dir, settings)
    database = pg_url.rsplit("/", 1)[-1]

    process = collect(tmp_path, pg_url)
    wait_for_rows(pg_url, process, minimum=BATCH * 3)
    admin = create_engine(second_pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        terminated = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        ).scalar()
    admin.dispose()
    assert terminated >= 1
    process.communicate(timeout=300)  # it may finish (reconnecting) or fail: both are fine

    again = collect(tmp_path, pg_url)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    done = collect(tmp_path, second_pg_url)
    assert done.communicate(timeout=300) and done.returncode == 0
    assert without_source(dump(victim)) == without_source(dump(reference))
    rollups_count_each_result_once(pg_url)
    victim.store.dispose()
    reference.store.dispose()


def test_an_evaluate_killed_at_any_moment_never_shows_half_a_snapshot(
    demo_workspace, copy_demo, tmp_path, monkeypatch
):
    workspace = copy_demo(demo_workspace, tmp_path / "demo")
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    service = MeshgovService.open(workspace)
    products = len(service.products())
    env = {k: v for k, v in os.environ.items() if k != "MESHGOV_DB_URL"}
    env["MESHGOV_WORKSPACE"] = str(workspace)
    command = [sys.executable, "-m", "governance.cli", "evaluate"]
    clock = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    whole = time.monotonic() - clock  # kills land over the second half: reading, judging, writing
    rng = random.Random(7)
    for _ in range(6):
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 0.98) * whole)
        process.kill()
        process.wait(30)
        with service.store.read() as connection:
            newest = judgements.latest_evaluation(connection)
            assert newest is not None
            snapshots = connection.scalar(
                select(func.count())
                .select_from(health_snapshots)
                .where(health_snapshots.c.evaluation_id == newest["id"])
            )
            facts = connection.scalar(
                select(func.count())
                .select_from(product_facts)
                .where(product_facts.c.evaluation_id == newest["id"])
            )
            assert snapshots == facts == products, (snapshots, facts, products)
            # Every evaluation row that exists is a complete one.
            assert connection.scalar(select(func.count()).select_from(evaluations)) >= 1
    assert service.ledger.verify().ok
    service.store.dispose()
