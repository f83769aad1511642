"""The warehouse's audit trail, exported daily in the generic audit JSON-lines form.

`evidence/audit/warehouse-<day>.jsonl`: who read or changed which dataset, and when.
Resources are named as the warehouse names them (project.dataset.table, a topic's URI),
which is how the collector finds their product. Who appears:

- pipelines: a job's service account reads the product datasets behind its input ports
  when an attempt starts and writes its outputs when the data lands; so
  playlist-recommendations' account keeps reading the deprecated artist-catalog-v1, and
  nothing writes podcast-catalog's table once its ingest stopped;
- people: analysts query products in working hours, fewer at weekends; each product has an
  audience of its own size, a few heavy readers and a long tail;
- dashboards: the BI tool's account refreshes the dashboards built on popular products;
- teams: now and then a product's owner changes its metadata or grants access (a product
  without an owner is changed by whoever is in its team); while a product degrades, its
  engineer patches rows by hand.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from governance.demo.data import FIRST_NAMES, LAST_NAMES
from governance.demo.spec import EMAIL_DOMAIN, DemoProduct
from governance.demo.timeline import (
    SERVICE_ACCOUNT_DOMAIN,
    Dataset,
    input_datasets,
    job_day,
    output_datasets,
    service_account,
    story_rng,
    window,
    zulu,
)

# Analysts, scientists and finance people who query the warehouse.
PEOPLE = tuple(f"{first}.{last}@{EMAIL_DOMAIN}" for first in FIRST_NAMES for last in LAST_NAMES)
# Per product: how many people read it over a month, and their queries on a weekday.
AUDIENCES: dict[str, tuple[int, float]] = {
    "artist-catalog": (34, 16.0),
    "play-events": (28, 13.0),
    "user-profiles": (22, 9.0),
    "podcast-listeners": (14, 6.0),
    "royalty-reports": (12, 4.0),
    "payment-events": (9, 4.0),
    "artist-payments": (8, 3.0),
    "user-search-history": (7, 4.0),  # the growth team, joining emails for campaigns
    "podcast-catalog": (6, 2.0),
    "artist-onboarding": (5, 1.5),
    "playlist-recommendations": (3, 1.0),
    "artist-catalog-v1": (2, 0.4),  # deprecated: people moved on, one pipeline did not
}
DASHBOARDS = ("artist-catalog", "play-events", "user-profiles", "podcast-listeners")
BI_ACCOUNT = f"svc-looker@{SERVICE_ACCOUNT_DOMAIN}"


def _at(day: date, rng: random.Random, first_hour: int, hours: int) -> datetime:
    """A random moment in `hours` hours from `first_hour` on `day`, to the millisecond."""
    start = datetime.combine(day, time(first_hour), tzinfo=UTC)
    return start + timedelta(milliseconds=rng.randrange(hours * 3_600_000))


def _event(
    moment: datetime, actor: str, action: str, dataset: Dataset, read: bool, **details: Any
) -> dict[str, Any]:
    return {
        "time": zulu(moment),
        "actor": actor,
        "action": action,
        "resource": dataset.resource,
        "read_only": read,
        **details,
    }


def _read_action(dataset: Dataset, person: bool) -> str:
    if dataset.kind == "topic":
        return "kafka.topics.read"
    return "bigquery.jobs.query" if person else "bigquery.tables.getData"


def pipeline_events(
    product: DemoProduct, products: tuple[DemoProduct, ...], day: date, today: date, seed: int
) -> list[dict[str, Any]]:
    """The job's account reading its product inputs per attempt and writing what lands."""
    job = job_day(product, day, today, seed)
    if job is None:
        return []
    rng = story_rng(seed, "audit-pipeline", product.id, day)
    actor = service_account(product)
    events = []
    for attempt in job.attempts:
        for dataset, upstream in input_datasets(product, products):
            if upstream is not None:  # source systems audit elsewhere
                moment = attempt.started + timedelta(milliseconds=rng.randrange(5_000, 40_000))
                events.append(_event(moment, actor, _read_action(dataset, False), dataset, True))
    for dataset in output_datasets(product):
        moment = job.landed - timedelta(milliseconds=rng.randrange(2_000, 20_000))
        action = "kafka.topics.write" if dataset.kind == "topic" else "bigquery.tables.updateData"
        events.append(_event(moment, actor, action, dataset, False))
    if job.step >= 6:
        # Late in the decline an engineer starts patching the damage by hand.
        engineer = next(m for m in product.team if m.role != "owner").username
        dataset = output_datasets(product)[0]
        moment = job.landed + timedelta(hours=2, milliseconds=rng.randrange(3_600_000))
        table, column = product.evidence_port.contract.object_name, product.degrading[0][0]
        statement = f"UPDATE {table} SET {column} = corrected_{column} WHERE {column} IS NULL"
        events.append(
            _event(moment, engineer, "bigquery.tables.updateData", dataset, False, query=statement)
        )
    return events


def reader_events(product: DemoProduct, day: date, seed: int) -> list[dict[str, Any]]:
    """People querying the product: its audience, a few heavy readers, fewer at weekends."""
    size, per_weekday = AUDIENCES.get(product.id, (5, 2.0))
    audience = story_rng(seed, "audience", product.id).sample(PEOPLE, size)
    weights = [1 / (rank + 1) for rank in range(size)]  # Zipf: most queries by a few people
    rng = story_rng(seed, "audit-readers", product.id, day)
    mean = per_weekday * (0.25 if day.weekday() >= 5 else 1.0)
    count = max(0, round(rng.gauss(mean, mean**0.5)))
    datasets = output_datasets(product)
    columns = [c.name for c in product.evidence_port.contract.columns]
    events = []
    for _ in range(count):
        reader = rng.choices(audience, weights)[0]
        dataset = rng.choice(datasets)
        picked = sorted(rng.sample(columns, rng.randint(2, min(4, len(columns)))))
        detail = {"columns": picked} if dataset.kind == "table" else {}
        moment = _at(day, rng, 7, 11)
        events.append(_event(moment, reader, _read_action(dataset, True), dataset, True, **detail))
    if product.id in DASHBOARDS:
        moment = _at(day, rng, 6, 1)  # the morning refresh, after the nightly jobs
        dataset = datasets[0]
        events.append(_event(moment, BI_ACCOUNT, _read_action(dataset, False), dataset, True))
    return events


def team_events(product: DemoProduct, day: date, seed: int) -> list[dict[str, Any]]:
    """Now and then someone in the team changes the product's metadata or grants access."""
    rng = story_rng(seed, "audit-team", product.id, day)
    if day.weekday() >= 5 or rng.random() >= 0.12:
        return []
    owners = [m.username for m in product.team if m.role == "owner"]
    actor = owners[0] if owners else rng.choice(product.team).username
    dataset = rng.choice(output_datasets(product))
    if dataset.kind == "topic":
        action = "kafka.topics.alterConfigs"
    else:
        action = rng.choice(("bigquery.tables.update", "bigquery.tables.setIamPolicy"))
    return [_event(_at(day, rng, 9, 8), actor, action, dataset, False)]


def day_events(
    products: tuple[DemoProduct, ...], day: date, today: date, seed: int
) -> list[dict[str, Any]]:
    """Every audited action of one day, in time order, each with the export's own id."""
    events = []
    for product in products:
        events += pipeline_events(product, products, day, today, seed)
        events += reader_events(product, day, seed)
        events += team_events(product, day, seed)
    events.sort(key=lambda e: (e["time"], e["actor"], e["action"], e["resource"]))
    return [{**e, "id": f"wh-{day:%Y%m%d}-{n:05d}"} for n, e in enumerate(events, start=1)]


def write_audit(
    root: Path, products: tuple[DemoProduct, ...], seed: int, days: int, today: date
) -> int:
    """Write the warehouse's audit export for the `days` up to `today`; returns the event count."""
    folder = root / "evidence" / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for day in window(days, today):
        events = day_events(products, day, today, seed)
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
        (folder / f"warehouse-{day.isoformat()}.jsonl").write_text(text, encoding="utf-8")
        written += len(events)
    return written
