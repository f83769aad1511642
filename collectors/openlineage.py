"""OpenLineage events: pipeline runs, lineage between products, data quality results.

Reads what OpenLineage producers and clients write (``Serde.to_json`` of openlineage-python,
the file transport, Marquez exports): JSON lines with one event per line, or a file holding
a single JSON event, or a JSON array of events. Spec 2-0-x ``RunEvent``; the static
``JobEvent`` (job with inputs/outputs, no run) and ``DatasetEvent`` are read too. Which
facets are read, and how they are checked, is in collectors/openlineage_facets.py.

- ``eventTime`` is required and must carry a zone (``Z`` or ``+02:00``), as the spec's
  ``date-time`` says; a zoneless time is refused for that event, never read as UTC. A file
  holding one facet rather than an event (the spec's own facet test files, recognised by the
  facet's ``_producer``/``_schemaURL``) is not evidence: skipped, saying so. A facet on its own
  inside a file of events is a bad event like any other.
- Each RunEvent becomes a PipelineRun: job ``<job.namespace>/<job.name>``, ``run.runId``,
  state START/RUNNING → running, COMPLETE → success, FAIL → failed, ABORT → aborted;
  ``started_at`` is the eventTime of START, ``ended_at`` that of COMPLETE/FAIL/ABORT. The
  store merges the events of one run (same tool, job and run id) into one row. OTHER (or no
  eventType) says nothing about the run's state: it yields no PipelineRun, only its lineage
  and quality results. The run's details keep the producer, the ``errorMessage`` (message,
  language, the start of the stack trace), ``parent`` (parent and root run and job),
  ``nominalTime``, ``processing_engine``, the job's ``jobType`` and owners, and per dataset
  (``<namespace>/<name>``) its owners, input/output statistics and ``dataQualityMetrics``.
- Metrics (DataQualityMetrics, rowCount/bytes/fileCount/columnMetrics) describe what a run
  measured, not a pass or fail: they are kept with the run, never turned into checks (that
  would count a measurement as a passed check). Assertions on the same dataset in the same
  event also get them: ``element_count`` is the metrics' rowCount (the rows evaluated) and a
  column assertion's details hold that column's metrics. Where an event has neither a run
  state nor assertions to keep them with (OTHER, JobEvent, DatasetEvent), the file's
  warnings say which facets were not stored.
- Attribution goes by dataset, because events name their datasets: a dataset belongs to the
  product one of whose aliases (output port locations, declared datasets) is
  ``<namespace>/<name>`` or ``<name>``. The run belongs to the product of its first attributed
  output dataset, else to the source's product (``--product``), else to none.
- Lineage: for each input dataset whose product differs from the run's downstream product
  (the product of each attributed output dataset, else the run's product), one
  LineageObservation(upstream, downstream, dataset ``<namespace>/<name>``, job, eventTime).
  Either side may be None, so lineage nobody claims stays visible; None → None is not kept,
  and an event with no outputs and no source product (a test job; a START that leaves its
  outputs to COMPLETE) yields no lineage.
- ``dataQualityAssertions`` facets under ``inputs[].inputFacets`` (where the spec puts them)
  and under ``facets`` / ``outputFacets`` (where some producers put them; dbt writes both),
  facet 1-0 (assertion, success, column) and 1-1 (adds severity, name, description,
  expected, actual, content, contentType, params) → one CheckResult each: suite = dataset
  name, check = the 1-1 ``name`` when given (it tells two tests of one kind apart, as dbt's
  test names do), else ``assertion``; status pass/fail, and ``warn`` for a failed assertion
  of severity ``warn``/``warning`` (it found issues without blocking the pipeline); the
  product is the dataset's, else the source's. Everything else of the assertion is in
  details. The facet has no counts of failing rows, so ``unexpected_count`` stays empty.
- The ``test`` run facet (TestRunFacet 1-0-x) → one CheckResult per test: check = name,
  suite = the event's one input dataset's name, else the job's name; status pass, fail
  (``warn`` with severity warn) or skipped (``skip``); the product is the run's, else that of
  its first attributed input. A test whose status is none of these is not recorded, and
  the file's warnings say so.

Warnings (one per file per kind): facets meshgov does not read, facets it read but had no
run to keep with, unknown assertion severities, unknown test statuses. Options: none. One
bad event is one problem naming its line ("line 7: job.name is missing"), or "event N"
inside a JSON array; the other events still land.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from collectors import Parsed, SourceContext
from collectors import openlineage_facets as facets
from collectors.json_lines import gave_up, json_objects, json_type, parse_zoned_time
from collectors.json_text import loads
from collectors.openlineage_facets import (
    Notes,
    active_facets,
    facet_object,
    names,
    required_object,
    text,
)
from collectors.openlineage_quality import (
    TOOL,
    Dataset,
    EventContext,
    assertion_results,
    test_results,
)
from governance.errors import CollectorParseError, EventError, NotEvidence
from governance.model.records import LineageObservation, PipelineRun, Record
from governance.model.vocabulary import FINISHED_RUN_STATES, RunState

_RUN_STATES: dict[str, RunState] = {
    "START": "running",
    "RUNNING": "running",
    "COMPLETE": "success",
    "FAIL": "failed",
    "ABORT": "aborted",
}
_EVENT_TYPES = (*_RUN_STATES, "OTHER")


class OpenLineageCollector:
    """OpenLineage RunEvents (and Job/Dataset events) as JSON lines, one event or an array."""

    name = "openlineage"
    description = (
        "OpenLineage events (JSON lines, a single event or an array): runs, lineage between "
        "products, dataQualityAssertions, dataQualityMetrics and test run facets"
    )
    file_suffixes = (".jsonl", ".ndjson", ".json")

    def parse(self, content: bytes, source: SourceContext) -> list[Record] | Parsed:
        """Runs, lineage observations and check results; one problem per unreadable event."""
        records: list[Record] = []
        problems: list[CollectorParseError] = []
        notes = Notes()
        events_read = 0
        for position, event in _events(content):
            if gave_up(problems, position):
                break
            if isinstance(event, CollectorParseError):
                problems.append(event)
                continue
            try:
                # Notes of a refused event are not the file's: read into a copy first.
                mine = Notes()
                records.extend(_event_records(event, source, mine))
            except EventError as exc:
                problems.append(CollectorParseError(str(exc), position))
                continue
            notes.update(mine)
            events_read += 1
        if not events_read:
            if not problems:
                raise CollectorParseError("the file holds no OpenLineage events")
            first = problems[0]
            more = f" (and {len(problems) - 1} more bad events)" if len(problems) > 1 else ""
            raise CollectorParseError(
                f"no readable OpenLineage event: {first.reason}{more}", first.position
            )
        warnings = notes.warnings()
        if problems or warnings:
            return Parsed(records=records, problems=problems, warnings=warnings)
        return records


def _events(content: bytes) -> Iterator[tuple[str, dict[str, Any] | CollectorParseError]]:
    """Events with their position: a whole-file event or array first, else JSON lines."""
    try:
        whole = loads(content.decode("utf-8-sig"), constants="text")
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, JsonRefused
        whole = None  # not one JSON document: read it line by line
    if isinstance(whole, dict):
        if _is_facet_on_its_own(whole):
            # Not evidence (the spec's facet test files): skipped saying so, not refused.
            raise NotEvidence(_not_an_event(whole))
        # A pretty-printed event spans lines; "line 1" would point at its opening brace only.
        yield ("line 1" if content.strip().count(b"\n") == 0 else "event 1"), whole
        return
    if isinstance(whole, list):
        for index, event in enumerate(whole, start=1):
            if isinstance(event, dict):
                yield f"event {index}", event
            else:
                reason = f"expected an OpenLineage event object, found {json_type(event)}"
                yield f"event {index}", CollectorParseError(reason, f"event {index}")
        return
    for number, line in json_objects(content):
        yield f"line {number}", line


def _event_records(event: dict[str, Any], source: SourceContext, notes: Notes) -> list[Record]:
    if (
        "eventTime" not in event
        and "run" not in event
        and "job" not in event
        and ("dataset" not in event)
    ):
        raise EventError(_not_an_event(event))
    if event.get("eventTime") is None:
        raise EventError("eventTime is missing")
    try:
        event_time = parse_zoned_time(event["eventTime"])
    except ValueError as exc:
        raise EventError(f"eventTime: {exc}") from None
    if "run" not in event and "job" not in event and "dataset" in event:
        # A DatasetEvent: static metadata about one dataset, possibly with assertions.
        dataset = _dataset(required_object(event, "dataset", ""), "dataset", source, notes)
        _not_kept(dataset, notes)
        return assertion_results(dataset, EventContext(event_time, source, {}), notes)
    job_object = required_object(event, "job", "")
    job = facets.job_name(job_object, "job.")
    job_facets = active_facets(job_object, "facets", "job.facets")
    if job_facets:
        notes.unread.update(job_facets.keys() - facets.JOB_FACETS)
    details = facets.job_details(job_facets, "job.facets")
    event_type = event.get("eventType")
    if event_type is not None and event_type not in _EVENT_TYPES:
        raise EventError(f"eventType {event_type!r} is not one of {', '.join(_EVENT_TYPES)}")
    # A JobEvent (static lineage) has neither a run nor an eventType.
    has_run = "run" in event or event_type is not None
    run_id = None
    tests: list[dict[str, Any]] = []
    if has_run:
        run = required_object(event, "run", "")
        run_id = text(run, "runId", "run.")
        run_facets = active_facets(run, "facets", "run.facets")
        if run_facets:
            notes.unread.update(run_facets.keys() - facets.RUN_FACETS)
        details |= facets.run_details(run_facets, "run.facets")
        if (test_facet := facet_object(run_facets, "test", "run.facets")) is not None:
            tests = facets.tests(test_facet, "run.facets")
    inputs = _datasets(event, "inputs", source, notes)
    outputs = _datasets(event, "outputs", source, notes)
    output_products = list(dict.fromkeys(d.product for d in outputs if d.product))
    run_product = output_products[0] if output_products else source.product_id
    shared = EventContext(
        event_time, source, {"job": job, "run_id": run_id} if run_id else {"job": job}
    )
    records: list[Record] = []
    details |= _dataset_details(inputs, outputs)
    if run_id is not None and event_type in _RUN_STATES:
        if isinstance(event.get("producer"), str):
            details["producer"] = event["producer"]
        records.append(_pipeline_run(event_type, job, run_id, run_product, details, shared))
    else:
        for dataset in (*inputs, *outputs):
            _not_kept(dataset, notes)
        notes.not_kept.update(
            name for name, key in _DETAIL_FACETS.items() if any(k in details for k in key)
        )
    for dataset in (*inputs, *outputs):
        records.extend(assertion_results(dataset, shared, notes))
    if tests:
        product = run_product or next((d.product for d in inputs if d.product), None)
        suite = inputs[0].name if len(inputs) == 1 else job_object["name"]
        records.extend(test_results(tests, product, suite, shared, notes))
    # Without outputs or a source product nothing says where the data went (a test job, or
    # a START that leaves outputs to COMPLETE): no edge rather than a guessed unknown consumer.
    downstream = output_products or ([run_product] if outputs or run_product else [])
    records.extend(_lineage(inputs, downstream, job, shared))
    return records


# Which run/job facet filled which run detail (to say what an event without a run lost).
_DETAIL_FACETS = {
    "parent": ("parent_run_id",),
    "errorMessage": ("error_message",),
    "nominalTime": ("nominal_start_time",),
    "processing_engine": ("processing_engine",),
    "jobType": ("job_type",),
    "ownership": ("job_owners",),
}


def _is_facet_on_its_own(document: dict[str, Any]) -> bool:
    return not {"eventTime", "run", "job", "dataset"} & document.keys() and bool(
        _facet_names(document)
    )


def _facet_names(document: dict[str, Any]) -> set[str]:
    """The facets a JSON object that is not an event holds, by their BaseFacet fields."""
    found = {
        name
        for name, value in document.items()
        if isinstance(value, dict) and {"_producer", "_schemaURL"} & value.keys()
    }
    if not found and isinstance(document.get("_schemaURL"), str):
        # A bare facet: its schema URL ends with the facet's definition name.
        found = {document["_schemaURL"].rstrip("/").rsplit("/", 1)[-1][:80]}
    return found


def _not_an_event(document: dict[str, Any]) -> str:
    """Why a JSON object is not an event; a facet on its own says so."""
    if facet_names := _facet_names(document):
        return (
            f"not an OpenLineage event but a facet ({names(facet_names)}) on its own: an "
            "event needs eventTime and a run, job or dataset"
        )
    return "not an OpenLineage event: no eventTime, run, job or dataset"


def _not_kept(dataset: Dataset, notes: Notes) -> None:
    if dataset.owners is not None:
        notes.not_kept.add("ownership")
    if dataset.statistics is not None:
        notes.not_kept.add("inputStatistics/outputStatistics")
    if dataset.metrics is not None and not dataset.assertions:
        notes.not_kept.add("dataQualityMetrics")


def _dataset_details(inputs: list[Dataset], outputs: list[Dataset]) -> dict[str, Any]:
    """Per dataset: owners, statistics and metrics, for the run's details (only what is there)."""
    details: dict[str, dict[str, Any]] = {}
    for role, datasets in (("input", inputs), ("output", outputs)):
        for dataset in datasets:
            if dataset.owners is not None:
                details.setdefault("dataset_owners", {})[dataset.qualified] = dataset.owners
            if dataset.statistics is not None:
                details.setdefault(f"{role}_statistics", {})[dataset.qualified] = dataset.statistics
            if dataset.metrics is not None:
                details.setdefault("data_quality_metrics", {})[dataset.qualified] = dataset.metrics
    return details


def _lineage(
    inputs: list[Dataset], downstream: list[str | None], job: str, event: EventContext
) -> list[LineageObservation]:
    """One observation per input dataset and downstream product it crosses into."""
    edges: dict[str, LineageObservation] = {}
    for dataset in inputs:
        for product in downstream:
            if dataset.product == product:
                continue  # data moving inside one product is not lineage between products
            edge = LineageObservation(
                upstream_product=dataset.product,
                downstream_product=product,
                dataset=dataset.qualified,
                job=job,
                observed_at=event.time,
                source_tool=TOOL,
                source=event.source.path,
            )
            edges.setdefault(edge.natural_key, edge)
    return list(edges.values())


def _pipeline_run(
    event_type: str,
    job: str,
    run_id: str,
    product: str | None,
    details: dict[str, Any],
    event: EventContext,
) -> PipelineRun:
    # No eventType in details: the store merges the events of a run, and the last read wins.
    state = _RUN_STATES[event_type]
    return PipelineRun(
        product_id=product,
        job=job,
        run_id=run_id,
        state=state,
        started_at=event.time if event_type == "START" else None,
        ended_at=event.time if state in FINISHED_RUN_STATES else None,
        source_tool=TOOL,
        source=event.source.path,
        details=details,
    )


def _datasets(
    event: dict[str, Any], key: str, source: SourceContext, notes: Notes
) -> list[Dataset]:
    value = event.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise EventError(f"{key} must be an array, found {json_type(value)}")
    found = []
    for index, dataset in enumerate(value):
        if not isinstance(dataset, dict):
            raise EventError(f"{key}[{index}] must be an object, found {json_type(dataset)}")
        found.append(_dataset(dataset, f"{key}[{index}]", source, notes))
    return found


def _dataset(document: dict[str, Any], where: str, source: SourceContext, notes: Notes) -> Dataset:
    """A dataset with the facets meshgov reads, from `facets` and the input/output facets."""
    namespace = text(document, "namespace", f"{where}.")
    name = text(document, "name", f"{where}.")
    qualified = f"{namespace}/{name}"
    found: list[dict[str, Any]] = []
    metrics = statistics = owners = None
    for key in ("inputFacets", "facets", "outputFacets"):
        value = document.get(key)
        if value is None or value == {}:
            continue  # most datasets carry few facet groups: skip the empty ones cheaply
        at = f"{where}.{key}"
        present = active_facets(document, key, at)
        if unread := present.keys() - facets.DATASET_FACETS:
            notes.unread.update(unread)
        for facet_name in facets.DATASET_FACETS:  # a tuple: the first bad facet is always the same
            facet = facet_object(present, facet_name, at)
            if facet is None:
                continue
            if facet_name == "dataQualityAssertions":
                found.extend(facets.assertions(facet, at))
            elif facet_name == "dataQualityMetrics":
                metrics = metrics or facets.metrics(facet, at, notes)
            elif facet_name == "ownership":
                owners = owners or facets.owners(facet, at)
            else:  # inputStatistics, outputStatistics
                statistics = statistics or facets.statistics(facet, f"{at}.{facet_name}")
    # The directory, not source.attribute: --product must not claim other products' datasets.
    product = source.directory.product_for(qualified, name)
    return Dataset(qualified, name, product, found, metrics, statistics, owners)
