"""Scale benchmark on PostgreSQL: collect with 4 shards, evaluate, render the overview.

    python benchmarks/mesh_scale.py --pg-url URL [--sizes 1000,5000] [--days 365]
                                    [--collect-runs 20] [--output FILE]

For each size N (products), in one run:
- builds a mesh of N products with D days of evidence in a fresh PostgreSQL database
  (benchmarks/scale.py writes the records straight into the store);
- collects GX validation results for those products through `meshgov collect --shard i/4`,
  four processes at once (`--collect-runs` validation files of 25 expectations per
  product, written like benchmarks/ingest.py writes them), and checks nothing was doubled;
- evaluates the mesh (`meshgov evaluate`, in-process, timed);
- renders the mesh overview (AppTest running app.py: the first render, then the median
  of three);
- reports the store's size (pg_database_size) and the rows per table,
and then how each figure grows from the smallest size to the largest (ratio over the size
ratio: 1.0 is linear).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from ingest import validation_result  # benchmarks/ is the script's folder
from pages import prepare_workspace
from scale import build_scale_store
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from governance.config import Workspace
from governance.service import MeshgovService

ROOT = Path(__file__).resolve().parents[1]


def fresh_database(admin_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    name = f"meshgov_scale_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by fresh_database."""
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def write_gx_evidence(root: Path, product_ids: list[str], runs: int) -> tuple[int, int]:
    """`runs` GX validation files per product and the sources reading them; (files, results)."""
    start = datetime(2026, 1, 1, 6, tzinfo=UTC)
    sources, files = [], 0
    for index, product in enumerate(product_ids):
        folder = root / "gx" / product
        for run in range(runs):
            when = start + timedelta(days=run)
            path = folder / f"{when:%Y%m%dT%H%M%S}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(validation_result(f"{product}.gx", product, when, 25, index + run))
            )
            files += 1
        sources.append({"type": "great_expectations", "path": f"gx/{product}", "product": product})
    settings = yaml.safe_load((root / "meshgov.yaml").read_text(encoding="utf-8"))
    settings["sources"] = sources
    (root / "meshgov.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return files, files * 25


def collect_with_shards(root: Path, url: str, shards: int = 4) -> dict[str, Any]:
    """`meshgov collect --shard i/n` processes at once; their summed summary and the time."""
    env = {**os.environ, "MESHGOV_WORKSPACE": str(root), "MESHGOV_DB_URL": url}
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "governance.cli",
                "collect",
                "--shard",
                f"{i}/{shards}",
                "--json",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(1, shards + 1)
    ]
    summaries = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a shard failed: {err[-2000:]}")
        summaries.append(json.loads(out))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "records_new": sum(s["records_new"] for s in summaries),
        "files_ok": sum(src["files"]["ok"] for s in summaries for src in s["sources"]),
    }


def overview_render(root: Path, url: str) -> dict[str, float]:
    """The overview rendered by AppTest in a fresh process: first render, then median of 3."""
    code = f"""
import json, os, time
from streamlit.testing.v1 import AppTest
os.environ["MESHGOV_WORKSPACE"] = {str(root)!r}
os.environ["MESHGOV_DB_URL"] = {url!r}
times = []
for _ in range(4):
    at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=600)
    at.session_state["dev_identity"] = "board@example.com"
    clock = time.perf_counter(); at.run(); times.append(time.perf_counter() - clock)
    assert not at.exception, at.exception
print(json.dumps(times))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    times = json.loads(out.strip().splitlines()[-1])
    return {"first_seconds": times[0], "warm_median_seconds": statistics.median(times[1:])}


def store_size(url: str) -> dict[str, Any]:
    """Bytes on disk and rows of the big tables."""
    engine = create_engine(url)
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
        rows = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in (
                "check_results",
                "check_daily",
                "pipeline_runs",
                "log_records",
                "audit_events",
                "sli_samples",
                "health_snapshots",
                "policy_results",
            )
        }
    engine.dispose()
    return {"bytes": size, "rows": rows}


def measure(admin_url: str, products: int, days: int, runs: int, keep: bool) -> dict[str, Any]:
    """Every figure for one size."""
    url = fresh_database(admin_url)
    root = Path(tempfile.mkdtemp(prefix=f"meshgov-scale-{products}-"))
    try:
        clock = time.perf_counter()
        built = build_scale_store(url, products, days, 7, root=root)
        build_seconds = time.perf_counter() - clock
        prepare_workspace(root, url)
        service = MeshgovService(
            Workspace(root, url, yaml.safe_load((root / "meshgov.yaml").read_text()))
        )
        files, results = write_gx_evidence(root, [p["id"] for p in service.products()], runs)
        service.store.dispose()
        collected = collect_with_shards(root, url)
        assert collected["files_ok"] == files, (collected, files)
        assert collected["records_new"] == results, (collected, results)  # nothing doubled
        settings = yaml.safe_load((root / "meshgov.yaml").read_text())
        service = MeshgovService(Workspace(root, url, settings))
        clock = time.perf_counter()
        evaluation = service.evaluation.evaluate()
        evaluate_seconds = time.perf_counter() - clock
        service.store.dispose()
        return {
            "products": products,
            "days": days,
            "build_seconds": build_seconds,
            "records_built": built.records,
            "collect_4_shards": {
                **collected,
                "files": files,
                "results_per_second": results / collected["seconds"],
            },
            "evaluate_seconds": evaluate_seconds,
            "evaluate_steps": evaluation.seconds,
            "overview": overview_render(root, url),
            "store": store_size(url),
        }
    finally:
        if not keep:
            drop_database(admin_url, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("MESHGOV_TEST_PG_URL"), required=False)
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--collect-runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="Keep the databases afterwards.")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/mesh_scale.json")
    args = parser.parse_args()
    if not args.pg_url:
        parser.error(
            "--pg-url (or MESHGOV_TEST_PG_URL) is required: this benchmark is PostgreSQL's"
        )
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = [measure(args.pg_url, n, args.days, args.collect_runs, args.keep) for n in sizes]
    small, large = runs[0], runs[-1]
    factor = large["products"] / small["products"]

    def growth(pick: Any) -> float:
        return (pick(large) / pick(small)) / factor

    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "sizes": runs,
        "growth_over_size_ratio": {
            "size_ratio": factor,
            "collect_seconds": growth(lambda r: r["collect_4_shards"]["seconds"]),
            "evaluate_seconds": growth(lambda r: r["evaluate_seconds"]),
            "overview_warm_seconds": growth(lambda r: r["overview"]["warm_median_seconds"]),
            "store_bytes": growth(lambda r: r["store"]["bytes"]),
        },
        "note": "1.0 is linear growth with the number of products; below 1.0 is better.",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
