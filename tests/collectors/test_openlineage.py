"""The OpenLineage collector's parse step, over events openlineage-python itself serialises.

Facet 1-1 events are built here with the project's openlineage-python; the facet 1-0 events
under tests/fixtures/openlineage/ were written by openlineage-python 1.20.5 (record.sh).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.generated import data_quality_assertions_dataset as dqa
from openlineage.client.generated import error_message_run
from openlineage.client.serde import Serde

from collectors import (
    CollectorParseError,
    NotEvidence,
    Parsed,
    ProductDirectory,
    SourceContext,
    get_collector,
    normalise_alias,
)
from collectors.openlineage import OpenLineageCollector
from governance.model import CheckResult, LineageObservation, PipelineRun
from tests.collectors.properties import (
    bad_input_names,
    check_bad_input,
    check_bad_inputs_listed,
    json_paths,
    json_values,
    mutated,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
WAREHOUSE = "postgres://warehouse:5432"
ORDERS = f"{WAREHOUSE}/shop.public.orders"
REVENUE = f"{WAREHOUSE}/analytics.revenue_daily"
FX_RATES = "s3://raw/fx_rates"
RUN_OK = "0192d5a0-0000-7000-8000-0000000000aa"
RUN_FAILED = "0192d5a0-0000-7000-8000-0000000000bb"
PRODUCER = "https://github.com/example/meshgov-tests"
# orders is known by its qualified location, revenue by its bare table name.
DIRECTORY = ProductDirectory(
    products=frozenset({"orders", "revenue"}),
    aliases={normalise_alias(ORDERS): "orders", "analytics.revenue_daily": "revenue"},
)
JSON_VALUES = json_values(max_leaves=100)


def parse(content: bytes | str, product: str | None = None, directory=DIRECTORY):
    if isinstance(content, str):
        content = content.encode()
    context = SourceContext(path="events.jsonl", product_id=product, directory=directory)
    return OpenLineageCollector().parse(content, context)


def records_of(result) -> list:
    return result.records if isinstance(result, Parsed) else result


def of_type(records, kind) -> list:
    return [r for r in records_of(records) if isinstance(r, kind)]


def orders_input(assertions: list[dqa.Assertion] | None = None) -> InputDataset:
    facets = {"dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(assertions)}
    return InputDataset(
        namespace=WAREHOUSE, name="shop.public.orders", inputFacets=facets if assertions else {}
    )


def build_events() -> list[RunEvent]:
    """START and COMPLETE of one run (facet 1-1 in inputFacets and output facets), one FAIL."""
    job = Job(namespace="dbt", name="revenue_daily.build")
    fx_rates = InputDataset(namespace="s3://raw", name="fx_rates")
    revenue = OutputDataset(namespace=WAREHOUSE, name="analytics.revenue_daily")
    checked_orders = orders_input(
        [
            dqa.Assertion(assertion="not_null", success=True, column="order_id", severity="error"),
            dqa.Assertion(
                assertion="accepted_values",
                success=False,
                column="status",
                severity="warn",
                expected="['paid','refunded']",
                actual="1",
                params={"values": ["paid", "refunded"]},
            ),
        ]
    )
    checked_revenue = OutputDataset(
        namespace=WAREHOUSE,
        name="analytics.revenue_daily",
        facets={
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(
                [dqa.Assertion(assertion="row_count", success=True, expected=">0", actual="31")]
            )
        },
    )
    failure = error_message_run.ErrorMessageRunFacet(
        message="division by zero", programmingLanguage="SQL"
    )
    return [
        RunEvent(
            eventType=RunState.START,
            eventTime="2026-11-24T03:00:00.000Z",
            run=Run(runId=RUN_OK),
            job=job,
            inputs=[orders_input(), fx_rates],
            outputs=[revenue],
            producer=PRODUCER,
        ),
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime="2026-11-24T05:04:30+02:00",
            run=Run(runId=RUN_OK),
            job=job,
            inputs=[checked_orders, fx_rates],
            outputs=[checked_revenue],
            producer=PRODUCER,
        ),
        RunEvent(
            eventType=RunState.FAIL,
            eventTime="2026-11-25T03:02:00Z",
            run=Run(runId=RUN_FAILED, facets={"errorMessage": failure}),
            job=job,
            inputs=[orders_input()],
            outputs=[revenue],
            producer=PRODUCER,
        ),
    ]


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(Serde.to_json(event) + "\n" for event in build_events()))
    return path


def event_dicts() -> list[dict]:
    return [json.loads(Serde.to_json(event)) for event in build_events()]


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("openlineage"), OpenLineageCollector)


def test_start_and_complete_of_one_run_share_the_natural_key(events_file: Path):
    runs = of_type(parse(events_file.read_bytes()), PipelineRun)
    start, complete, failed = runs
    assert start.natural_key == complete.natural_key != failed.natural_key
    assert (start.state, start.started_at, start.ended_at) == (
        "running",
        datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        None,
    )
    # +02:00 in the event, UTC in the record.
    assert (complete.state, complete.started_at, complete.ended_at) == (
        "success",
        None,
        datetime(2026, 11, 24, 3, 4, 30, tzinfo=UTC),
    )
    assert {r.job for r in runs} == {"dbt/revenue_daily.build"}
    assert {r.product_id for r in runs} == {"revenue"}  # the product of the output dataset
    assert {r.source_tool for r in runs} == {"openlineage"}
    assert complete.details["producer"] == PRODUCER


def test_a_failed_run_keeps_its_error_message(events_file: Path):
    failed = of_type(parse(events_file.read_bytes()), PipelineRun)[-1]
    assert (failed.run_id, failed.state) == (RUN_FAILED, "failed")
    assert failed.ended_at == datetime(2026, 11, 25, 3, 2, tzinfo=UTC)
    assert failed.details["error_message"] == "division by zero"


def test_lineage_between_two_products_and_from_an_unclaimed_dataset(events_file: Path):
    edges = of_type(parse(events_file.read_bytes()), LineageObservation)
    seen = {(e.upstream_product, e.downstream_product, e.dataset) for e in edges}
    assert seen == {("orders", "revenue", ORDERS), (None, "revenue", FX_RATES)}
    orders_edges = [e for e in edges if e.dataset == ORDERS]
    # Three sightings of one edge: one natural key, the store widens first/last seen.
    assert len(orders_edges) == 3 and len({e.natural_key for e in orders_edges}) == 1
    assert {e.job for e in edges} == {"dbt/revenue_daily.build"}


def test_assertions_facet_1_1_in_input_facets_and_output_facets(events_file: Path):
    checks = {c.check: c for c in of_type(parse(events_file.read_bytes()), CheckResult)}
    assert set(checks) == {"not_null", "accepted_values", "row_count"}
    accepted = checks["accepted_values"]
    assert (accepted.product_id, accepted.suite, accepted.column) == (
        "orders",
        "shop.public.orders",
        "status",
    )
    assert (accepted.success, accepted.status) == (False, "fail")
    assert accepted.details["params"] == {"values": ["paid", "refunded"]}
    assert (accepted.details["severity"], accepted.details["expected"]) == (
        "warn",
        "['paid','refunded']",
    )
    assert accepted.details["actual"] == "1" and accepted.details["run_id"] == RUN_OK
    assert accepted.run_time == datetime(2026, 11, 24, 3, 4, 30, tzinfo=UTC)
    row_count = checks["row_count"]
    assert (row_count.product_id, row_count.suite, row_count.column) == (
        "revenue",
        "analytics.revenue_daily",
        None,
    )
    assert row_count.status == "pass" and row_count.details["dataset"] == REVENUE
    assert {c.source_tool for c in checks.values()} == {"openlineage"}


def test_assertions_facet_1_0_recorded_by_openlineage_python_1_20():
    content = (FIXTURES / "openlineage" / "events_facet_1_0.jsonl").read_bytes()
    assert b"1-0-1/DataQualityAssertionsDatasetFacet" in content
    records = parse(content)
    checks = {(c.check, c.column): c for c in of_type(records, CheckResult)}
    assert set(checks) == {
        ("not_null", "order_id"),
        ("row_count_above_zero", None),
        ("non_negative", "revenue"),
    }
    assert checks[("not_null", "order_id")].product_id == "orders"
    assert checks[("not_null", "order_id")].details["params"] == {}
    # Under the output dataset's `facets`, where some producers put it.
    assert (
        checks[("non_negative", "revenue")].product_id,
        checks[("non_negative", "revenue")].status,
    ) == (
        "revenue",
        "fail",
    )
    runs = of_type(records, PipelineRun)
    assert [r.state for r in runs] == ["running", "success", "failed"]
    assert runs[2].ended_at == datetime(2026, 11, 25, 3, 2, tzinfo=UTC)  # written as +02:00


def test_assertions_under_input_facets_key_are_read_too():
    event = event_dicts()[1]
    dataset = event["inputs"][0]
    dataset["facets"]["dataQualityAssertions"] = dataset["inputFacets"].pop("dataQualityAssertions")
    checks = of_type(parse(json.dumps(event)), CheckResult)
    assert {c.check for c in checks} == {"not_null", "accepted_values", "row_count"}


def test_a_single_event_file_and_a_json_array(events_file: Path):
    events = event_dicts()
    single = parse(json.dumps(events[2], indent=2))
    assert [r.state for r in of_type(single, PipelineRun)] == ["failed"]
    array = parse(json.dumps(events))
    assert records_of(array) == records_of(parse(events_file.read_bytes()))


def test_a_bad_pretty_printed_event_is_named_event_1_not_line_1():
    event = EVENTS[2] | {"eventTime": "2026-11-25T03:02:00"}
    with pytest.raises(CollectorParseError) as refused:
        parse(json.dumps(event, indent=2))
    assert refused.value.position == "event 1" and "has no time zone" in refused.value.reason


def test_the_source_product_is_the_fallback_not_an_override():
    event = event_dicts()[1]
    unknown = ProductDirectory()
    runs = of_type(parse(json.dumps(event), product="revenue", directory=unknown), PipelineRun)
    assert runs[0].product_id == "revenue"
    # --product names the run's product; it does not claim the datasets the run reads.
    edges = of_type(
        parse(json.dumps(event), product="revenue", directory=unknown), LineageObservation
    )
    assert {(e.upstream_product, e.downstream_product) for e in edges} == {(None, "revenue")}
    # A dataset the directory knows keeps its product even when --product names another.
    runs = of_type(parse(json.dumps(event), product="marketing"), PipelineRun)
    assert runs[0].product_id == "revenue"


def test_unattributed_evidence_is_kept_not_dropped():
    records = parse(json.dumps(event_dicts()[1]), directory=ProductDirectory())
    assert {r.product_id for r in of_type(records, PipelineRun)} == {None}
    assert {r.product_id for r in of_type(records, CheckResult)} == {None}
    # Lineage between two unknowns says nothing about products.
    assert of_type(records, LineageObservation) == []


def test_an_input_only_job_draws_no_edge_to_an_unknown_consumer():
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime="2026-11-24T03:30:00Z",
        run=Run(runId=RUN_OK),
        job=Job(namespace="dbt", name="test.not_null_orders_order_id"),
        inputs=[orders_input([dqa.Assertion(assertion="not_null", success=True)])],
        outputs=[],
        producer=PRODUCER,
    )
    records = parse(Serde.to_json(event))
    assert of_type(records, LineageObservation) == []
    assert [c.product_id for c in of_type(records, CheckResult)] == ["orders"]


@pytest.mark.parametrize(("event_type", "state"), [("RUNNING", "running"), ("ABORT", "aborted")])
def test_running_and_abort(event_type: str, state: str):
    event = event_dicts()[0] | {"eventType": event_type}
    [run] = of_type(parse(json.dumps(event)), PipelineRun)
    assert run.state == state and run.started_at is None
    assert (run.ended_at is not None) == (state == "aborted")


def test_other_events_and_static_job_and_dataset_events_carry_no_run_state():
    other = event_dicts()[1] | {"eventType": "OTHER"}
    records = parse(json.dumps(other))
    assert of_type(records, PipelineRun) == [] and of_type(records, LineageObservation)
    job_event = JobEvent(
        eventTime="2026-11-24T03:00:00Z",
        job=Job(namespace="dbt", name="revenue_daily.build"),
        inputs=[InputDataset(namespace=WAREHOUSE, name="shop.public.orders")],
        outputs=[OutputDataset(namespace=WAREHOUSE, name="analytics.revenue_daily")],
        producer=PRODUCER,
    )
    [edge] = records_of(parse(Serde.to_json(job_event)))
    assert (edge.upstream_product, edge.downstream_product) == ("orders", "revenue")
    dataset_event = DatasetEvent(
        eventTime="2026-11-24T03:00:00Z",
        dataset=StaticDataset(
            namespace=WAREHOUSE,
            name="shop.public.orders",
            facets={
                "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(
                    [dqa.Assertion(assertion="unique", success=True, column="order_id")]
                )
            },
        ),
        producer=PRODUCER,
    )
    [check] = records_of(parse(Serde.to_json(dataset_event)))
    assert (check.product_id, check.check, check.column) == ("orders", "unique", "order_id")


def test_a_bad_line_costs_that_line_only(events_file: Path):
    lines = events_file.read_text().splitlines()
    zoneless = json.loads(lines[1])
    zoneless["eventTime"] = "2026-11-24T03:04:30"
    lines[1] = json.dumps(zoneless)
    result = parse("\n".join(lines))
    assert isinstance(result, Parsed)
    [problem] = result.problems
    assert problem.position == "line 2" and "has no time zone" in problem.reason
    assert [r.state for r in of_type(result, PipelineRun)] == ["running", "failed"]


def test_parsing_twice_gives_the_same_keys_and_distinct_evidence_distinct_keys(events_file: Path):
    def keys(records):
        return [getattr(r, "natural_key", None) or r.check_key for r in records_of(records)]

    first, second = keys(parse(events_file.read_bytes())), keys(parse(events_file.read_bytes()))
    assert first == second
    checks = of_type(parse(events_file.read_bytes()), CheckResult)
    assert len({c.check_key for c in checks}) == len(checks)


EVENTS = event_dicts()
MUTABLE = [
    (index, path) for index, event in enumerate(EVENTS) for path in json_paths(event) if path
]


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("eventTime",), None, "eventTime is missing"),
        (("eventTime",), "yesterday", "not an ISO 8601 time: 'yesterday'"),
        (("eventTime",), 1764000000, "expected an ISO 8601 time string, found a number"),
        (("eventType",), "DONE", "eventType 'DONE' is not one of"),
        (("run",), None, "run is missing"),
        (("run", "runId"), 7, "run.runId must be a string, found a number"),
        (("job", "name"), "", "job.name is empty"),
        (("inputs",), {}, "inputs must be an array"),
        (("inputs", 0, "namespace"), None, "inputs[0].namespace is missing"),
        (
            ("inputs", 0, "inputFacets", "dataQualityAssertions", "assertions", 1, "success"),
            "false",
            "inputs[0].inputFacets.dataQualityAssertions.assertions[1].success must be true or false",
        ),
        (
            ("inputs", 0, "inputFacets", "dataQualityAssertions", "assertions", 0, "params"),
            [],
            "params must be an object",
        ),
    ],
)
def test_bad_events_are_refused_naming_the_field(path: tuple, value: object, reason: str):
    event = mutated(EVENTS[1], path, value, drop=value is None)
    with pytest.raises(CollectorParseError) as refused:
        parse(json.dumps(event))
    assert reason in refused.value.reason and refused.value.position == "line 1"


def test_not_an_event_and_empty_files_are_refused():
    with pytest.raises(CollectorParseError, match="not an OpenLineage event"):
        parse('{"suite_name": "orders", "results": []}')
    with pytest.raises(CollectorParseError, match="holds no OpenLineage events"):
        parse(b"\n\n")
    result = parse(json.dumps([EVENTS[0], 42]))
    assert isinstance(result, Parsed) and len(result.records) == 3  # the run and two edges
    assert (
        str(result.problems[0]) == "event 2: expected an OpenLineage event object, found a number"
    )


def test_bad_input_corpus_lists_every_file():
    check_bad_inputs_listed("openlineage")


@pytest.mark.parametrize("name", bad_input_names("openlineage"))
def test_bad_input_corpus(name: str):
    check_bad_input(parse, "openlineage", name)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary())
def test_any_bytes_are_read_or_refused(content: bytes):
    try:
        parse(content)
    except (CollectorParseError, NotEvidence):
        pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_any_json_is_read_or_refused(value: object):
    for content in (json.dumps(value), json.dumps(value) + "\n" + json.dumps(EVENTS[0])):
        try:
            parse(content)
        except (CollectorParseError, NotEvidence):
            pass


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MUTABLE), JSON_VALUES, st.booleans())
def test_mutated_real_events_are_read_or_refused(target: tuple, value: object, drop: bool):
    index, path = target
    content = json.dumps(mutated(EVENTS[index], path, value, drop))
    try:
        result = parse(content, product="orders")
    except (CollectorParseError, NotEvidence):
        return
    for record in records_of(result):
        assert record.source == "events.jsonl"
        time = getattr(record, "run_time", None) or getattr(record, "observed_at", None)
        assert time is None or time.tzinfo is not None
        assert getattr(record, "natural_key", None) or record.check_key
