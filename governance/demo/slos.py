"""Service level objectives of the demo's products (OpenSLO v1) and their daily SLI samples.

Gold products promise fresh data and successful reads; podcast-catalog's team promised
freshness too, which is how its stalled ingest shows up as a breached SLO. A product whose
quality degrades also promises valid rows, counted in daily time slices (the one
Timeslices SLO), and breaches it as the decline goes on. `evidence/slo/<product>.yaml`
holds a product's Service, SLIs and SLOs; `evidence/sli/<day>.jsonl` holds that day's
samples in the sli_events form, one per SLO, timed at the start of the UTC day they count.

- freshness: 24 hourly probes a day; one is good when the newest load is at most 25 hours
  old (a daily load, an hour of grace), so a late retry costs little and a stopped job
  costs every probe;
- availability: reads the serving layer answered without error;
- valid rows: rows of the validated batch that no check found at fault.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from governance.demo.evidence import ValidationOutcome
from governance.demo.spec import ROW_COUNT, DemoProduct
from governance.demo.timeline import job_day, story_rng, window

FRESH_HOURS = 25
# Beyond gold: teams that promised freshness on their own.
FRESHNESS_PROMISED = ("podcast-catalog",)
HEADER = "# Written by `meshgov demo`; rebuilding the demo overwrites this file.\n"


def has_slos(product: DemoProduct) -> bool:
    """Whether the product declares SLOs: every gold product, and teams that chose to."""
    return product.tier == "gold" or product.id in FRESHNESS_PROMISED


def _query(metric: str, product: DemoProduct, selector: str = "") -> dict[str, Any]:
    labels = f'data_product="{product.id}"{selector}'
    query = f"sum(increase({metric}{{{labels}}}[1d]))"
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def _ratio(metric: str, product: DemoProduct, good: str) -> dict[str, Any]:
    return {
        "ratioMetric": {
            "counter": True,
            "good": _query(metric, product, f",{good}"),
            "total": _query(metric, product),
        }
    }


def _slo(
    product: DemoProduct, name: str, description: str, indicator: dict[str, Any], **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {
            "name": f"{product.id}-{name}",
            "labels": {"data_product": product.id, "tier": product.tier},
        },
        "spec": {
            "description": description,
            "service": product.id,
            **indicator,
            "timeWindow": [{"duration": "28d", "isRolling": True}],
            **spec,
        },
    }


def slo_documents(product: DemoProduct) -> list[dict[str, Any]]:
    """The product's OpenSLO Service, freshness SLI and SLOs."""
    fresh_sli = f"{product.id}-fresh-probes"
    documents: list[dict[str, Any]] = [
        {
            "apiVersion": "openslo/v1",
            "kind": "Service",
            "metadata": {"name": product.id, "displayName": product.name},
            "spec": {"description": product.purpose},
        },
        {
            "apiVersion": "openslo/v1",
            "kind": "SLI",
            "metadata": {"name": fresh_sli, "displayName": "Probes that find fresh data"},
            "spec": _ratio("harmonia_freshness_probes_total", product, 'fresh="true"'),
        },
        _slo(
            product,
            "freshness",
            f"99% of hourly probes find data at most {FRESH_HOURS} hours old, over 28 days",
            {"indicatorRef": fresh_sli},
            budgetingMethod="Occurrences",
            objectives=[{"displayName": "Fresh data", "target": 0.99}],
        ),
    ]
    if product.tier == "gold":
        reads = {"metadata": {"name": f"{product.id}-successful-reads"}}
        reads["spec"] = _ratio("harmonia_serving_reads_total", product, 'status="ok"')
        documents.append(
            _slo(
                product,
                "availability",
                "99.5% of reads succeed, over 28 days",
                {"indicator": reads},
                budgetingMethod="Occurrences",
                objectives=[{"displayName": "Reads succeed", "targetPercent": 99.5}],
            )
        )
    if product.degrading:
        rows = {"metadata": {"name": f"{product.id}-valid-rows"}}
        rows["spec"] = _ratio("harmonia_validated_rows_total", product, 'valid="true"')
        documents.append(
            _slo(
                product,
                "valid-rows",
                "On 90% of days, at least 99% of the day's rows pass every check",
                {"indicator": rows},
                budgetingMethod="Timeslices",
                objectives=[
                    {
                        "displayName": "Valid days",
                        "target": 0.9,
                        "timeSliceTarget": 0.99,
                        "timeSliceWindow": "1d",
                    }
                ],
            )
        )
    return documents


def fresh_probes(product: DemoProduct, day: date, today: date, seed: int) -> int:
    """How many of the day's 24 hourly probes found data at most FRESH_HOURS old."""
    landings = []
    for back in range(3):  # older loads are too old for any probe of the day
        job = job_day(product, day - timedelta(days=back), today, seed)
        if job is not None:
            landings.append(job.landed)
    start = datetime.combine(day, time(0), tzinfo=UTC)
    fresh = 0
    for hour in range(24):
        probe = start + timedelta(hours=hour)
        newest = max((landed for landed in landings if landed <= probe), default=None)
        fresh += newest is not None and probe - newest <= timedelta(hours=FRESH_HOURS)
    return fresh


def day_samples(
    product: DemoProduct, day: date, today: date, seed: int, outcome: ValidationOutcome | None
) -> list[dict[str, Any]]:
    """The product's SLI samples for one day, one per SLO, in the sli_events form."""
    moment = f"{day.isoformat()}T00:00:00Z"

    def sample(slo: str, indicator: str, good: int, total: int) -> dict[str, Any]:
        return {
            "product": product.id,
            "slo": f"{product.id}-{slo}",
            "indicator": f"{product.id}-{indicator}",
            "time": moment,
            "good": good,
            "total": total,
        }

    samples = [sample("freshness", "fresh-probes", fresh_probes(product, day, today, seed), 24)]
    if product.tier == "gold":
        rng = story_rng(seed, "sli-reads", product.id, day)
        reads = rng.randint(1500, 6000)
        samples.append(
            sample("availability", "successful-reads", reads - rng.randint(0, reads // 500), reads)
        )
    if product.degrading and outcome is not None:
        faulty = sum(f.unexpected_count or 0 for f in outcome.failures if f.type != ROW_COUNT)
        rows = outcome.rows
        samples.append(sample("valid-rows", "valid-rows", rows - min(rows, faulty), rows))
    return samples


def write_slos(
    root: Path,
    products: tuple[DemoProduct, ...],
    outcomes: dict[tuple[str, date], ValidationOutcome],
    seed: int,
    days: int,
    today: date,
) -> int:
    """Write SLO files and the daily SLI samples for the `days` up to `today`; returns samples."""
    promising = [p for p in products if has_slos(p)]
    slo_folder, sli_folder = root / "evidence" / "slo", root / "evidence" / "sli"
    slo_folder.mkdir(parents=True, exist_ok=True)
    sli_folder.mkdir(parents=True, exist_ok=True)
    for product in promising:
        text = yaml.safe_dump_all(slo_documents(product), sort_keys=False, allow_unicode=True)
        (slo_folder / f"{product.id}.yaml").write_text(HEADER + text, encoding="utf-8")
    written = 0
    for day in window(days, today):
        samples = [
            s
            for product in promising
            for s in day_samples(product, day, today, seed, outcomes.get((product.id, day)))
        ]
        text = "".join(json.dumps(s) + "\n" for s in samples)
        (sli_folder / f"{day.isoformat()}.jsonl").write_text(text, encoding="utf-8")
        written += len(samples)
    return written
