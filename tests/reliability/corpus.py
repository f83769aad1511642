"""A mixed evidence corpus whose records overlap across files, for shard and fault tests.

Runs report START in one file and COMPLETE in another, lineage is sighted in many files,
SLI samples appear twice: shards that split the files must still merge into one store.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from governance.config import Workspace
from governance.service import MeshgovService

START = datetime(2026, 10, 1, 3, tzinfo=UTC)


def lineage_event(kind: str, day: int, job: str, when: datetime) -> dict:
    return {
        "eventTime": when.isoformat().replace("+00:00", "Z"),
        "eventType": kind,
        "inputs": [{"name": "shop.public.orders", "namespace": "postgres://warehouse:5432"}],
        "outputs": [{"name": "analytics.revenue_daily", "namespace": "postgres://warehouse:5432"}],
        "job": {"name": job, "namespace": "airflow"},
        "producer": "https://example.com/meshgov-tests",
        "run": {"runId": f"0192d5a0-0000-7000-8000-{day:012d}"},
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def write_corpus(root: Path, gx_template: dict, days: int = 30) -> dict:
    """Evidence files under root/evidence and the meshgov.yaml sources reading them."""
    evidence = root / "evidence"
    for day in range(days):
        when = START + timedelta(days=day)
        for suite in ("a", "b"):
            document = json.loads(json.dumps(gx_template))
            document["suite_name"] = f"orders_{suite}"
            document["meta"]["run_id"] = {"run_name": None, "run_time": when.isoformat()}
            path = evidence / "gx" / suite / f"{day:02}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document))
        # A run's START and COMPLETE land in different files (often in different shards).
        job = "revenue_daily.build"
        (evidence / "lineage").mkdir(parents=True, exist_ok=True)
        start = lineage_event("START", day, job, when)
        done = lineage_event(
            "COMPLETE" if day % 7 else "FAIL", day, job, when + timedelta(minutes=9)
        )
        (evidence / "lineage" / f"start-{day:02}.jsonl").write_text(json.dumps(start) + "\n")
        (evidence / "lineage" / f"end-{day:02}.jsonl").write_text(json.dumps(done) + "\n")
        sample = {
            "product": "orders",
            "slo": "freshness",
            "indicator": "fresh_loads",
            "time": when.isoformat(),
            "good": 23 + day % 2,
            "total": 24,
        }
        (evidence / "sli").mkdir(parents=True, exist_ok=True)
        for copy in ("x", "y"):  # the same sample reported twice
            (evidence / "sli" / f"{copy}-{day:02}.jsonl").write_text(json.dumps(sample) + "\n")
    settings = {
        "name": "reliability",
        "sources": [
            {"type": "great_expectations", "path": "evidence/gx/a", "product": "orders"},
            {"type": "great_expectations", "path": "evidence/gx/b", "product": "orders"},
            {"type": "openlineage", "path": "evidence/lineage"},
            {"type": "sli_events", "path": "evidence/sli"},
        ],
    }
    (root / "meshgov.yaml").write_text(yaml.safe_dump(settings))
    return settings


def registered_workspace(root: Path, url: str, mesh_dir: Path, settings: dict) -> MeshgovService:
    """A workspace at root on `url` with the fixture mesh registered (datasets claimed)."""
    mesh = root / "mesh"
    if not mesh.exists():
        shutil.copytree(mesh_dir, mesh)
        for product, dataset in (
            ("orders", "shop.public.orders"),
            ("revenue", "analytics.revenue_daily"),
        ):
            descriptor = mesh / "products" / f"{product}.yaml"
            document = yaml.safe_load(descriptor.read_text())
            document.setdefault("customProperties", []).append(
                {"property": "datasets", "value": [dataset]}
            )
            descriptor.write_text(yaml.safe_dump(document))
    service = MeshgovService(Workspace(root=root, db_url=url, settings=settings))
    service.init()
    assert service.registration.register([mesh]).ok
    return service


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
        start_new_session=True,  # its own process group: a fault test kills it with its worker
    )
