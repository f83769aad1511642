"""OpenLineage events: pipeline runs, lineage between products, data quality assertions.

Reads what OpenLineage producers and clients write (``Serde.to_json`` of openlineage-python,
the file transport, Marquez exports): JSON lines with one event per line, or a file holding
a single JSON event, or a JSON array of events. Spec 2-0-x ``RunEvent``; the static
``JobEvent`` (job with inputs/outputs, no run) and ``DatasetEvent`` are read too.

- ``eventTime`` is required and must carry a zone (``Z`` or ``+02:00``), as the spec says;
  a zoneless time is refused for that event, never read as UTC.
- Each RunEvent becomes a PipelineRun: job ``<job.namespace>/<job.name>``, ``run.runId``,
  state START/RUNNING → running, COMPLETE → success, FAIL → failed, ABORT → aborted;
  ``started_at`` is the eventTime of START, ``ended_at`` that of COMPLETE/FAIL/ABORT. The
  store merges the events of one run (same tool, job and run id) into one row. OTHER (or no
  eventType) says nothing about the run's state: it yields no PipelineRun, only its lineage
  and assertions. FAIL keeps the ``errorMessage`` run facet's message in details.
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
  and under ``inputs[].facets`` / ``outputs[].facets`` (where some producers put them), both
  facet 1-0 (assertion, success, column) and 1-1 (adds severity, expected, actual, params,
  name, description, content) → one CheckResult each: suite = dataset name, check =
  assertion, status pass/fail, run_time = eventTime; the product is the dataset's, else the
  source's. The facet has no counts, so unexpected/element counts stay empty.

Options: none. One bad event is one problem naming its line ("line 7: job.name is missing"),
or "event N" inside a JSON array; the other events still land.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors import CollectorParseError, Parsed, SourceContext
from collectors.json_lines import gave_up, json_objects, json_type, parse_zoned_time
from collectors.json_text import loads
from governance.model import CheckResult, LineageObservation, PipelineRun, Record, RunState

TOOL = "openlineage"
_RUN_STATES: dict[str, RunState] = {
    "START": "running",
    "RUNNING": "running",
    "COMPLETE": "success",
    "FAIL": "failed",
    "ABORT": "aborted",
}
_EVENT_TYPES = (*_RUN_STATES, "OTHER")
_ASSERTION_DETAILS = ("severity", "expected", "actual", "name", "description", "content")


class _EventError(ValueError):
    """One event cannot be read; the message names the field."""


class OpenLineageCollector:
    """OpenLineage RunEvents (and Job/Dataset events) as JSON lines, one event or an array."""

    name = "openlineage"
    description = (
        "OpenLineage events (JSON lines, a single event or an array): runs, lineage between "
        "products, dataQualityAssertions"
    )
    file_suffixes = (".jsonl", ".ndjson", ".json")

    def parse(self, content: bytes, source: SourceContext) -> list[Record] | Parsed:
        """Runs, lineage observations and check results; one problem per unreadable event."""
        records: list[Record] = []
        problems: list[CollectorParseError] = []
        events_read = 0
        for position, event in _events(content):
            if gave_up(problems, position):
                break
            if isinstance(event, CollectorParseError):
                problems.append(event)
                continue
            try:
                records.extend(_event_records(event, source))
            except _EventError as exc:
                problems.append(CollectorParseError(str(exc), position))
                continue
            events_read += 1
        if not events_read:
            if not problems:
                raise CollectorParseError("the file holds no OpenLineage events")
            first = problems[0]
            more = f" (and {len(problems) - 1} more bad events)" if len(problems) > 1 else ""
            raise CollectorParseError(
                f"no readable OpenLineage event: {first.reason}{more}", first.position
            )
        return Parsed(records=records, problems=problems) if problems else records


def _events(content: bytes) -> Iterator[tuple[str, dict[str, Any] | CollectorParseError]]:
    """Events with their position: a whole-file event or array first, else JSON lines."""
    try:
        whole = loads(content.decode("utf-8-sig"), constants="text")
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, JsonRefused
        whole = None  # not one JSON document: read it line by line
    if isinstance(whole, dict):
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


def _event_records(event: dict[str, Any], source: SourceContext) -> list[Record]:
    if not any(key in event for key in ("eventTime", "run", "job", "dataset")):
        raise _EventError("not an OpenLineage event: no eventTime, run, job or dataset")
    if event.get("eventTime") is None:
        raise _EventError("eventTime is missing")
    try:
        event_time = parse_zoned_time(event["eventTime"])
    except ValueError as exc:
        raise _EventError(f"eventTime: {exc}") from None
    if "run" not in event and "job" not in event and "dataset" in event:
        # A DatasetEvent: static metadata about one dataset, possibly with assertions.
        dataset = _object(event, "dataset", "")
        found = _dataset(dataset, "dataset", source)
        return _checks(found, [("facets", "dataset.facets")], event_time, source, {})
    job_object = _object(event, "job", "")
    job = f"{_text(job_object, 'namespace', 'job.')}/{_text(job_object, 'name', 'job.')}"
    event_type = event.get("eventType")
    if event_type is not None and event_type not in _EVENT_TYPES:
        raise _EventError(f"eventType {event_type!r} is not one of {', '.join(_EVENT_TYPES)}")
    # A JobEvent (static lineage) has neither a run nor an eventType.
    has_run = "run" in event or event_type is not None
    run_id = _text(_object(event, "run", ""), "runId", "run.") if has_run else None
    inputs = _datasets(event, "inputs", source)
    outputs = _datasets(event, "outputs", source)
    output_products = list(dict.fromkeys(d.product for d in outputs if d.product))
    run_product = output_products[0] if output_products else source.product_id
    records: list[Record] = []
    if run_id is not None and event_type in _RUN_STATES:
        records.append(
            _pipeline_run(event, event_type, job, run_id, run_product, event_time, source)
        )
    run_details = {"job": job, "run_id": run_id} if run_id else {"job": job}
    for index, found in enumerate(inputs):
        where = f"inputs[{index}]"
        locations = [("inputFacets", f"{where}.inputFacets"), ("facets", f"{where}.facets")]
        records.extend(_checks(found, locations, event_time, source, run_details))
    for index, found in enumerate(outputs):
        locations = [("facets", f"outputs[{index}].facets")]
        records.extend(_checks(found, locations, event_time, source, run_details))
    # Without outputs or a source product nothing says where the data went (a test job, or
    # a START that leaves outputs to COMPLETE): no edge rather than a guessed unknown consumer.
    downstream = output_products or ([run_product] if outputs or run_product else [])
    records.extend(_lineage(inputs, downstream, job, event_time, source))
    return records


def _lineage(
    inputs: list[_Dataset],
    downstream: list[str | None],
    job: str,
    event_time: datetime,
    source: SourceContext,
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
                observed_at=event_time,
                source_tool=TOOL,
                source=source.path,
            )
            edges.setdefault(edge.natural_key, edge)
    return list(edges.values())


def _pipeline_run(
    event: dict[str, Any],
    event_type: str,
    job: str,
    run_id: str,
    product: str | None,
    event_time: datetime,
    source: SourceContext,
) -> PipelineRun:
    run_facets = event["run"].get("facets")
    run_facets = run_facets if isinstance(run_facets, dict) else {}
    # No eventType here: the store merges the events of a run, and the last one read would win.
    details: dict[str, Any] = {}
    if isinstance(event.get("producer"), str):
        details["producer"] = event["producer"]
    error = run_facets.get("errorMessage")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        details["error_message"] = error["message"]
    parent = run_facets.get("parent")
    parent_run = parent.get("run") if isinstance(parent, dict) else None
    if isinstance(parent_run, dict) and isinstance(parent_run.get("runId"), str):
        details["parent_run_id"] = parent_run["runId"]
    state = _RUN_STATES[event_type]
    return PipelineRun(
        product_id=product,
        job=job,
        run_id=run_id,
        state=state,
        started_at=event_time if event_type == "START" else None,
        ended_at=event_time if state in ("success", "failed", "aborted") else None,
        source_tool=TOOL,
        source=source.path,
        details=details,
    )


@dataclass(frozen=True)
class _Dataset:
    qualified: str  # namespace/name
    name: str
    product: str | None
    document: dict[str, Any]


def _datasets(event: dict[str, Any], key: str, source: SourceContext) -> list[_Dataset]:
    value = event.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _EventError(f"{key} must be an array, found {json_type(value)}")
    found = []
    for index, dataset in enumerate(value):
        if not isinstance(dataset, dict):
            raise _EventError(f"{key}[{index}] must be an object, found {json_type(dataset)}")
        found.append(_dataset(dataset, f"{key}[{index}]", source))
    return found


def _dataset(document: dict[str, Any], where: str, source: SourceContext) -> _Dataset:
    namespace = _text(document, "namespace", f"{where}.")
    name = _text(document, "name", f"{where}.")
    qualified = f"{namespace}/{name}"
    # The directory, not source.attribute: --product must not claim other products' datasets.
    return _Dataset(qualified, name, source.directory.product_for(qualified, name), document)


def _checks(
    dataset: _Dataset,
    locations: list[tuple[str, str]],
    event_time: datetime,
    source: SourceContext,
    run_details: dict[str, Any],
) -> list[CheckResult]:
    """CheckResults from the dataQualityAssertions facet at each (key, position) location."""
    results = []
    for key, where in locations:
        for assertion in _assertions(dataset.document.get(key), where):
            results.append(_check(assertion, dataset, event_time, source, run_details))
    return results


def _assertions(facets: Any, where: str) -> list[dict[str, Any]]:
    """The assertions of a dataQualityAssertions facet, validated (1-0 and 1-1 shapes)."""
    if facets is None:
        return []
    if not isinstance(facets, dict):
        raise _EventError(f"{where} must be an object, found {json_type(facets)}")
    facet = facets.get("dataQualityAssertions")
    if facet is None:
        return []
    where = f"{where}.dataQualityAssertions"
    if not isinstance(facet, dict) or not isinstance(facet.get("assertions"), list):
        raise _EventError(f"{where}.assertions must be an array")
    for index, assertion in enumerate(facet["assertions"]):
        at = f"{where}.assertions[{index}]"
        if not isinstance(assertion, dict):
            raise _EventError(f"{at} must be an object, found {json_type(assertion)}")
        _text(assertion, "assertion", f"{at}.")
        if not isinstance(assertion.get("success"), bool):
            raise _EventError(f"{at}.success must be true or false")
        column = assertion.get("column")
        if column is not None and not isinstance(column, str):
            raise _EventError(f"{at}.column must be a string, found {json_type(column)}")
        params = assertion.get("params")
        if params is not None and not isinstance(params, dict):
            raise _EventError(f"{at}.params must be an object, found {json_type(params)}")
    return facet["assertions"]


def _check(
    assertion: dict[str, Any],
    dataset: _Dataset,
    event_time: datetime,
    source: SourceContext,
    run_details: dict[str, Any],
) -> CheckResult:
    details: dict[str, Any] = {
        "params": assertion.get("params") or {},
        "dataset": dataset.qualified,
        **run_details,
    }
    for key in _ASSERTION_DETAILS:
        if assertion.get(key) is not None:
            details[key] = assertion[key]
    return CheckResult(
        # The assertion is about this dataset: its product, else the source's.
        product_id=dataset.product or source.product_id,
        port=None,
        source_tool=TOOL,
        suite=dataset.name,
        check=assertion["assertion"],
        column=assertion.get("column") or None,
        success=assertion["success"],
        status="pass" if assertion["success"] else "fail",
        unexpected_count=None,
        unexpected_percent=None,
        element_count=None,
        run_time=event_time,
        source=source.path,
        details=details,
    )


def _object(container: dict[str, Any], key: str, prefix: str) -> dict[str, Any]:
    value = container.get(key)
    if value is None:
        raise _EventError(f"{prefix}{key} is missing")
    if not isinstance(value, dict):
        raise _EventError(f"{prefix}{key} must be an object, found {json_type(value)}")
    return value


def _text(container: dict[str, Any], key: str, prefix: str) -> str:
    value = container.get(key)
    if value is None:
        raise _EventError(f"{prefix}{key} is missing")
    if not isinstance(value, str):
        raise _EventError(f"{prefix}{key} must be a string, found {json_type(value)}")
    if not value.strip():
        raise _EventError(f"{prefix}{key} is empty")
    return value
