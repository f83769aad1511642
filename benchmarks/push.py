"""Push benchmark: OpenLineage events/s accepted by `meshgov ingest-server` vs `collect` of files.

    python benchmarks/push.py [--events 60000] [--seconds 10] [--rounds 3]
                              [--connections 32,128] [--workers 1,2]
                              [--pg-url URL] [--output FILE]

In one run, on the same N distinct events (runs of the orders product a second apart, each
with two data quality assertions, so every event adds a run and two check results, counts into
the daily roll-up and widens the lineage sighting; built with openlineage-python's classes):
- files: the events written as JSON lines (1,000 per file, as a FileTransport appends them)
  and as one file per event (FileTransport's default), each collected into a fresh store
  with `meshgov collect` (in-process, timed around the collect only);
- push: a fresh store behind one `meshgov ingest-server --rate-limit 0`, loaded by wrk
  (Debian's package: C, keep-alive) posting the events one per request as HttpTransport
  does, for --seconds; events/s = 2xx answers / seconds, checked against the runs stored.
  Measured with the default worker process(es) (--workers) at each --connections, and
  with --workers 0 (parsing and writing on a thread of the server process) at the first.

This machine's speed drifts by tens of percent from minute to minute (a shared VM), so the
measurements are taken in --rounds interleaved rounds (files, then each push setting, then
files again...) and each figure is the median of its rounds; the ratios are of medians and
also given per round. wrk runs on the same two cores as the server.
Targets (issue 14): >= 5,000 events/s, and >= 0.5x the file path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from governance.service import MeshgovService  # noqa: E402
from governance.store.schema.tables import pipeline_runs  # noqa: E402
from tests.ingest.events import orders_json  # noqa: E402
from tests.ingest.workspace import ADMIN, workspace_for  # noqa: E402

WRK_SCRIPT = """
local bodies = {}
local counter = 0
local step = 1
local threads = {}
local nthreads = 0
function setup(thread)
  thread:set("offset", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  counter = offset
  step = tonumber(args[3])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end
function request()
  local body = bodies[(counter % #bodies) + 1]
  counter = counter + step
  return wrk.format(nil, "/api/v1/lineage", nil, body)
end
not_created = 0
function response(status, headers, body)
  if status ~= 201 then not_created = not_created + 1 end
end
function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do refused = refused + thread:get("not_created") end
  io.write(string.format("MESHGOV requests=%d refused=%d p50_ms=%.2f p99_ms=%.2f\\n",
    summary.requests, refused, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def workspace(root: Path, store_url: str) -> MeshgovService:
    """A workspace with roles and the fixture mesh (orders in sales) registered."""
    root.mkdir(parents=True)
    return workspace_for(root, store_url)


def runs_in(service: MeshgovService) -> int:
    with service.store.read() as connection:
        return connection.execute(select(func.count()).select_from(pipeline_runs)).scalar_one()


def time_files(root: Path, store_url: str, lines: list[str], per_file: int) -> dict:
    """Events/s of `meshgov collect` of the events written `per_file` to a file."""
    service = workspace(root, store_url)
    folder = root / "events"
    folder.mkdir()
    for start in range(0, len(lines), per_file):
        chunk = lines[start : start + per_file]
        (folder / f"events-{start:08d}.jsonl").write_text("\n".join(chunk) + "\n")
    started = time.perf_counter()
    report = service.collection.collect("openlineage", [folder])
    seconds = time.perf_counter() - started
    assert report.ok, [s.error or s.refused[:3] for s in report.sources]
    stored = runs_in(service)
    assert stored == len(lines), (stored, len(lines))
    service.store.dispose()
    return {
        "events": len(lines),
        "per_file": per_file,
        "seconds": round(seconds, 3),
        "events_per_s": round(len(lines) / seconds),
    }


def benchmark_events(count: int) -> list[str]:
    """Distinct runs a second apart: each event is a new run, new checks and a wider sighting."""
    start = datetime(2026, 11, 24, 3, tzinfo=UTC)
    return [
        orders_json(
            f"0192d5a0-0000-7000-8000-{index:012x}",
            when=(start + timedelta(seconds=index)).isoformat().replace("+00:00", "Z"),
        )
        for index in range(count)
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def time_push(
    root: Path, store_url: str, events_file: Path, seconds: int, connections: int, workers: int
) -> dict:
    """Events/s accepted by one server (and its workers) under wrk, checked against the store."""
    service = workspace(root, store_url)
    _, token = service.tokens.create(
        service.board.principal(ADMIN, []), name="bench", domain="sales"
    )
    port = free_port()
    env = {**os.environ, "MESHGOV_WORKSPACE": str(root)}
    env.pop("MESHGOV_DB_URL", None)
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "governance.cli",
            "ingest-server",
            "--port",
            str(port),
            "--rate-limit",
            "0",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        script = root / "post.lua"
        script.write_text(WRK_SCRIPT)
        threads = 1  # one core for the server, one for wrk
        result = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                url,
                "--",
                str(events_file),
                token,
                str(threads),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    found = re.search(
        r"MESHGOV requests=(\d+) refused=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+)", result.stdout
    )
    assert found, result.stdout + result.stderr
    requests_sent, refused = int(found[1]), int(found[2])
    accepted = requests_sent - refused
    stored = runs_in(service)
    service.store.dispose()
    return {
        "seconds": seconds,
        "connections": connections,
        "workers": workers,
        "requests": requests_sent,
        "accepted": accepted,
        "refused": refused,
        "runs_stored": stored,
        "events_per_s": round(accepted / seconds),
        "latency_p50_ms": float(found[3]),
        "latency_p99_ms": float(found[4]),
    }


def measure(
    base: Path,
    label: str,
    url_for: Callable[[str], str],
    lines: list[str],
    events_file: Path,
    args: argparse.Namespace,
) -> dict:
    """Every setting once per round, rounds interleaved; medians, and ratios of medians."""
    settings = [(0, args.connections[0])] + [
        (workers, c) for workers in args.workers for c in args.connections
    ]
    rounds: list[dict] = []
    for number in range(args.rounds):
        at = base / f"{label}-{number}"
        measured = {
            "files_jsonl": time_files(at / "lines", url_for(f"lines{number}"), lines, 1000),
            "files_one_event_each": time_files(
                at / "single", url_for(f"single{number}"), lines[: args.single_files], 1
            ),
        }
        for workers, connections in settings:
            name = f"push_w{workers}_c{connections}"
            measured[name] = time_push(
                at / name,
                url_for(f"{name}_{number}"),
                events_file,
                args.seconds,
                connections,
                workers,
            )
        rounds.append(measured)
    medians = {
        name: int(statistics.median(r[name]["events_per_s"] for r in rounds)) for name in rounds[0]
    }
    files = medians["files_jsonl"]
    return {
        "events_per_s": medians,
        "push_vs_files_jsonl": {
            name: round(value / files, 2)
            for name, value in medians.items()
            if name.startswith("push")
        },
        "push_vs_files_jsonl_per_round": [
            {
                name: round(r[name]["events_per_s"] / r["files_jsonl"]["events_per_s"], 2)
                for name in r
                if name.startswith("push")
            }
            for r in rounds
        ],
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument(
        "--single-files", type=int, default=10_000, help="events for the file-per-event run"
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--connections",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[32, 128],
        help="wrk connections (concurrent senders), comma-separated",
    )
    parser.add_argument(
        "--workers",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1],
        help="the server's --workers, comma-separated (each measured at every --connections)",
    )
    parser.add_argument(
        "--pg-url", help="also measure on PostgreSQL (a database the benchmark may fill)"
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed for the load: apt-get install -y wrk")
    base = Path(tempfile.mkdtemp(prefix="meshgov-push-"))
    lines = benchmark_events(args.events)
    events_file = base / "events.jsonl"
    events_file.write_text("\n".join(lines) + "\n")
    report = {
        "machine": {"python": platform.python_version(), "cores": os.cpu_count()},
        "events": args.events,
        "event_bytes": len(lines[0]),
        "sqlite": measure(
            base, "sqlite", lambda name: f"sqlite:///{base / name}.db", lines, events_file, args
        ),
    }
    if args.pg_url:
        from tests.pg_server import create_database, database_url, drop_database

        made = []

        def pg(name: str) -> str:
            made.append(create_database(f"push_{name}"))
            return database_url(made[-1])

        try:
            report["postgresql"] = measure(base, "pg", pg, lines, events_file, args)
        finally:
            for name in made:
                drop_database(name)
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
