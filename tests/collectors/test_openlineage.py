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
from openlineage.client.generated import data_quality_metrics_input_dataset as dqm
from openlineage.client.generated import (
    error_message_run,
    job_type_job,
    nominal_time_run,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
    sql_job,
    test_run,
)
from openlineage.client.serde import Serde

from collectors import Parsed, ProductDirectory, SourceContext, get_collector, normalise_alias
from collectors.openlineage import OpenLineageCollector
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import CheckResult, LineageObservation, PipelineRun
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


def warnings_of(result) -> list[str]:
    return result.warnings if isinstance(result, Parsed) else []


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
    # Severity warn: the assertion found issues without blocking the pipeline.
    assert (accepted.success, accepted.status) == (False, "warn")
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


# --- spec 2-0-x facets: severity, TestRunFacet, metrics, the facets read into run details ---


@pytest.mark.parametrize(
    ("success", "severity", "status"),
    [
        (True, "warn", "pass"),
        (False, None, "fail"),  # facet 1-0: no severity
        (False, "error", "fail"),
        (False, "ERROR", "fail"),  # dbt writes both cases
        (False, "warn", "warn"),
        (False, "warning", "warn"),
        (False, "critical", "fail"),  # unknown: a failure, and the file says so
    ],
)
def test_a_failed_assertion_warns_when_its_severity_says_so(success, severity, status):
    event = COMPLETE_WITH_ONE_ASSERTION(
        [{"assertion": "unique", "success": success} | _sev(severity)]
    )
    result = parse(json.dumps(event))
    [check] = of_type(result, CheckResult)
    assert (check.status, check.success) == (status, success)
    unknown = [w for w in warnings_of(result) if "neither warn nor error" in w]
    assert bool(unknown) == (severity == "critical" and not success)


def _sev(severity: str | None) -> dict:
    return {} if severity is None else {"severity": severity}


def COMPLETE_WITH_ONE_ASSERTION(assertions: list[dict]) -> dict:  # noqa: N802
    event = json.loads(json.dumps(EVENTS[1]))
    event["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"] = assertions
    event["outputs"][0]["facets"] = {}
    return event


def test_a_named_1_1_assertion_is_checked_by_its_name():
    same_kind = [
        {"assertion": "custom_sql", "name": "no_refund_above_total", "success": True},
        {"assertion": "custom_sql", "name": "no_order_in_the_future", "success": False},
    ]
    checks = of_type(parse(json.dumps(COMPLETE_WITH_ONE_ASSERTION(same_kind))), CheckResult)
    assert {c.check for c in checks} == {"no_refund_above_total", "no_order_in_the_future"}
    assert {c.details["assertion"] for c in checks} == {"custom_sql"}


def test_run_event(run_facets: dict | None = None, inputs=None, **overrides) -> RunEvent:
    return RunEvent(
        eventType=overrides.get("eventType", RunState.COMPLETE),
        eventTime="2026-11-24T04:00:00Z",
        run=Run(runId=RUN_OK, facets=run_facets or {}),
        job=overrides.get("job", Job(namespace="dbt", name="test.revenue_checks")),
        inputs=inputs if inputs is not None else [orders_input()],
        outputs=overrides.get("outputs", []),
        producer=PRODUCER,
    )


test_run_event.__test__ = False  # a builder, not a test


@pytest.mark.parametrize(
    ("status", "severity", "expected"),
    [
        ("pass", "error", "pass"),
        ("fail", "error", "fail"),
        ("fail", "warn", "warn"),
        ("skip", "error", "skipped"),
    ],
)
def test_each_test_of_the_test_run_facet_is_a_check_result(status, severity, expected):
    test = test_run.TestExecution(
        name="assert_revenue_matches_orders",
        status=status,
        severity=severity,
        expected="0",
        actual="3",
        params={"tolerance": 0.01},
    )
    event = test_run_event({"test": test_run.TestRunFacet(tests=[test])})
    [check] = of_type(parse(Serde.to_json(event)), CheckResult)
    assert (check.check, check.status, check.success) == (
        "assert_revenue_matches_orders",
        expected,
        expected == "pass",
    )
    # The one input is what the test is about: its product and its name as the suite.
    assert (check.product_id, check.suite) == ("orders", "shop.public.orders")
    assert check.details["params"] == {"tolerance": 0.01}
    assert (check.details["expected"], check.details["actual"]) == ("0", "3")


def test_a_test_with_an_unknown_status_is_left_out_saying_so():
    tests = [
        test_run.TestExecution(name="assert_a", status="pass"),
        test_run.TestExecution(name="assert_b", status="inconclusive"),
    ]
    result = parse(Serde.to_json(test_run_event({"test": test_run.TestRunFacet(tests=tests)})))
    assert [c.check for c in of_type(result, CheckResult)] == ["assert_a"]
    assert any("status inconclusive" in w for w in warnings_of(result))


def test_metrics_go_to_the_run_and_to_the_checks_of_the_measured_dataset():
    metrics = dqm.DataQualityMetricsInputDatasetFacet(
        rowCount=5000,
        bytes=1 << 20,
        columnMetrics={"order_id": dqm.ColumnMetrics(nullCount=0, distinctCount=5000)},
    )
    orders = InputDataset(
        namespace=WAREHOUSE,
        name="shop.public.orders",
        inputFacets={
            "dataQualityMetrics": metrics,
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(
                [dqa.Assertion(assertion="not_null", success=True, column="order_id")]
            ),
        },
    )
    revenue = OutputDataset(
        namespace=WAREHOUSE,
        name="analytics.revenue_daily",
        outputFacets={
            "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=31, size=4096
            )
        },
    )
    records = parse(Serde.to_json(test_run_event(inputs=[orders], outputs=[revenue])))
    [run] = of_type(records, PipelineRun)
    assert run.details["data_quality_metrics"][ORDERS]["rowCount"] == 5000
    assert run.details["output_statistics"][REVENUE] == {"rowCount": 31, "size": 4096}
    [check] = of_type(records, CheckResult)
    assert check.element_count == 5000
    assert check.details["column_metrics"]["distinctCount"] == 5000  # that column's metrics


def test_metrics_without_a_run_to_keep_them_are_said_to_be_lost():
    event = json.loads(json.dumps(EVENTS[1])) | {"eventType": "OTHER"}
    event["inputs"][1]["inputFacets"] = {
        "dataQualityMetrics": {"rowCount": 7, "columnMetrics": {}},
        "inputStatistics": {"rowCount": 7},
    }
    result = parse(json.dumps(event))
    [warning] = [w for w in warnings_of(result) if "not stored" in w]
    assert "dataQualityMetrics" in warning and "inputStatistics" in warning


def test_a_metrics_facet_without_column_metrics_is_read_with_a_warning():
    event = json.loads(json.dumps(EVENTS[1]))
    event["inputs"][1]["inputFacets"] = {"dataQualityMetrics": {"rowCount": 7, "fileCount": 1}}
    result = parse(json.dumps(event))
    [run] = of_type(result, PipelineRun)
    assert run.details["data_quality_metrics"][FX_RATES] == {
        "rowCount": 7,
        "fileCount": 1,
        "columnMetrics": {},
    }
    assert any("dataQualityMetrics.columnMetrics" in w for w in warnings_of(result))


def test_run_and_job_facets_fill_the_run_details():
    facets = {
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=RUN_FAILED),
            job=parent_run.Job(namespace="airflow", name="revenue_dag"),
            root=parent_run.Root(
                run=parent_run.RootRun(runId=RUN_OK),
                job=parent_run.RootJob(namespace="airflow", name="nightly"),
            ),
        ),
        "nominalTime": nominal_time_run.NominalTimeRunFacet(
            nominalStartTime="2026-11-24T03:00:00Z"
        ),
    }
    job = Job(
        namespace="dbt",
        name="revenue_daily.build",
        facets={
            "jobType": job_type_job.JobTypeJobFacet(
                processingType="BATCH", integration="DBT", jobType="MODEL"
            )
        },
    )
    [run] = of_type(parse(Serde.to_json(test_run_event(facets, job=job))), PipelineRun)
    assert (run.details["parent_run_id"], run.details["parent_job"]) == (
        RUN_FAILED,
        "airflow/revenue_dag",
    )
    assert (run.details["root_run_id"], run.details["root_job"]) == (RUN_OK, "airflow/nightly")
    assert run.details["nominal_start_time"] == "2026-11-24T03:00:00Z"
    assert run.details["job_type"]["integration"] == "DBT"


def test_unread_facets_are_named_once_per_file_and_deleted_ones_not_at_all():
    job = Job(
        namespace="dbt", name="revenue_daily.build", facets={"sql": sql_job.SQLJobFacet("SELECT 1")}
    )
    schema = schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name="order_id", type="bigint")]
    )
    orders = InputDataset(namespace=WAREHOUSE, name="shop.public.orders", facets={"schema": schema})
    event = json.loads(Serde.to_json(test_run_event(job=job, inputs=[orders])))
    event["inputs"][0]["facets"]["storage"] = {"_deleted": True}
    content = "\n".join(
        json.dumps(event | {"eventTime": f"2026-11-24T0{h}:00:00Z"}) for h in range(3)
    )
    result = parse(content)
    assert warnings_of(result) == ["facets meshgov does not read were left out: schema, sql"]


def test_a_refused_event_adds_no_warning():
    bad = json.loads(
        Serde.to_json(
            test_run_event(
                job=Job(namespace="dbt", name="x", facets={"sql": sql_job.SQLJobFacet("SELECT 1")})
            )
        )
    )
    bad["run"]["runId"] = 7
    result = parse(json.dumps(EVENTS[0]) + "\n" + json.dumps(bad))
    assert isinstance(result, Parsed) and len(result.problems) == 1
    assert result.warnings == []


@pytest.mark.parametrize(
    ("facets_at", "facet", "value", "reason"),
    [
        (
            ("run", "facets"),
            "parent",
            {"job": {"namespace": "a", "name": "b"}},
            "run.facets.parent.run is missing",
        ),
        (
            ("run", "facets"),
            "parent",
            {"run": {"runId": "r"}, "job": {"namespace": "a"}},
            "run.facets.parent.job.name is missing",
        ),
        (
            ("run", "facets"),
            "errorMessage",
            {"message": 42},
            "run.facets.errorMessage.message must be a string",
        ),
        (
            ("run", "facets"),
            "nominalTime",
            {"nominalEndTime": "2026-11-24T04:00:00Z"},
            "run.facets.nominalTime.nominalStartTime is missing",
        ),
        (
            ("run", "facets"),
            "processing_engine",
            {"name": "spark"},
            "run.facets.processing_engine.version is missing",
        ),
        (
            ("run", "facets"),
            "test",
            {"tests": [{"name": "t"}]},
            "run.facets.test.tests[0].status is missing",
        ),
        (("run", "facets"), "test", {"tests": {}}, "run.facets.test.tests must be an array"),
        (
            ("job", "facets"),
            "jobType",
            {"processingType": "BATCH"},
            "job.facets.jobType.integration is missing",
        ),
        (
            ("job", "facets"),
            "ownership",
            {"owners": [{"type": "team"}]},
            "job.facets.ownership.owners[0].name is missing",
        ),
        (
            ("inputs", 1, "inputFacets"),
            "dataQualityMetrics",
            {"rowCount": "10", "columnMetrics": {}},
            "inputs[1].inputFacets.dataQualityMetrics.rowCount must be an integer, found a string",
        ),
        (
            ("inputs", 1, "inputFacets"),
            "dataQualityMetrics",
            {"columnMetrics": {"id": 3}},
            "dataQualityMetrics.columnMetrics.id must be an object",
        ),
        (
            ("outputs", 0, "outputFacets"),
            "outputStatistics",
            {"rowCount": 1.5},
            "outputs[0].outputFacets.outputStatistics.rowCount must be an integer, found a number",
        ),
        (
            ("inputs", 0, "inputFacets", "dataQualityAssertions", "assertions", 0),
            "severity",
            2,
            "assertions[0].severity must be a string, found a number",
        ),
        (
            ("inputs", 0, "inputFacets", "dataQualityAssertions", "assertions", 0),
            "expected",
            1000,
            "assertions[0].expected must be a string, found a number",
        ),
    ],
)
def test_a_malformed_facet_meshgov_reads_refuses_its_event_naming_the_field(
    facets_at, facet, value, reason
):
    event = json.loads(json.dumps(EVENTS[1]))
    container = event
    for step in facets_at:
        container = container[step]
    container[facet] = value
    with pytest.raises(CollectorParseError) as refused:
        parse(json.dumps(event))
    assert reason in refused.value.reason


def test_a_facet_on_its_own_is_not_evidence_but_a_bad_line_among_events():
    fragment = {"dataQualityAssertions": Serde.to_dict(dqa.DataQualityAssertionsDatasetFacet([]))}
    with pytest.raises(
        NotEvidence, match=r"not an OpenLineage event but a facet \(dataQualityAssertions\)"
    ):
        parse(json.dumps(fragment, indent=2))
    result = parse(json.dumps(EVENTS[0]) + "\n" + json.dumps(fragment))
    assert isinstance(result, Parsed) and result.problems[0].position == "line 2"
    assert "not an OpenLineage event but a facet" in result.problems[0].reason
