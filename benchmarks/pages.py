"""Page benchmark: the mesh overview at scale, on the server and in headless Chromium.

    python benchmarks/pages.py [--products 1000] [--days 90] [--factor 10] [--repeat 5]
                               [--output FILE]

Builds a mesh of N products with D days of evidence (benchmarks/scale.py) into a fresh
SQLite store, evaluates it, and gives it D days of daily snapshots and roll-ups (what
`meshgov evaluate` leaves behind when it runs daily). A copy then gets `factor` times that
history: snapshots, domain roll-ups and the daily check roll-up repeated further back. Raw
evidence stays at D days in both: the overview never reads raw rows, which is the claim
the 10× store tests. In one run it measures:

- server render of the overview (Streamlit's AppTest running app.py as a board member):
  the first run in a fresh process (cold caches) and the median of --repeat warm runs;
- an empty Streamlit page (a title only) the same way, for the ratio;
- time to content in headless Chromium: from navigation start to the overview's KPIs
  visible, against `meshgov serve` on the store, median of --repeat fresh sessions; and
  the same for an app that shows a title only, served by Streamlit the same way;
- the same server render on the 10× history store, and the ratios 10× / 1×.

Targets (issue): overview render at most 1 s and at most 3× an empty page; time to
content at most 2.5 s; 10× the history costs at most 1.3×.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from scale import build_scale_store  # benchmarks/ is the script's folder
from sqlalchemy import create_engine, func, insert, select, text

from governance.config import Workspace
from governance.service import MeshgovService
from governance.store.schema.engine_tables import domain_snapshots, evaluations, health_snapshots
from governance.store.schema.tables import check_daily

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
BOARD = "board@example.com"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


def prepare_workspace(root: Path, url: str) -> None:
    """meshgov.yaml: a board member the benchmark acts as (development identity)."""
    settings = {
        "name": "Scale mesh",
        "store": {"url": url},
        "roles": {"board_member": [BOARD]},
        "app": {"dev_identities": [BOARD]},
    }
    (root / "meshgov.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")


def extend_history(url: str, days: int, already: int = 1) -> None:
    """Daily evaluations, snapshots and roll-ups back to `days` days, copied from the newest.

    Each past day gets its own evaluations row, as a daily `meshgov evaluate` would leave,
    so that "the newest evaluation's snapshots" stays one day's worth of rows.
    """
    engine = create_engine(url)
    with engine.begin() as connection:
        newest = connection.scalar(select(func.max(health_snapshots.c.day)))
        latest = dict(
            connection.execute(select(evaluations).order_by(evaluations.c.id.desc()).limit(1))
            .one()
            ._mapping
        )
        snapshots = [
            dict(r._mapping)
            for r in connection.execute(
                select(health_snapshots).where(health_snapshots.c.day == newest)
            )
        ]
        rollups = [
            dict(r._mapping)
            for r in connection.execute(
                select(domain_snapshots).where(domain_snapshots.c.day == newest)
            )
        ]
        for back in range(already, days):
            day = newest - timedelta(days=back)
            shift = timedelta(days=back)
            evaluation_id = connection.execute(
                insert(evaluations).returning(evaluations.c.id),
                {
                    **{k: v for k, v in latest.items() if k != "id"},
                    "as_of": latest["as_of"] - shift,
                    "started_at": latest["started_at"] - shift,
                    "finished_at": latest["finished_at"] - shift,
                },
            ).scalar_one()
            connection.execute(
                insert(health_snapshots),
                [{**s, "day": day, "evaluation_id": evaluation_id} for s in snapshots],
            )
            connection.execute(
                insert(domain_snapshots),
                [{**r, "day": day, "evaluation_id": evaluation_id} for r in rollups],
            )
    engine.dispose()


def evaluate(root: Path, url: str) -> None:
    """`meshgov evaluate` on the benchmark workspace."""
    settings = yaml.safe_load((root / "meshgov.yaml").read_text(encoding="utf-8"))
    service = MeshgovService(Workspace(root, url, settings))
    service.evaluation.evaluate()
    service.store.dispose()


def extend_check_rollup(url: str, factor: int) -> None:
    """Repeat the daily check roll-up `factor` times further back in time."""
    engine = create_engine(url)
    with engine.begin() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(check_daily))]
        first = min(r["day"] for r in rows)
        span = (max(r["day"] for r in rows) - first).days + 1
        for block in range(1, factor):
            shifted = [{**r, "day": r["day"] - timedelta(days=span * block)} for r in rows]
            for start in range(0, len(shifted), 5000):
                connection.execute(insert(check_daily), shifted[start : start + 5000])
    engine.dispose()


def render_times(root: Path, url: str, repeat: int, script: str | None = None) -> dict[str, Any]:
    """AppTest runs of app.py (or `script`) in a fresh process: cold first run, warm median."""
    code = f"""
import json, os, sys, time
from streamlit.testing.v1 import AppTest
os.environ["MESHGOV_WORKSPACE"] = {str(root)!r}
os.environ["MESHGOV_DB_URL"] = {url!r}
script = {script!r}
times = []
for run in range({repeat} + 1):
    at = AppTest.from_string(script, default_timeout=300) if script else AppTest.from_file({str(APP)!r}, default_timeout=300)
    at.session_state["dev_identity"] = {BOARD!r}
    clock = time.perf_counter()
    at.run()
    times.append(time.perf_counter() - clock)
    assert not at.exception, at.exception
    if not script:
        assert any(m.label == "Mean health" for m in at.metric), "overview did not render"
print(json.dumps(times))
"""
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    times = json.loads(output.strip().splitlines()[-1])
    return {
        "cold_seconds": times[0],
        "warm_median_seconds": statistics.median(times[1:]),
        "warm_seconds": times[1:],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def time_to_content(
    command: list[str], port: int, env: dict[str, str], wait_text: str, repeat: int
) -> dict[str, Any]:
    """Start a Streamlit server; time fresh Chromium sessions until `wait_text` shows."""
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(repeat + 1):  # the first visit warms the server's caches
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.goto(base)
                page.get_by_text(wait_text).first.wait_for(timeout=120_000)
                times.append(page.evaluate("performance.now()") / 1000)
                context.close()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    return {
        "first_visit_seconds": times[0],
        "median_seconds": statistics.median(times[1:]),
        "seconds": times[1:],
    }


def overview_in_browser(root: Path, url: str, repeat: int) -> dict[str, Any]:
    """`meshgov serve` on the store, timed until the overview's KPIs show."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "governance.cli",
        "serve",
        "--port",
        str(port),
        "-w",
        str(root),
    ]
    env = {**os.environ, "MESHGOV_DB_URL": url}
    return time_to_content(command, port, env, "Mean health", repeat)


def empty_in_browser(repeat: int) -> dict[str, Any]:
    """An app with a title only, served the same way, timed until the title shows."""
    script = Path(tempfile.mkdtemp(prefix="meshgov-empty-")) / "empty.py"
    script.write_text("import streamlit as st\n\nst.title('meshgov')\n", encoding="utf-8")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    return time_to_content(command, port, dict(os.environ), "meshgov", repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/pages.json")
    args = parser.parse_args()

    base_root = Path(tempfile.mkdtemp(prefix="meshgov-pages-"))
    base_url = f"sqlite:///{base_root / 'meshgov.db'}"
    clock = time.perf_counter()
    build_scale_store(base_url, args.products, args.days, args.seed, root=base_root)
    prepare_workspace(base_root, base_url)
    evaluate(base_root, base_url)
    extend_history(base_url, args.days)
    evaluate(base_root, base_url)  # today's evaluation is again the newest, as in real life
    build_seconds = time.perf_counter() - clock

    big_root = Path(tempfile.mkdtemp(prefix="meshgov-pages-10x-"))
    shutil.copy(base_root / "meshgov.db", big_root / "meshgov.db")
    big_url = f"sqlite:///{big_root / 'meshgov.db'}"
    prepare_workspace(big_root, big_url)
    extend_history(big_url, args.days * args.factor, already=args.days)
    extend_check_rollup(big_url, args.factor)
    evaluate(big_root, big_url)

    empty = render_times(
        base_root, base_url, args.repeat, "import streamlit as st\nst.title('meshgov')"
    )
    overview = render_times(base_root, base_url, args.repeat)
    overview_10x = render_times(big_root, big_url, args.repeat)
    browser = overview_in_browser(base_root, base_url, args.repeat)
    browser_empty = empty_in_browser(args.repeat)

    def rows(url: str, table: str) -> int:
        engine = create_engine(url)
        with engine.connect() as connection:
            count = connection.execute(text(f"select count(*) from {table}")).scalar_one()
        engine.dispose()
        return count

    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "mesh": {
            "products": args.products,
            "days": args.days,
            "factor": args.factor,
            "build_seconds": round(build_seconds, 1),
        },
        "stores": {
            name: {
                t: rows(url, t)
                for t in ("health_snapshots", "domain_snapshots", "check_daily", "check_results")
            }
            for name, url in (("1x", base_url), (f"{args.factor}x", big_url))
        },
        "empty_page": empty,
        "overview": overview,
        f"overview_{args.factor}x_history": overview_10x,
        "browser_time_to_content": browser,
        "browser_empty_page": browser_empty,
        "ratios": {
            "overview_warm_vs_empty_warm": overview["warm_median_seconds"]
            / empty["warm_median_seconds"],
            "overview_cold_vs_empty_cold": overview["cold_seconds"] / empty["cold_seconds"],
            "history_10x_vs_1x_warm": overview_10x["warm_median_seconds"]
            / overview["warm_median_seconds"],
            "history_10x_vs_1x_cold": overview_10x["cold_seconds"] / overview["cold_seconds"],
            "browser_overview_vs_empty": browser["median_seconds"]
            / browser_empty["median_seconds"],
        },
        "targets": {
            "overview_seconds": 1.0,
            "overview_vs_empty": 3.0,
            "time_to_content_seconds": 2.5,
            "history_10x_ratio": 1.3,
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
