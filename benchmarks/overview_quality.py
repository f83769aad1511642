"""Overview quality figures: summed in SQL against summed in Python, at 1,000 and 5,000 products.

    python benchmarks/overview_quality.py --pg-url URL [--sizes 1000,5000] [--days 120]
                                          [--repeat 5] [--output FILE]

The overview shows each product's pass rate over its own last 7 days of evidence, read from
the daily check roll-up over a 120-day horizon. Until this benchmark the rows of that
horizon (products × days × tools) were pulled into Python and summed there; now the store
sums them. For each size and backend, in one run, it fills `check_daily` with D days × 2
tools per product into a fresh store, then times both ways (median of --repeat), checks
they give the same figures, and reports the ratio SQL / Python and how each grows with the
mesh (ratio over the size ratio: 1.0 is linear).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.engine import make_url

from governance.store import Store
from governance.store.read import read_models
from governance.store.schema.tables import check_daily, domains, products

ROOT = Path(__file__).resolve().parents[1]
NEWEST = date(2026, 11, 30)


def summed_in_python(connection: Connection, window_days: int = 7) -> dict[str, Any]:
    """The earlier read model, kept as the baseline: every horizon row summed in Python."""
    newest_day = connection.scalar(select(func.max(check_daily.c.day)))
    horizon = newest_day - timedelta(days=read_models.EVIDENCE_HORIZON_DAYS)
    recent = check_daily.c.day > horizon
    newest = dict(
        connection.execute(
            select(check_daily.c.product_id, func.max(check_daily.c.day))
            .where(recent)
            .group_by(check_daily.c.product_id)
        ).all()
    )
    sums: dict[str, list[int]] = {}
    for row in connection.execute(select(check_daily).where(recent)):
        if row.day > newest[row.product_id] - timedelta(days=window_days):
            totals = sums.setdefault(row.product_id, [0, 0])
            totals[0] += row.checks
            totals[1] += row.passed
    return {
        product_id: (checks, passed / checks if checks else None, newest.get(product_id))
        for product_id, (checks, passed) in sums.items()
    }


def summed_in_sql(connection: Connection) -> dict[str, Any]:
    """meshgov's read model, reduced to the same tuples."""
    return {
        figure.product_id: (figure.checks, figure.pass_rate, figure.last_day)
        for figure in read_models.quality_figures(connection).values()
        if figure.checks
    }


def fill(store: Store, size: int, days: int, seed: int) -> int:
    """Products in 20 domains; each stops reporting some days ago (most today)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with store.begin() as connection:
        connection.execute(
            domains.insert(),
            [{"id": f"d{n}", "name": f"d{n}", "created_at": now} for n in range(20)],
        )
        connection.execute(
            products.insert(),
            [
                {
                    "id": f"p{n:05d}",
                    "domain_id": f"d{n % 20}",
                    "name": f"p{n}",
                    "status": "active",
                    "team": [],
                    "support": [],
                    "tags": [],
                    "custom_properties": {},
                    "descriptor_path": f"products/p{n}.yaml",
                    "descriptor_sha256": "0" * 64,
                    "registered_at": now,
                    "updated_at": now,
                }
                for n in range(size)
            ],
        )
    rows = 0
    for start in range(0, size, 250):
        batch = []
        for n in range(start, min(size, start + 250)):
            quiet = 0 if rng.random() < 0.9 else rng.randint(1, 60)
            for day in range(quiet, days):
                for tool in ("great_expectations", "dbt"):
                    checks = rng.randint(5, 40)
                    passed = checks - (rng.random() < 0.2) * rng.randint(1, checks)
                    batch.append(
                        {
                            "product_id": f"p{n:05d}",
                            "day": NEWEST - timedelta(days=day),
                            "source_tool": tool,
                            "checks": checks,
                            "passed": passed,
                            "failed": checks - passed,
                        }
                    )
        with store.begin() as connection:
            connection.execute(check_daily.insert(), batch)
        rows += len(batch)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    return rows


def timed(store: Store, read: Any, repeat: int) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(repeat):
        with store.read() as connection:
            clock = time.perf_counter()
            result = read(connection)
            seconds.append(time.perf_counter() - clock)
    return statistics.median(seconds), result


def fresh_store(backend: str, pg_url: str | None) -> tuple[Store, Any]:
    if backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='meshgov-quality-')) / 'meshgov.db'}"
        return Store(url), None
    name = f"meshgov_quality_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    return Store(url), drop


def measure(backend: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    store, drop = fresh_store(backend, args.pg_url)
    store.init()
    rows = fill(store, size, args.days, args.seed)
    python_s, expected = timed(store, summed_in_python, args.repeat)
    sql_s, found = timed(store, summed_in_sql, args.repeat)
    assert found == expected, "the two ways disagree"
    store.dispose()
    if drop:
        drop()
    print(f"{backend} {size}: {rows} rows, python {python_s:.3f} s, sql {sql_s:.3f} s")
    return {
        "backend": backend,
        "products": size,
        "check_daily_rows": rows,
        "python_s": round(python_s, 4),
        "sql_s": round(sql_s, 4),
        "sql_over_python": round(sql_s / python_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks/results/overview_quality.json"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = [measure(b, n, args) for b in ("sqlite", "postgresql") for n in sizes]
    growth = {}
    for backend in ("sqlite", "postgresql"):
        small, large = (
            next(r for r in runs if r["backend"] == backend and r["products"] == n)
            for n in (sizes[0], sizes[-1])
        )
        factor = large["products"] / small["products"]
        growth[backend] = {
            way: round(large[f"{way}_s"] / small[f"{way}_s"] / factor, 3)
            for way in ("python", "sql")
        }
    report = {
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "days": args.days,
        "repeat": args.repeat,
        "runs": runs,
        "growth_over_linear": growth,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(growth))


if __name__ == "__main__":
    main()
