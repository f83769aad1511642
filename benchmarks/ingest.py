"""Ingest benchmark: GX results for N products × R runs × E expectations, end to end.

    python benchmarks/ingest.py [--products 1000] [--runs 20] [--expectations 25]
                                [--pg-url URL] [--output FILE]

Writes the GX 1.x validation results (to_json_dict shape, file-context store layout) once,
registers the products, then times `collect_configured` into a fresh SQLite store and (with
--pg-url) a fresh PostgreSQL database. In the same run it times the bare work on the same
files: json.loads of every file plus one executemany of the same rows into an empty
check_results table. Targets (issue 3): >= 50,000 check results/s into SQLite, and within
3x of the bare baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from governance.config import Workspace
from governance.service import MeshgovService
from governance.store import Store
from governance.store.schema.tables import check_results

TYPES = (
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_match_regex",
)


def validation_result(suite: str, asset: str, when: datetime, expectations: int, seed: int) -> dict:
    """A GX 1.x ValidationResult.to_json_dict() with `expectations` results."""
    results = []
    for index in range(expectations):
        failed = (seed + index) % 17 == 0
        results.append(
            {
                "success": not failed,
                "expectation_config": {
                    "type": TYPES[index % len(TYPES)],
                    "kwargs": {"batch_id": f"ds-{asset}", "column": f"col_{index}"},
                    "meta": {},
                    "id": str(uuid.UUID(int=seed * 1000 + index)),
                    "severity": "critical",
                },
                "result": {
                    "element_count": 1000,
                    "unexpected_count": 3 if failed else 0,
                    "unexpected_percent": 0.3 if failed else 0.0,
                    "partial_unexpected_list": [],
                },
                "meta": {},
                "exception_info": {
                    "raised_exception": False,
                    "exception_traceback": None,
                    "exception_message": None,
                },
            }
        )
    return {
        "success": all(r["success"] for r in results),
        "results": results,
        "suite_name": suite,
        "suite_parameters": {},
        "statistics": {"evaluated_expectations": expectations},
        "meta": {
            "great_expectations_version": "1.24.1",
            "active_batch_definition": {"datasource_name": "ds", "data_asset_name": asset},
            "run_id": {"run_name": None, "run_time": when.isoformat()},
            "validation_time": when.isoformat(),
        },
        "id": None,
    }


def write_mesh(root: Path, products: int, runs: int, expectations: int) -> int:
    """Descriptors, contracts, meshgov.yaml and the evidence files; returns the file count."""
    start = datetime(2026, 1, 1, 6, tzinfo=UTC)
    sources = []
    files = 0
    for p in range(products):
        product = f"product-{p:04}"
        folder = root / "products"
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = {
            "apiVersion": "v1.0.0",
            "kind": "DataProduct",
            "id": product,
            "status": "active",
            "domain": f"domain-{p % 20:02}",
            "outputPorts": [{"name": "main", "version": "1.0.0"}],
        }
        (folder / f"{product}.yaml").write_text(yaml.safe_dump(descriptor))
        evidence = root / "evidence" / product
        for r in range(runs):
            when = start + timedelta(days=r)
            stamp = when.strftime("%Y%m%dT%H%M%S.%fZ")
            path = evidence / f"{product}.main" / "__none__" / stamp / f"ds-{product}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            document = validation_result(f"{product}.main", product, when, expectations, p + r)
            path.write_text(json.dumps(document))
            files += 1
        sources.append(
            {"type": "great_expectations", "path": f"evidence/{product}", "product": product}
        )
    (root / "meshgov.yaml").write_text(yaml.safe_dump({"name": "ingest", "sources": sources}))
    return files


def collect(root: Path, url: str) -> tuple[float, int]:
    """Register and collect into a fresh store; returns (collect seconds, records new)."""
    settings = yaml.safe_load((root / "meshgov.yaml").read_text())
    service = MeshgovService(Workspace(root=root, db_url=url, settings=settings))
    service.init()
    assert service.registration.register([root / "products"]).ok
    started = time.perf_counter()
    report = service.collection.collect_configured()
    elapsed = time.perf_counter() - started
    assert report.ok, [s.error for s in report.sources if not s.ok][:3]
    service.store.dispose()
    return elapsed, report.records_new


def bare_baseline(root: Path, url: str) -> tuple[float, int]:
    """json.loads of every file + one executemany of the same rows (no meshgov logic)."""
    store = Store(url)
    store.init()
    started = time.perf_counter()
    rows = []
    now = datetime.now(UTC)
    for number, path in enumerate(sorted((root / "evidence").rglob("*.json"))):
        document = json.loads(path.read_bytes())
        when = datetime.fromisoformat(document["meta"]["run_id"]["run_time"])
        for index, result in enumerate(document["results"]):
            config = result["expectation_config"]
            rows.append(
                {
                    "check_key": f"{number}:{index}",
                    "product_id": path.parts[-5],
                    "port": document["meta"]["active_batch_definition"]["data_asset_name"],
                    "source_tool": "great_expectations",
                    "suite": document["suite_name"],
                    "check_name": config["type"],
                    "column_name": config["kwargs"].get("column"),
                    "success": result["success"],
                    "status": "pass" if result["success"] else "fail",
                    "unexpected_count": result["result"]["unexpected_count"],
                    "unexpected_percent": result["result"]["unexpected_percent"],
                    "element_count": result["result"]["element_count"],
                    "run_time": when,
                    "source": str(path),
                    "details": {},
                    "collected_at": now,
                }
            )
    with store.begin() as connection:
        connection.execute(insert(check_results), rows)
    elapsed = time.perf_counter() - started
    store.dispose()
    return elapsed, len(rows)


def _fresh_pg(admin_url: str) -> tuple[str, str]:
    name = f"meshgov_ingest_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def _drop_pg(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    """Run the benchmark and print (and optionally write) the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--expectations", type=int, default=25)
    parser.add_argument("--pg-url", default=os.environ.get("MESHGOV_TEST_PG_URL"))
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="meshgov-ingest-"))
    started = time.perf_counter()
    files = write_mesh(root, args.products, args.runs, args.expectations)
    generate = time.perf_counter() - started
    expected = args.products * args.runs * args.expectations

    report: dict = {
        "benchmark": "ingest",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "shape": {"products": args.products, "runs": args.runs, "expectations": args.expectations},
        "files": files,
        "check_results": expected,
        "generate_seconds": generate,
        "backends": {},
    }
    targets = {"sqlite": (f"sqlite:///{root / 'ingest.db'}", f"sqlite:///{root / 'bare.db'}", None)}
    if args.pg_url:
        targets["postgresql"] = (None, None, args.pg_url)
    for backend, (url, bare_url, admin) in targets.items():
        names = []
        if admin:
            url, name = _fresh_pg(admin)
            bare_url, bare_name = _fresh_pg(admin)
            names = [name, bare_name]
        try:
            collect_seconds, records = collect(root, url)
            assert records == expected, (records, expected)
            bare_seconds, rows = bare_baseline(root, bare_url)
        finally:
            for name in names:
                _drop_pg(admin, name)
        report["backends"][backend] = {
            "collect_seconds": collect_seconds,
            "collect_results_per_second": records / collect_seconds,
            "bare_seconds": bare_seconds,
            "bare_results_per_second": rows / bare_seconds,
            "collect_over_bare": collect_seconds / bare_seconds,
        }
    rendered = json.dumps(report, indent=2)
    print(rendered)
    if args.output:
        args.output.write_text(rendered + "\n")


if __name__ == "__main__":
    main()
