"""Evaluate benchmark: `meshgov evaluate` and bare policy evaluation at mesh scale.

    python benchmarks/evaluate.py [--products 1000] [--days 90] [--seed 7] [--repeat 3]
                                  [--cli-runs 1] [--pg-url URL] [--output FILE]

Builds a mesh of N products with D days of evidence once (benchmarks/scale.py) into a fresh
SQLite store (and, with --pg-url, a fresh PostgreSQL database), loads a 30-policy pack (the
default pack's 26 policies plus 4 written here) and measures in one run:

- `evaluate_mesh` end to end (what `meshgov evaluate` runs), with its per-step seconds,
  median of --repeat runs; plus the CLI itself in a fresh process (--cli-runs);
- policy evaluation alone: `evaluate_product(pack.policies, facts, today)` over every
  product, on facts built once exactly as evaluation.py builds them → µs per product ×
  policy pair;
- a pure-Python baseline: the same 30 rules written as lambdas over the same facts, with
  the same applicability check (`governance.engine.policies.applies`) → µs per pair, the CEL /
  lambda ratio, and how many pairs the two disagree on (0 validates the baseline);
- where the CEL path's time goes: context preparation, `applies`, bare `program.execute`.

Targets (issue): `meshgov evaluate` under 10 s and policy evaluation under 50 µs per
product × policy pair at 1,000 products, 30 policies and 90 days of evidence.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cel
import yaml
from scale import build_scale_store, default_now  # benchmarks/ is the script's folder
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from governance.engine.facts import build_facts
from governance.engine.policies import (
    DEFAULT_POLICY_RULES,
    PolicyPack,
    applies,
    evaluate_product,
    load_pack,
)
from governance.engine.scoring import ScoringConfig
from governance.engine.sli import attach_slos
from governance.service.evaluation import evaluate_mesh
from governance.store import Store
from governance.store.read.fact_queries import read_evidence
from governance.store.read.judgements import active_waivers

TARGET_EVALUATE_SECONDS = 10.0
TARGET_US_PER_PAIR = 50.0

# Four policies beyond the default pack, over documented facts, with the scopes the default
# pack does not use much (a tier list, a tag).
EXTRA_POLICIES = {
    "policies": [
        {
            "id": "latest-run-green",
            "title": "The latest run of every suite passes",
            "attribute": "trustworthy",
            "rationale": "Consumers read today's data; a failing check in today's run is news.",
            "applies_to": {"tier": ["gold", "silver"]},
            "severity": "major",
            "level": "silver",
            "lifecycle": "enforced",
            "expression": "facts.quality.has_checks && facts.quality.latest_failed == 0",
            "message": "a check of the latest run failed",
        },
        {
            "id": "completeness-pass-rate",
            "title": "Completeness checks pass 99% of the time over 7 days",
            "attribute": "trustworthy",
            "rationale": "Missing values break joins and aggregates silently.",
            "severity": "minor",
            "level": "silver",
            "lifecycle": "enforced",
            "expression": (
                "facts.quality.dimensions.completeness.window_checks == 0 || "
                "facts.quality.dimensions.completeness.window_pass_rate >= 0.99"
            ),
            "message": "completeness checks failed more than 1% of the time in 7 days",
        },
        {
            "id": "slos-healthy-gold",
            "title": "No SLO of a gold product is breached",
            "attribute": "trustworthy",
            "rationale": "Gold products carry critical uses; a breached promise needs action.",
            "applies_to": {"tier": ["gold"]},
            "severity": "major",
            "level": "gold",
            "lifecycle": "enforced",
            "expression": ('facts.slos.all(s, s.status != "breached" && s.status != "exhausted")'),
            "message": "an SLO is breached or has exhausted its error budget",
        },
        {
            "id": "pii-read-recently-audited",
            "title": "Personal data has a current access trail",
            "attribute": "secure",
            "rationale": "Products tagged pii must show who read them in the last week.",
            "applies_to": {"tags": ["pii"]},
            "severity": "major",
            "level": "silver",
            "lifecycle": "grace",
            "grace_until": "2027-06-30",
            "expression": (
                "facts.audit.last_access_age_hours != null && "
                "facts.audit.last_access_age_hours <= 168.0"
            ),
            "message": "no read of this pii product on the audit trail in 7 days",
        },
    ]
}

Facts = Mapping[str, Any]


def _empty(value: Any) -> bool:
    return value is None or value == ""


# The same 30 rules as plain Python over the same facts documents.
LAMBDAS: dict[str, Callable[[Facts], bool]] = {
    # addressable.yaml
    "output-port-declared": lambda f: len(f["ports"]["output"]) > 0,
    "output-port-typed": lambda f: all(not _empty(p["type"]) for p in f["ports"]["output"]),
    "active-contract": lambda f: all(
        not p["has_contract"] or p["contract_status"] == "active" for p in f["ports"]["output"]
    ),
    "no-deprecated-inputs": lambda f: len(f["lineage"]["deprecated_upstream"]) == 0,
    # discoverable.yaml
    "owner-present": lambda f: len(f["owners"]) > 0,
    "support-channel": lambda f: any(not _empty(s["url"]) for s in f["support"]),
    "description-present": lambda f: (
        f["product"]["description"] is not None and len(f["product"]["description"]) >= 20
    ),
    "tagged": lambda f: len(f["product"]["tags"]) > 0,
    # secure.yaml
    "columns-classified": lambda f: len(f["classification"]["unclassified"]) == 0,
    "restricted-data-audited": lambda f: (
        not f["classification"]["has_restricted"]
        or f["audit"]["accesses"] + f["audit"]["changes"] > 0
    ),
    # trustworthy.yaml
    "quality-checks-present": lambda f: f["quality"]["has_checks"] is True,
    "quality-checks-recent": lambda f: (
        f["quality"]["latest_run_age_hours"] is not None
        and f["quality"]["latest_run_age_hours"] <= 48.0
    ),
    "quality-pass-rate": lambda f: (
        f["quality"]["window_pass_rate"] is not None and f["quality"]["window_pass_rate"] >= 0.95
    ),
    "pipeline-reliable": lambda f: f["runs"]["total"] > 0 and f["runs"]["success_rate"] >= 0.9,
    "slos-declared-gold": lambda f: f["slo_summary"]["declared"] > 0,
    "error-budget-left": lambda f: (
        f["slo_summary"]["declared"] > 0 and f["slo_summary"]["exhausted"] == 0
    ),
    "telemetry-present": lambda f: f["logs"]["records"] > 0,
    "log-error-rate": lambda f: f["logs"]["records"] == 0 or f["logs"]["error_rate"] <= 0.05,
    "evidence-current": lambda f: (
        f["evidence"]["age_hours"] is not None and f["evidence"]["age_hours"] <= 72.0
    ),
    # understandable.yaml
    "output-contract": lambda f: (
        len(f["ports"]["output"]) > 0 and all(p["has_contract"] for p in f["ports"]["output"])
    ),
    "contract-sla": lambda f: (
        len(f["contracts"]) > 0
        and all(c["sla"]["latency_hours"] is not None for c in f["contracts"])
    ),
    "lineage-declared": lambda f: len(f["lineage"]["undeclared_upstream"]) == 0,
    # domains/
    "finance.pipeline-no-failures": lambda f: f["runs"]["total"] > 0 and f["runs"]["failed"] <= 2,
    "finance.changes-audited": lambda f: f["audit"]["accesses"] + f["audit"]["changes"] > 0,
    "podcasts.fresh-within-a-day": lambda f: (
        f["runs"]["last_success_age_hours"] is not None
        and f["runs"]["last_success_age_hours"] <= 26.0
    ),
    "users.no-suspected-personal-unclassified": lambda f: (
        len(f["classification"]["suspected_personal_unclassified"]) == 0
    ),
    # EXTRA_POLICIES
    "latest-run-green": lambda f: f["quality"]["has_checks"] and f["quality"]["latest_failed"] == 0,
    "completeness-pass-rate": lambda f: (
        f["quality"]["dimensions"]["completeness"]["window_checks"] == 0
        or f["quality"]["dimensions"]["completeness"]["window_pass_rate"] >= 0.99
    ),
    "slos-healthy-gold": lambda f: all(
        s["status"] != "breached" and s["status"] != "exhausted" for s in f["slos"]
    ),
    "pii-read-recently-audited": lambda f: (
        f["audit"]["last_access_age_hours"] is not None
        and f["audit"]["last_access_age_hours"] <= 168.0
    ),
}


def write_extra_policies(folder: Path) -> Path:
    """The four extra policies as one policy file; returns its folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.yaml").write_text(yaml.safe_dump(EXTRA_POLICIES, sort_keys=False))
    return folder


def build_facts_once(store: Store, now: datetime) -> dict[str, dict[str, Any]]:
    """The facts documents exactly as evaluate_mesh builds them (SLO status included)."""
    with store.read() as connection:
        evidence = read_evidence(connection, now, waivers=active_waivers(connection))
    facts = build_facts(evidence, now)
    for document in facts.values():
        attach_slos(document, evidence, now)
    return facts


# --- measurements ------------------------------------------------------------------------


def time_evaluate(store: Store, roots: list[Path], now: datetime, repeat: int) -> dict[str, Any]:
    """evaluate_mesh wall time and its steps, `repeat` times; medians."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        report = evaluate_mesh(store, roots, ScoringConfig(), now)
        total = time.perf_counter() - started
        runs.append({"total": total} | report.seconds)
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return {
        "runs": runs,
        "median_seconds": median["total"],
        "median_steps": {k: v for k, v in median.items() if k != "total"},
        "products": report.products,
        "policies": report.policies,
        "refusals": report.refusals,
        "outcomes": dict(sorted(report.outcomes.items())),
        "grades": dict(sorted(Counter(s.grade for s in report.scores.values()).items())),
        "levels": dict(sorted(Counter(s.level for s in report.scores.values()).items())),
    }


def time_cli(root: Path, url: str, roots: list[Path], now: datetime, runs: int) -> dict[str, Any]:
    """`meshgov evaluate --json` in a fresh process (interpreter start and imports included)."""
    settings = {"name": "scale", "store": {"url": url}, "policy_rules": [str(r) for r in roots]}
    (root / "meshgov.yaml").write_text(yaml.safe_dump(settings))
    env = {k: v for k, v in os.environ.items() if k not in ("MESHGOV_DB_URL", "MESHGOV_WORKSPACE")}
    # The console script's entry point; `python -m governance.cli evaluate` does not know
    # the engine commands (cli_engine is imported after app() runs under __main__).
    command = [sys.executable, "-c", "from governance.cli import app; app()", "evaluate"]
    command += ["-w", str(root), "--json", "--as-of", now.strftime("%Y-%m-%dT%H:%M:%S")]
    seconds, summary = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        seconds.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stderr[-2000:]
        summary = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": seconds, "median_seconds": statistics.median(seconds), "summary": summary}


def _timed_repeats(action: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def policy_benchmark(
    pack: PolicyPack, facts: dict[str, dict[str, Any]], now: datetime, repeat: int
) -> dict[str, Any]:
    """CEL (evaluate_product) against the lambda baseline on the same facts, same run."""
    today = now.date()
    policies = pack.policies
    documents = list(facts.values())
    pairs = len(documents) * len(policies)
    missing = sorted({p.id for p in policies} - set(LAMBDAS))
    assert not missing, f"no lambda for {missing}"
    rules = [(p, LAMBDAS[p.id]) for p in policies]

    def run_cel() -> list[list[Any]]:
        return [evaluate_product(policies, f, today) for f in documents]

    def run_lambdas() -> list[list[bool | None]]:
        return [[rule(f) if applies(p, f) else None for p, rule in rules] for f in documents]

    gc.collect()  # start both from the same heap; the 1,000 facts documents stay alive
    # Interleaved, so drift on the machine hits both alike.
    cel_seconds, lambda_seconds = [], []
    cel_results: list[list[Any]] = []
    lambda_results: list[list[bool | None]] = []
    for _ in range(repeat):
        seconds, cel_results = _timed_repeats(run_cel, 1)
        cel_seconds += seconds
        seconds, lambda_results = _timed_repeats(run_lambdas, 1)
        lambda_seconds += seconds

    disagreements = []
    outcomes: Counter[str] = Counter()
    for cel_row, lambda_row in zip(cel_results, lambda_results, strict=True):
        for result, passed in zip(cel_row, lambda_row, strict=True):
            outcomes[result.outcome] += 1
            expected = {
                "pass": True,
                "fail": False,
                "waived": False,
                "not_applicable": None,
            }.get(result.outcome, "error")
            if expected != passed:
                disagreements.append(
                    f"{result.product_id} {result.policy_id}: CEL {result.outcome}, "
                    f"lambda {passed}: {result.message[:200]}"
                )

    # Where the CEL path's time goes, each part timed on its own.
    def contexts() -> list[Any]:
        prepared = []
        for f in documents:
            context = cel.Context()
            context.add_variable("facts", f)
            prepared.append(context)
        return prepared

    context_seconds, prepared = _timed_repeats(contexts, repeat)
    applies_seconds, applicable = _timed_repeats(
        lambda: [[applies(p, f) for p in policies] for f in documents], repeat
    )
    n_applicable = sum(map(sum, applicable))

    def execute() -> None:
        for context, flags in zip(prepared, applicable, strict=True):
            for policy, flag in zip(policies, flags, strict=True):
                if flag:
                    policy.program.execute(context)

    execute_seconds, _ = _timed_repeats(execute, repeat)

    cel_best, lambda_best = min(cel_seconds), min(lambda_seconds)
    cel_median, lambda_median = statistics.median(cel_seconds), statistics.median(lambda_seconds)
    us = 1e6
    return {
        "products": len(documents),
        "policies": len(policies),
        "pairs": pairs,
        "applicable_pairs": n_applicable,
        "repeat": repeat,
        "cel": {
            "seconds": cel_seconds,
            "median_us_per_pair": cel_median * us / pairs,
            "best_us_per_pair": cel_best * us / pairs,
        },
        "lambda": {
            "seconds": lambda_seconds,
            "median_us_per_pair": lambda_median * us / pairs,
            "best_us_per_pair": lambda_best * us / pairs,
        },
        "cel_over_lambda": cel_median / lambda_median,
        "cel_over_lambda_best": cel_best / lambda_best,
        "outcomes": dict(sorted(outcomes.items())),
        "disagreements": len(disagreements),
        "disagreement_examples": disagreements[:10],
        "cel_breakdown": {
            "context_us_per_product": statistics.median(context_seconds) * us / len(documents),
            "context_us_per_pair": statistics.median(context_seconds) * us / pairs,
            "applies_us_per_pair": statistics.median(applies_seconds) * us / pairs,
            "execute_us_per_applicable_pair": statistics.median(execute_seconds)
            * us
            / max(n_applicable, 1),
            "execute_us_per_pair": statistics.median(execute_seconds) * us / pairs,
            "rest_us_per_pair": (
                cel_median
                - statistics.median(context_seconds)
                - statistics.median(applies_seconds)
                - statistics.median(execute_seconds)
            )
            * us
            / pairs,
        },
    }


# --- backends ----------------------------------------------------------------------------


def _fresh_pg(admin_url: str) -> tuple[str, str]:
    name = f"meshgov_evaluate_{uuid.uuid4().hex[:10]}"
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


def backend_run(
    url: str, args: argparse.Namespace, roots: list[Path], now: datetime, root: Path
) -> tuple[dict[str, Any], Store]:
    """Build the scale store at `url`, then time evaluate_mesh (and the CLI)."""
    built = build_scale_store(url, args.products, args.days, args.seed, now=now, root=root)
    store = Store(url)
    result: dict[str, Any] = {"generation": built.summary()}
    result["evaluate"] = time_evaluate(store, roots, now, args.repeat)
    if args.cli_runs:
        result["cli"] = time_cli(root, url, roots, now, args.cli_runs)
    return result, store


def main() -> None:
    """Run the benchmark and print (and optionally write) the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="evaluate_mesh runs (median)")
    parser.add_argument("--policy-repeat", type=int, default=5, help="policy timing runs")
    parser.add_argument("--cli-runs", type=int, default=1, help="`meshgov evaluate` processes")
    parser.add_argument("--pg-url", help="also build and evaluate in a fresh PostgreSQL database")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the stores (~700 MB)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="meshgov-evaluate-"))
    now = default_now()
    roots = [DEFAULT_POLICY_RULES, write_extra_policies(work / "extra_policies")]
    pack = load_pack(roots)
    assert not pack.refusals, [str(r) for r in pack.refusals]
    assert len(pack.policies) == 30, len(pack.policies)

    report: dict[str, Any] = {
        "benchmark": "evaluate",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "shape": {
            "products": args.products,
            "days": args.days,
            "policies": len(pack.policies),
            "pairs": args.products * len(pack.policies),
            "seed": args.seed,
            "as_of": now.isoformat(),
        },
        "targets": {
            "evaluate_seconds": TARGET_EVALUATE_SECONDS,
            "policy_us_per_pair": TARGET_US_PER_PAIR,
        },
        "backends": {},
    }

    sqlite_root = work / "sqlite"
    sqlite_url = f"sqlite:///{sqlite_root / 'scale.db'}"
    result, store = backend_run(sqlite_url, args, roots, now, sqlite_root)
    report["backends"]["sqlite"] = result

    # Policy evaluation alone, on facts built once from the SQLite store.
    started = time.perf_counter()
    facts = build_facts_once(store, now)
    report["facts_build_seconds"] = time.perf_counter() - started
    store.dispose()
    report["policy_evaluation"] = policy_benchmark(pack, facts, now, args.policy_repeat)

    if args.pg_url:
        url, name = _fresh_pg(args.pg_url)
        try:
            result, pg_store = backend_run(url, args, roots, now, work / "postgresql")
            pg_store.dispose()
        finally:
            _drop_pg(args.pg_url, name)
        report["backends"]["postgresql"] = result

    evaluate_seconds = report["backends"]["sqlite"]["evaluate"]["median_seconds"]
    us_per_pair = report["policy_evaluation"]["cel"]["median_us_per_pair"]
    report["met"] = {
        "evaluate_under_10s_sqlite": evaluate_seconds < TARGET_EVALUATE_SECONDS,
        "policy_under_50us_per_pair": us_per_pair < TARGET_US_PER_PAIR,
        "lambda_agrees_on_every_pair": report["policy_evaluation"]["disagreements"] == 0,
    }
    if "postgresql" in report["backends"]:
        pg_seconds = report["backends"]["postgresql"]["evaluate"]["median_seconds"]
        report["met"]["evaluate_under_10s_postgresql"] = pg_seconds < TARGET_EVALUATE_SECONDS
        report["postgresql_outcomes_match_sqlite"] = (
            report["backends"]["postgresql"]["evaluate"]["outcomes"]
            == report["backends"]["sqlite"]["evaluate"]["outcomes"]
        )
    report["headline"] = {
        "evaluate_seconds_sqlite": evaluate_seconds,
        "evaluate_over_target": evaluate_seconds / TARGET_EVALUATE_SECONDS,
        "cel_us_per_pair": us_per_pair,
        "lambda_us_per_pair": report["policy_evaluation"]["lambda"]["median_us_per_pair"],
        "cel_over_lambda": report["policy_evaluation"]["cel_over_lambda"],
        "generation_seconds_sqlite": report["backends"]["sqlite"]["generation"]["seconds_total"],
    }
    rendered = json.dumps(report, indent=2, default=str)
    print(rendered)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(rendered + "\n")
    if args.keep:
        print(f"stores kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
