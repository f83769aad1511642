"""Benchmark: build the demo mesh, then register and collect it into SQLite and PostgreSQL.

    python benchmarks/demo_load.py [--pg-url URL] [--repeat N] [--output FILE]

Times each phase with time.perf_counter in one process and writes a JSON report. The
issue's target is `meshgov demo --no-serve` under 60 s; the report states the measured
total against it as a ratio, and PostgreSQL against SQLite for the same load.
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
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from governance.config import Workspace, resolve_workspace
from governance.service import MeshgovService

TARGET_DEMO_SECONDS = 60.0


def _timed(action):  # noqa: ANN001, ANN202 - a tiny local helper
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def load(root: Path, url: str) -> dict[str, float]:
    """Init, register and collect the built demo into the store at `url`; seconds per phase."""
    workspace: Workspace = resolve_workspace(root)
    service = MeshgovService(Workspace(root=root, db_url=url, settings=workspace.settings))
    phases = {}
    phases["init"], _ = _timed(service.init)
    phases["register"], report = _timed(lambda: service.registration.register([root / "products"]))
    assert report.ok, report.refused
    phases["collect"], report = _timed(service.collection.collect_configured)
    assert report.ok
    phases["records"] = report.records_new
    phases["recollect"], again = _timed(service.collection.collect_configured)
    assert again.records_new == 0
    service.store.dispose()
    return phases


def fresh_pg_database(admin_url: str) -> tuple[str, str]:
    """Create an empty database for one run; returns (url, name)."""
    name = f"meshgov_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(admin_url: str, name: str) -> None:
    """Remove a benchmark database."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("MESHGOV_TEST_PG_URL"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="meshgov-bench-"))
    cli_runs = []
    for index in range(args.repeat):
        root = work / f"cli-{index}"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "governance.cli", "demo", "--no-serve", "-w", str(root)],
            check=True,
            capture_output=True,
        )
        cli_runs.append(time.perf_counter() - start)

    root = work / "cli-0"
    backends = {
        "sqlite": [load(root, f"sqlite:///{work / f'sqlite-{i}.db'}") for i in range(args.repeat)]
    }
    if args.pg_url:
        runs = []
        for _ in range(args.repeat):
            url, name = fresh_pg_database(args.pg_url)
            try:
                runs.append(load(root, url))
            finally:
                drop_pg_database(args.pg_url, name)
        backends["postgresql"] = runs

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    report = {
        "benchmark": "demo_load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "demo_cli_seconds": cli_runs,
        "demo_cli_median_seconds": statistics.median(cli_runs),
        "demo_target_seconds": TARGET_DEMO_SECONDS,
        "demo_median_over_target": statistics.median(cli_runs) / TARGET_DEMO_SECONDS,
        "backends": {
            name: {
                "runs": runs,
                "median": {
                    k: median(runs, k) for k in ("init", "register", "collect", "recollect")
                },
                "records": runs[0]["records"],
            }
            for name, runs in backends.items()
        },
    }
    if "postgresql" in backends:
        sqlite_collect = report["backends"]["sqlite"]["median"]["collect"]
        pg_collect = report["backends"]["postgresql"]["median"]["collect"]
        report["collect_postgresql_over_sqlite"] = pg_collect / sqlite_collect
    text_report = json.dumps(report, indent=2)
    if args.output:
        args.output.write_text(text_report + "\n")
    print(text_report)


if __name__ == "__main__":
    main()
