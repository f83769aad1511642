"""Collect in a child process whose address space is capped, and report what came of it.

`python -m tests.hostile.limited SPEC` reads SPEC (JSON: store URL, memory limit in bytes,
sources as [collector, path, options]), caps the process with RLIMIT_AS, collects every
source in one run and prints a JSON report: each file's status, reason, records and the
seconds it took, the run's sources' errors and the peak resident memory. A file that
needed more memory than the cap fails the run (MemoryError) instead of the machine.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

GIB = 1024**3
ROOT = Path(__file__).parent.parent.parent


def collect_limited(
    store_url: str, sources: list[tuple[str, str, dict]], memory_bytes: int = 3 * GIB // 2
) -> dict[str, Any]:
    """Run the sources in a capped child process; its report (raises if the child died)."""
    spec = {"store": store_url, "memory": memory_bytes, "sources": sources}
    child = subprocess.run(
        [sys.executable, "-m", "tests.hostile.limited", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, f"the collect died ({child.returncode}): {child.stderr[-3000:]}"
    return json.loads(child.stdout.splitlines()[-1])


def main(spec: dict[str, Any]) -> dict[str, Any]:
    """Collect the spec's sources under the memory cap; the report as a dict."""
    resource.setrlimit(resource.RLIMIT_AS, (spec["memory"], spec["memory"]))
    from collectors.runner import run_sources
    from collectors.sources import Source
    from governance.store import Store

    store = Store(spec["store"])
    store.init()
    sources = [Source(c, p, None, o, "hostile corpus") for c, p, o in spec["sources"]]
    finished: list[float] = []

    def progress(event: str, amount: int) -> None:
        if event == "files" and not finished:
            finished.append(time.perf_counter())
        if event == "done":
            finished.append(time.perf_counter())

    report = run_sources(store, sources, progress=progress, pipeline=False)
    outcomes = [o for s in report.sources for o in s.outcomes]
    seconds = [b - a for a, b in zip(finished, finished[1:], strict=False)]
    return {
        "files": {
            o.path: {
                "status": o.status,
                "reason": o.reason,
                "records_read": o.records_read,
                "records_new": o.records_new,
                "seconds": round(s, 3),
            }
            for o, s in zip(outcomes, seconds, strict=True)
        },
        "errors": {s.source.location: s.error for s in report.sources if s.error},
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
