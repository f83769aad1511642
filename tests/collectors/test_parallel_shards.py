"""`meshgov collect --shard i/n` in parallel processes on one PostgreSQL store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from sqlalchemy import func, select

from governance.config import Workspace
from governance.service import MeshgovService
from governance.store.schema.tables import check_daily, check_results, collector_runs


def test_three_shards_at_once_collect_everything_exactly_once(
    pg_url, tmp_path, mesh_dir, gx_validation_json
):
    template = json.loads(gx_validation_json.read_text())
    evidence = tmp_path / "evidence"
    for day in range(1, 31):
        for suite in ("a", "b"):
            document = json.loads(json.dumps(template))
            document["suite_name"] = f"orders_{suite}"
            document["meta"]["run_id"] = {
                "run_name": None,
                "run_time": f"2026-10-{day:02}T06:00:00+00:00",
            }
            path = evidence / suite / f"{day:02}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document))
    settings = {
        "sources": [
            {"type": "great_expectations", "path": "evidence/a", "product": "orders"},
            {"type": "great_expectations", "path": "evidence/b", "product": "orders"},
        ]
    }
    (tmp_path / "meshgov.yaml").write_text(yaml.safe_dump(settings))
    service = MeshgovService(Workspace(root=tmp_path, db_url=pg_url, settings=settings))
    service.init()
    assert service.registration.register([mesh_dir]).ok

    env = {**os.environ, "MESHGOV_WORKSPACE": str(tmp_path), "MESHGOV_DB_URL": pg_url}
    shards = [
        subprocess.Popen(
            [sys.executable, "-m", "governance.cli", "collect", "--shard", f"{i}/3", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2, 3)
    ]
    summaries = []
    for process in shards:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        summaries.append(json.loads(out))

    files_read = sum(s["files"]["ok"] for summary in summaries for s in summary["sources"])
    assert files_read == 60  # every file once, by exactly one shard
    assert all(summary["records_new"] > 0 for summary in summaries)  # the work was split
    with service.store.read() as connection:
        assert connection.scalar(select(func.count()).select_from(check_results)) == 60 * 4
        assert connection.scalar(select(func.sum(check_daily.c.checks))) == 60 * 4
        assert connection.scalar(select(func.count()).select_from(collector_runs)) == 6
    service.store.dispose()
    assert Path(tmp_path / "meshgov.yaml").exists()
