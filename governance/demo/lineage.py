"""OpenLineage RunEvents of the demo's nightly jobs: a START and a COMPLETE or FAIL per attempt.

Events are plain dicts in the OpenLineage 2-0-2 RunEvent shape, key for key what
openlineage-python's `Serde.to_json` writes (tests/test_demo.py builds one with the
client's classes and compares): meshgov does not depend on the client at run time. One
JSON-lines file per product and day, as the client's file transport leaves them, in
`evidence/openlineage/<product>/<day>.jsonl`. Inputs are the datasets behind the product's
input ports, outputs its own; the collector attributes both through the product directory,
so the lineage it observes is the lineage the ports declare, plus the feeds of source
systems that no product claims.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from governance.demo.evidence import ValidationOutcome
from governance.demo.spec import DemoProduct
from governance.demo.timeline import (
    PRODUCER,
    Attempt,
    Dataset,
    JobDay,
    input_datasets,
    job_day,
    job_name,
    output_datasets,
    window,
    zulu,
)

SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
# Facet versions as openlineage-python 1.54 stamps them.
FACET_VERSIONS = {
    "NominalTimeRunFacet": "1-0-1",
    "ErrorMessageRunFacet": "1-0-1",
    "JobTypeJobFacet": "2-0-4",
    "SchemaDatasetFacet": "1-2-0",
    "OutputStatisticsOutputDatasetFacet": "1-0-2",
}


def facet(name: str, **fields: Any) -> dict[str, Any]:
    """A facet as the client serialises it: its fields plus _producer and _schemaURL."""
    url = f"https://openlineage.io/spec/facets/{FACET_VERSIONS[name]}/{name}.json#/$defs/{name}"
    return {"_producer": PRODUCER, "_schemaURL": url, **fields}


def _input(dataset: Dataset) -> dict[str, Any]:
    return {"facets": {}, "inputFacets": {}, "name": dataset.name, "namespace": dataset.namespace}


def _output(
    dataset: Dataset, schema: list[dict[str, Any]] | None, rows: int | None
) -> dict[str, Any]:
    facets = {"schema": facet("SchemaDatasetFacet", fields=schema)} if schema else {}
    statistics = (
        {"outputStatistics": facet("OutputStatisticsOutputDatasetFacet", rowCount=rows)}
        if rows is not None
        else {}
    )
    return {
        "facets": facets,
        "name": dataset.name,
        "namespace": dataset.namespace,
        "outputFacets": statistics,
    }


def _event(
    event_type: str,
    attempt: Attempt,
    job: JobDay,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
) -> dict[str, Any]:
    namespace, name = job_name(job.product)
    run_facets: dict[str, Any] = {}
    if event_type == "FAIL":
        run_facets["errorMessage"] = facet(
            "ErrorMessageRunFacet", message=attempt.error, programmingLanguage="python"
        )
    run_facets["nominalTime"] = facet("NominalTimeRunFacet", nominalStartTime=zulu(job.scheduled))
    moment = attempt.started if event_type == "START" else attempt.ended
    job_type = facet(
        "JobTypeJobFacet", integration="AIRFLOW", jobType="TASK", processingType="BATCH"
    )
    return {
        "eventTime": zulu(moment),
        "eventType": event_type,
        "inputs": inputs,
        "job": {"facets": {"jobType": job_type}, "name": name, "namespace": namespace},
        "outputs": outputs,
        "producer": PRODUCER,
        "run": {"facets": run_facets, "runId": attempt.run_id},
        "schemaURL": SCHEMA_URL,
    }


def run_events(
    job: JobDay, products: tuple[DemoProduct, ...], outcome: ValidationOutcome | None
) -> list[dict[str, Any]]:
    """The day's events of one product's job: START, then COMPLETE or FAIL, per attempt."""
    product = job.product
    inputs = [_input(dataset) for dataset, _ in input_datasets(product, products)]
    planned = [_output(dataset, None, None) for dataset in output_datasets(product)]
    landed = []
    for port, dataset in zip(product.outputs, output_datasets(product), strict=True):
        # What the run wrote: the schema of every output, the row count where it was counted.
        schema = [
            {"description": c.description, "fields": [], "name": c.name, "type": c.physical_type}
            for c in port.contract.columns
        ]
        rows = outcome.rows if outcome and port is product.evidence_port else None
        landed.append(_output(dataset, schema, rows))
    events = []
    for attempt in job.attempts:
        events.append(_event("START", attempt, job, inputs, planned))
        if attempt.failed:
            events.append(_event("FAIL", attempt, job, inputs, planned))
        else:
            events.append(_event("COMPLETE", attempt, job, inputs, landed))
    return events


def write_lineage(
    root: Path,
    products: tuple[DemoProduct, ...],
    outcomes: dict[tuple[str, date], ValidationOutcome],
    seed: int,
    days: int,
    today: date,
) -> int:
    """Write every product's run events for the `days` up to `today`; returns the event count."""
    written = 0
    for product in products:
        folder = root / "evidence" / "openlineage" / product.id
        folder.mkdir(parents=True, exist_ok=True)
        for day in window(days, today):
            job = job_day(product, day, today, seed)
            if job is None:
                continue  # the job did not run: no file, as the file transport leaves none
            events = run_events(job, products, outcomes.get((product.id, day)))
            # sort_keys: the key order Serde.to_json writes.
            text = "".join(json.dumps(e, sort_keys=True) + "\n" for e in events)
            (folder / f"{day.isoformat()}.jsonl").write_text(text, encoding="utf-8")
            written += len(events)
    return written
