"""A large synthetic mesh, fast: N products with D days of evidence in a fresh store.

    python benchmarks/scale.py [--products 1000] [--days 90] [--seed 7] [--db-url URL]

`build_scale_store(url, products, days, seed)` writes generated ODPS descriptors and ODCS
contracts to a temporary folder and registers them through `MeshgovService.register`, then
writes the evidence records straight into the store with
`governance.store.write.evidence.write_records` (no collector files to parse), product batch by
product batch, one transaction each. Everything is derived from the seed, so two builds
with the same arguments and `now` hold the same mesh.

Shape of the mesh:
- 20 domains (finance, podcasts and users among them, so the default pack's domain
  policies apply); tiers 10% gold, 40% silver, the rest bronze; about 3% deprecated.
- Each product: an owner (a few have none), a support channel (a few have none), tags,
  1-2 output ports each with its own ODCS contract (6-12 classified columns; a few
  unclassified, some of them personal-looking), 0-3 input ports reading other products'
  contracts (declared lineage), and OpenLineage sightings of those inputs (a few
  undeclared ones too).
- Per product and day: one run of about 10 quality checks, 1-2 pipeline runs, a few log
  records (mostly INFO, some WARN/ERROR), a few audit events; gold products also declare
  an OpenSLO SLO (Occurrences, 28d, 0.99) with one SLI sample a day.
- Health varies by product: healthy (70%), degrading over its last 10-30 days (12%),
  flaky (8%), stale (evidence stopped 3-25 days ago, 7%), dark (no checks or runs, 3%).
- One collector run row per product (when its evidence last arrived) and a few approved
  waivers for products that still read a deprecated product.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert

from governance.config import Workspace
from governance.model.records import (
    AuditEvent,
    CheckResult,
    LineageObservation,
    LogRecord,
    PipelineRun,
    Record,
    SliSample,
    SloDefinition,
)
from governance.service import MeshgovService
from governance.store.schema.tables import collector_runs
from governance.store.write.evidence import write_records
from governance.store.write.judgements import add_waiver

DOMAINS = (
    "finance", "podcasts", "users", "artists", "listening", "catalog", "search", "ads",
    "billing", "identity", "recommendations", "royalties", "labels", "playlists", "devices",
    "support", "growth", "partners", "content", "analytics",
)  # fmt: skip
TAGS = ("core", "reporting", "ml-feature", "pii", "realtime", "finance", "customer", "kpi")
PORT_TYPES = ("tables", "topic", "files", "api")
CLASSIFICATIONS = ("public", "internal", "internal", "confidential", "restricted")
# (name, logicalType); the personal-looking ones matter to the users domain's policy.
COLUMNS = (
    ("id", "string"), ("created_at", "timestamp"), ("updated_at", "timestamp"),
    ("amount", "number"), ("currency", "string"), ("country", "string"), ("status", "string"),
    ("quantity", "integer"), ("score", "number"), ("category", "string"),
    ("is_active", "boolean"), ("event_date", "date"), ("email", "string"),
    ("ip_address", "string"), ("search_query", "string"), ("birth_date", "date"),
)  # fmt: skip
PERSONAL = {"email", "ip_address", "search_query", "birth_date"}
# One run of quality checks: (GX expectation type, column index or None for the table).
CHECKS = (
    ("expect_column_values_to_not_be_null", 0),
    ("expect_column_values_to_not_be_null", 1),
    ("expect_column_values_to_not_be_null", 2),
    ("expect_column_values_to_be_unique", 0),
    ("expect_column_values_to_be_between", 3),
    ("expect_column_values_to_be_between", 4),
    ("expect_column_values_to_be_in_set", 5),
    ("expect_column_values_to_match_regex", 0),
    ("expect_table_row_count_to_be_between", None),
    ("expect_column_max_to_be_fresh", 1),
)
PROFILES = (("healthy", 0.70), ("degrading", 0.82), ("flaky", 0.90), ("stale", 0.97))
SOURCE = "benchmarks/scale.py"


@dataclass
class ProductPlan:
    """Everything generated about one product, before anything is written."""

    index: int
    id: str
    domain: str
    tier: str
    status: str
    profile: str  # healthy | degrading | flaky | stale | dark
    outputs: list[dict[str, Any]]  # name, type, contract_id, columns
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # port, contract, upstream
    undeclared: list[str] = field(default_factory=list)  # upstreams seen but not declared
    stop_days: int = 0  # stale: no evidence in the last stop_days days
    degrade_days: int = 0  # degrading: over the last degrade_days days
    has_logs: bool = True
    has_audit: bool = True
    second_job: bool = False


@dataclass
class ScaleStore:
    """What build_scale_store made, and how long each phase took."""

    url: str
    root: Path
    now: datetime
    products: int
    days: int
    seed: int
    records: dict[str, int]
    profiles: dict[str, int]
    tiers: dict[str, int]
    seconds: dict[str, float]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary for reports."""
        return {
            "products": self.products,
            "days": self.days,
            "seed": self.seed,
            "now": self.now.isoformat(),
            "records": self.records,
            "records_total": sum(self.records.values()),
            "profiles": self.profiles,
            "tiers": self.tiers,
            "seconds": self.seconds,
            "seconds_total": sum(self.seconds.values()),
        }


def default_now() -> datetime:
    """The current hour, in UTC: evidence ends just before it."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


# --- the plan ----------------------------------------------------------------------------


def plan_mesh(products: int, seed: int) -> list[ProductPlan]:
    """Products, ports, contracts, lineage and health profiles, from the seed."""
    rng = random.Random(seed)
    gold, silver = products // 10, products * 4 // 10
    tiers = ["gold"] * gold + ["silver"] * silver + ["bronze"] * (products - gold - silver)
    rng.shuffle(tiers)
    plans: list[ProductPlan] = []
    for index in range(products):
        pid = f"p{index:04}-{DOMAINS[index % len(DOMAINS)]}"
        roll = rng.random()
        profile = next((name for name, upto in PROFILES if roll < upto), "dark")
        outputs = []
        for port in range(1 if rng.random() < 0.6 else 2):
            name = "main" if port == 0 else "events"
            picked = rng.sample(range(len(COLUMNS)), rng.randint(6, 12))
            picked = sorted(set(picked) | {0, 1, 2, 3, 4, 5})  # the checked columns
            outputs.append(
                {
                    "name": name,
                    "type": None if rng.random() < 0.03 else rng.choice(PORT_TYPES),
                    "contract_id": f"{pid}.{name}",
                    "columns": [COLUMNS[i] for i in picked],
                }
            )
        plan = ProductPlan(
            index=index,
            id=pid,
            domain=DOMAINS[index % len(DOMAINS)],
            tier=tiers[index],
            status="deprecated" if 50 <= index and rng.random() < 0.03 else "active",
            profile=profile,
            outputs=outputs,
            has_logs=rng.random() >= 0.05,
            has_audit=rng.random() >= 0.06,
            second_job=rng.random() < 0.4,
        )
        if profile == "stale":
            plan.stop_days = rng.randint(3, 25)
        elif profile == "degrading":
            plan.degrade_days = rng.randint(10, 30)
        if index >= 30:  # the first products are sources; the rest read 0-3 earlier ones
            for upstream in rng.sample(range(index), min(index, rng.choice((0, 1, 1, 2, 3)))):
                source = plans[upstream]
                port = source.outputs[0]
                plan.inputs.append((f"from-{source.id}", port["contract_id"], source.id))
            if rng.random() < 0.03:
                plan.undeclared.append(plans[rng.randrange(index)].id)
        plans.append(plan)
    return plans


def descriptor(plan: ProductPlan, rng: random.Random) -> dict[str, Any]:
    """The product's ODPS v1 descriptor."""
    team = [{"username": f"{plan.id}-eng@example.com", "role": "data engineer"}]
    if rng.random() >= 0.03:
        team.insert(0, {"username": f"{plan.id}-owner@example.com", "name": "An Owner"})
        team[0]["role"] = "owner"
    support = []
    if rng.random() >= 0.04:
        support.append(
            {
                "channel": f"#{plan.id}",
                "url": f"https://chat.example.com/{plan.id}",
                "tool": "slack",
            }
        )
    purpose = (
        "TBD"
        if rng.random() < 0.05
        else f"{plan.domain.title()} data product {plan.index}: curated, deduplicated and "
        "documented for analytics and downstream products."
    )
    tags = [] if rng.random() < 0.05 else rng.sample(TAGS, rng.randint(1, 3))
    return {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": plan.id,
        "name": plan.id.replace("-", " ").title(),
        "version": "1.0.0",
        "status": plan.status,
        "domain": plan.domain,
        "description": {"purpose": purpose},
        "tags": tags,
        "customProperties": [{"property": "tier", "value": plan.tier}],
        "team": team,
        "support": support,
        "inputPorts": [
            {"name": name, "version": "1.0.0", "contractId": contract}
            for name, contract, _ in plan.inputs
        ],
        "outputPorts": [
            {"name": o["name"], "version": "1.0.0", "contractId": o["contract_id"]}
            | ({"type": o["type"]} if o["type"] else {})
            for o in plan.outputs
        ],
    }


def contract(plan: ProductPlan, output: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The ODCS v3 contract of one output port."""
    unclassified = rng.random() < 0.06
    properties = []
    for position, (name, logical) in enumerate(output["columns"]):
        prop: dict[str, Any] = {"name": name, "logicalType": logical}
        if position == 0:
            prop |= {"primaryKey": True, "required": True}
        skip = unclassified and (name in PERSONAL or rng.random() < 0.2)
        if not skip:
            prop["classification"] = rng.choice(CLASSIFICATIONS)
        properties.append(prop)
    document: dict[str, Any] = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": output["contract_id"],
        "name": f"{plan.id} {output['name']}",
        "version": "1.0.0",
        "status": "draft" if rng.random() < 0.03 else "active",
        "domain": plan.domain,
        "dataProduct": plan.id,
        "schema": [
            {
                "name": output["name"],
                "physicalType": "table",
                "properties": properties,
                "quality": [
                    {
                        "type": "custom",
                        "engine": "greatExpectations",
                        "dimension": "completeness",
                        "description": f"{properties[0]['name']} is never null",
                        "implementation": {"type": CHECKS[0][0]},
                    }
                ],
            }
        ],
    }
    if rng.random() >= 0.05:
        document["slaProperties"] = [
            {"property": "latency", "value": rng.choice((12, 24, 36)), "unit": "h"},
            {"property": "frequency", "value": 1, "unit": "d"},
        ]
    return document


def write_descriptors(root: Path, plans: list[ProductPlan], seed: int) -> Path:
    """Descriptors and contracts as YAML files under root/products; returns that folder."""
    folder = root / "products"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for plan in plans:
        documents = [descriptor(plan, rng)] + [contract(plan, o, rng) for o in plan.outputs]
        (folder / f"{plan.id}.yaml").write_text(
            yaml.dump(documents[0], Dumper=dumper, sort_keys=False)
        )
        for document in documents[1:]:
            (folder / f"{document['id']}.odcs.yaml").write_text(
                yaml.dump(document, Dumper=dumper, sort_keys=False)
            )
    return folder


# --- the evidence ------------------------------------------------------------------------


def _health(plan: ProductPlan, age: int) -> tuple[float, float, float]:
    """(check pass probability, run success probability, error-log share) `age` days ago."""
    if plan.profile == "flaky":
        return 0.93, 0.85, 0.08
    if plan.profile == "degrading" and age < plan.degrade_days:
        worse = 1 - age / plan.degrade_days  # 0 at the start of the slide, ~1 today
        return 0.99 - 0.3 * worse, 0.97 - 0.5 * worse, 0.02 + 0.25 * worse
    return 0.997, 0.985, 0.01


def product_records(plan: ProductPlan, days: int, now: datetime, seed: int) -> list[Record]:
    """Every evidence record of one product over `days` days ending just before `now`."""
    rng = random.Random(seed * 1_000_003 + plan.index)
    records: list[Record] = []
    columns = [name for name, _ in plan.outputs[0]["columns"]]
    port = plan.outputs[0]["name"]
    suite = f"{plan.id}.{port}"
    source = f"{SOURCE}#{plan.id}"
    slo = f"{plan.id}-availability"
    indicator = f"{plan.id}-successful-reads"
    if plan.tier == "gold":
        records.append(
            SloDefinition(
                product_id=plan.id,
                name=slo,
                indicator=indicator,
                target=0.99,
                window="28d",
                budgeting_method="Occurrences",
                source_tool="openslo",
                source=source,
                details={"slo": slo, "objective": {"displayName": "Reads", "target": 0.99}},
            )
        )
    offset = timedelta(minutes=rng.randrange(60, 180))  # the daily run, 1-3 hours before now
    readers = [f"analyst-{n}@example.com" for n in rng.sample(range(200), rng.randint(1, 6))]
    last_run: datetime | None = None
    for age in range(days - 1, plan.stop_days - 1, -1):
        when = now - timedelta(days=age) - offset
        checks_ok, runs_ok, error_share = _health(plan, age)
        if plan.profile != "dark":
            for n, (check, column) in enumerate(CHECKS):
                success = rng.random() < checks_ok
                records.append(
                    CheckResult(
                        product_id=plan.id,
                        port=port,
                        source_tool="great_expectations",
                        suite=suite,
                        check=check,
                        column=None if column is None else columns[column],
                        success=success,
                        status="pass" if success else "fail",
                        unexpected_count=0 if success else 1 + n,
                        unexpected_percent=0.0 if success else 0.1,
                        element_count=10_000,
                        run_time=when,
                        source=source,
                    )
                )
            for job in ("build", "backfill") if plan.second_job else ("build",):
                state = "success" if rng.random() < runs_ok else "failed"
                started = when - timedelta(minutes=40 if job == "build" else 90)
                records.append(
                    PipelineRun(
                        product_id=plan.id,
                        job=f"{plan.id}.{job}",
                        run_id=f"{plan.id}-{job}-{age}",
                        state=state,
                        started_at=started,
                        ended_at=started + timedelta(minutes=25),
                        source_tool="openlineage",
                        source=source,
                    )
                )
            last_run = when
            if plan.has_logs:
                for n in range(rng.randint(3, 6)):
                    roll = rng.random()
                    number, text = (
                        (17, "ERROR") if roll < error_share else (13, "WARN") if roll < 0.1 else (9, "INFO")
                    )  # fmt: skip
                    records.append(
                        LogRecord(
                            product_id=plan.id,
                            time=when - timedelta(minutes=30 - n),
                            severity_number=number,
                            severity_text=text,
                            body=f"{plan.id} build step {n}: {text.lower()}",
                            trace_id=None,
                            span_id=None,
                            run_id=f"{plan.id}-build-{age}",
                            service=plan.id,
                            source=source,
                        )
                    )
        if plan.has_audit:
            for n in range(rng.randint(1, 4)):
                change = n == 0 and plan.profile != "dark"
                records.append(
                    AuditEvent(
                        product_id=plan.id,
                        time=when + timedelta(minutes=5 + 37 * n),
                        actor=f"svc-{plan.id}@example.com" if change else rng.choice(readers),
                        action="tables.updateData" if change else "tables.getData",
                        resource=f"warehouse/{plan.domain}/{plan.id}",
                        read_only=not change,
                        source_tool="jsonl",
                        source=source,
                        event_id=f"{plan.id}-{age}-{n}",
                    )
                )
        if plan.tier == "gold" and plan.profile != "dark":
            good_share = min(1.0, 0.9995 - (1 - checks_ok) * 0.2)
            records.append(
                SliSample(
                    product_id=plan.id,
                    indicator=indicator,
                    time=now - timedelta(days=age + 1),
                    source_tool="sli_events",
                    source=source,
                    slo=slo,
                    good=round(10_000 * good_share),
                    total=10_000.0,
                )
            )
    if last_run is not None:
        for upstream in [u for _, _, u in plan.inputs] + plan.undeclared:
            records.append(
                LineageObservation(
                    upstream_product=upstream,
                    downstream_product=plan.id,
                    dataset=f"warehouse/{upstream}.main",
                    job=f"{plan.id}.build",
                    observed_at=last_run,
                    source_tool="openlineage",
                    source=source,
                )
            )
    return records


def _collector_row(plan: ProductPlan, now: datetime, records: int) -> dict[str, Any]:
    finished = now - timedelta(days=plan.stop_days, minutes=50)
    return {
        "run_id": f"scale-{plan.index:04}",
        "collector": "great_expectations",
        "source": f"evidence/{plan.id}",
        "product_id": plan.id,
        "status": "ok",
        "error": None,
        "files_read": 1,
        "files_unchanged": 0,
        "files_skipped": 0,
        "files_refused": 0,
        "records_read": records,
        "records_new": records,
        "started_at": finished - timedelta(minutes=2),
        "finished_at": finished,
    }


def build_scale_store(
    url: str,
    products: int = 1000,
    days: int = 90,
    seed: int = 7,
    *,
    now: datetime | None = None,
    root: Path | None = None,
    batch: int = 25,
) -> ScaleStore:
    """Create a fresh store at `url` holding the generated mesh and its evidence."""
    now = now or default_now()
    root = root or Path(tempfile.mkdtemp(prefix="meshgov-scale-"))
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    plans = plan_mesh(products, seed)
    folder = write_descriptors(root, plans, seed)
    seconds["descriptors"] = time.perf_counter() - clock

    clock = time.perf_counter()
    service = MeshgovService(Workspace(root=root, db_url=url, settings={}))
    service.init()
    report = service.registration.register([folder])
    assert report.ok, [str(e) for e in report.refused[:3]]
    assert len(report.registered) == products, (len(report.registered), products)
    seconds["register"] = time.perf_counter() - clock

    clock = time.perf_counter()
    counts: Counter[str] = Counter()
    store = service.store
    gc.collect()
    gc.freeze()  # records hold no cycles; spare the collector walking every batch
    gc.disable()
    try:
        for start in range(0, len(plans), batch):
            records: list[Record] = []
            runs = []
            for plan in plans[start : start + batch]:
                mine = product_records(plan, days, now, seed)
                records += mine
                if any(isinstance(r, CheckResult | AuditEvent) for r in mine[:50]):
                    runs.append(_collector_row(plan, now, len(mine)))
            counts.update(type(r).__name__ for r in records)
            with store.begin() as connection:
                write_records(connection, records)
                if runs:
                    connection.execute(insert(collector_runs), runs)
            del records
    finally:
        gc.enable()
        gc.unfreeze()
    seconds["evidence"] = time.perf_counter() - clock

    clock = time.perf_counter()
    deprecated = {p.id for p in plans if p.status == "deprecated"}
    waived = 0
    with store.begin() as connection:
        for plan in plans:
            if {u for _, _, u in plan.inputs} & deprecated and plan.index % 2 == 0:
                add_waiver(
                    connection,
                    {
                        "policy_id": "no-deprecated-inputs",
                        "product_id": plan.id,
                        "reason": "migration to the successor planned this quarter",
                        "status": "approved",
                        "expires_at": now + timedelta(days=60),
                        "requested_by": f"{plan.id}-owner@example.com",
                        "approved_by": "governance-board@example.com",
                        "created_at": now - timedelta(days=10),
                        "decided_at": now - timedelta(days=9),
                    },
                )
                waived += 1
    counts["Waiver"] = waived
    seconds["waivers"] = time.perf_counter() - clock
    store.dispose()
    return ScaleStore(
        url=url,
        root=root,
        now=now,
        products=products,
        days=days,
        seed=seed,
        records=dict(sorted(counts.items())),
        profiles=dict(Counter(p.profile for p in plans)),
        tiers=dict(Counter(p.tier for p in plans)),
        seconds=seconds,
    )


def main() -> None:
    """Build a scale store and print what it holds and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="meshgov-scale-"))
    url = args.db_url or f"sqlite:///{root / 'scale.db'}"
    built = build_scale_store(url, args.products, args.days, args.seed, root=root)
    print(json.dumps({"url": url} | built.summary(), indent=2))


if __name__ == "__main__":
    main()
