"""The OTLP logs collector's parse step, over files the OpenTelemetry SDK's own exporter writes."""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry._logs import LogRecord as OtelLogRecord
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from collectors import Parsed, ProductDirectory, SourceContext, get_collector
from collectors.otlp_logs import OtlpLogsCollector
from governance.errors import CollectorParseError, NotEvidence
from tests.collectors.properties import (
    bad_input_names,
    check_bad_input,
    check_bad_inputs_listed,
    json_paths,
    json_values,
    mutated,
    replaced,
)

DIRECTORY = ProductDirectory(products=frozenset({"orders", "revenue"}))
RUN_ID = "0192d5a0-0000-7000-8000-0000000000aa"
OBSERVED_NS = 1795491063000393849  # 2026-11-24T03:31:03.000393Z
JSON_VALUES = json_values(max_leaves=100)


def parse(content: bytes | str, product: str | None = None, directory=DIRECTORY):
    if isinstance(content, str):
        content = content.encode()
    context = SourceContext(path="logs.jsonl", product_id=product, directory=directory)
    return OtlpLogsCollector().parse(content, context)


def records_of(result) -> list:
    return result.records if isinstance(result, Parsed) else result


def write_logs(path: Path) -> tuple[str, str]:
    """Logs of two services through the SDK's OTLP JSON file exporter; the span's ids."""
    resource = Resource.create({"service.name": "revenue-pipeline", "data_product": "revenue"})
    provider = LoggerProvider(resource=resource)
    # Batched: several records in one ExportLogsServiceRequest line.
    provider.add_log_record_processor(BatchLogRecordProcessor(FileLogExporter(path)))
    handler = LoggingHandler(logger_provider=provider)
    log = logging.getLogger("revenue.build")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(handler)
    try:
        with TracerProvider().get_tracer("revenue").start_as_current_span("build") as span:
            log.info("build started", extra={"run_id": RUN_ID})
            log.warning("freshness breached", extra={"data_product": "orders", "lag_seconds": 5400})
        log.error("load failed", extra={"tables": ["fx_rates", "orders"]})
        # The logs API directly: a structured body, a severity without text, no timestamp.
        provider.get_logger("revenue.audit", "1.2").emit(
            OtelLogRecord(
                observed_timestamp=OBSERVED_NS,
                severity_number=SeverityNumber.DEBUG2,
                body={"rows": 31, "tables": ["fx_rates", "orders"], "ok": True},
                attributes={"ratio": 0.5},
            )
        )
    finally:
        log.removeHandler(handler)
        provider.shutdown()
    scratch = LoggerProvider(resource=Resource.create({"service.name": "scratch"}))
    scratch.add_log_record_processor(SimpleLogRecordProcessor(FileLogExporter(path)))
    scratch.get_logger("scratch").emit(
        OtelLogRecord(severity_number=SeverityNumber.FATAL, severity_text="FATAL", body="disk full")
    )
    scratch.shutdown()
    context = span.get_span_context()
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


@pytest.fixture
def logs_file(tmp_path: Path) -> tuple[Path, str, str]:
    path = tmp_path / "logs.jsonl"
    trace_id, span_id = write_logs(path)
    return path, trace_id, span_id


@pytest.fixture(scope="module")
def real_requests(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    path = tmp_path_factory.mktemp("otlp") / "logs.jsonl"
    write_logs(path)
    return [json.loads(line) for line in path.read_text().splitlines()]


def by_body(result) -> dict:
    return {r.body: r for r in records_of(result)}


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("otlp_logs"), OtlpLogsCollector)


def test_records_of_the_sdk_file_exporter(logs_file):
    path, trace_id, span_id = logs_file
    assert len(path.read_text().splitlines()) == 2  # one batch line, one single-record line
    records = by_body(parse(path.read_bytes()))
    assert set(records) == {
        "build started",
        "freshness breached",
        "load failed",
        '{"rows":31,"tables":["fx_rates","orders"],"ok":true}',
        "disk full",
    }
    severities = {body: (r.severity_number, r.severity_text) for body, r in records.items()}
    assert severities["build started"] == (9, "INFO")
    assert severities["freshness breached"] == (13, "WARN")
    assert severities["load failed"] == (17, "ERROR")
    assert severities["disk full"] == (21, "FATAL")
    # No severityText in the file: none is derived from the number.
    assert severities['{"rows":31,"tables":["fx_rates","orders"],"ok":true}'] == (6, None)
    for body in ("build started", "freshness breached"):
        assert (records[body].trace_id, records[body].span_id) == (trace_id, span_id)
    assert (records["load failed"].trace_id, records["load failed"].span_id) == (None, None)
    assert records["build started"].time.tzinfo is not None
    assert {r.service for r in records.values()} == {"revenue-pipeline", "scratch"}
    assert {r.source for r in records.values()} == {"logs.jsonl"}


def test_attributes_become_plain_values_and_the_scope_is_kept(logs_file):
    records = by_body(parse(logs_file[0].read_bytes()))
    warning = records["freshness breached"].attributes
    assert warning["lag_seconds"] == 5400 and isinstance(warning["code.line.number"], int)
    assert warning["otel.scope.name"] == "revenue.build"
    assert records["load failed"].attributes["tables"] == ["fx_rates", "orders"]
    structured = records['{"rows":31,"tables":["fx_rates","orders"],"ok":true}']
    assert structured.attributes == {"ratio": 0.5, "otel.scope.name": "revenue.audit"}


def test_observed_time_stands_in_when_the_record_has_no_time(logs_file):
    records = by_body(parse(logs_file[0].read_bytes()))
    structured = records['{"rows":31,"tables":["fx_rates","orders"],"ok":true}']
    assert structured.time == datetime(2026, 11, 24, 3, 31, 3, 393, tzinfo=UTC)


def test_product_from_the_record_then_the_resource_else_none(logs_file):
    records = by_body(parse(logs_file[0].read_bytes()))
    assert records["freshness breached"].product_id == "orders"  # the record's attribute
    assert records["build started"].product_id == "revenue"  # the resource's attribute
    assert records["disk full"].product_id is None  # nobody claims it: kept, unattributed
    # The source's product wins over what the records say.
    assert {r.product_id for r in records_of(parse(logs_file[0].read_bytes(), "orders"))} == {
        "orders"
    }
    # A data_product the directory does not know attributes nothing.
    unknown = records_of(parse(logs_file[0].read_bytes(), directory=ProductDirectory()))
    assert {r.product_id for r in unknown} == {None}


def test_run_id_from_the_record_or_the_resource(logs_file, real_requests):
    records = by_body(parse(logs_file[0].read_bytes()))
    assert records["build started"].run_id == RUN_ID
    assert records["load failed"].run_id is None
    request = copy.deepcopy(real_requests[1])
    request["resourceLogs"][0]["resource"]["attributes"].append(
        {"key": "openlineage.run_id", "value": {"stringValue": "run-7"}}
    )
    [record] = records_of(parse(json.dumps(request)))
    assert record.run_id == "run-7"


def test_what_the_collector_writes_differently_is_read_too():
    # The Collector's pdata marshaller writes empty ids as ""; other writers use plain numbers
    # for 64-bit integers and the enum's names for severities.
    line = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "s"}}]
                },
                "scopeLogs": [
                    {
                        "scope": {},
                        "logRecords": [
                            {
                                "timeUnixNano": 0,
                                "observedTimeUnixNano": OBSERVED_NS,
                                "severityNumber": "SEVERITY_NUMBER_WARN2",
                                "body": {
                                    "kvlistValue": {
                                        "values": [{"key": "n", "value": {"intValue": 3}}]
                                    }
                                },
                                "attributes": [
                                    {"key": "x", "value": {"doubleValue": "NaN"}},
                                    {"key": "y", "value": {}},
                                    {"key": "z", "value": {"bytesValue": "eHk="}},
                                ],
                                "traceId": "",
                                "spanId": "",
                                "flags": 0,
                                "droppedAttributesCount": 0,
                            }
                        ],
                    }
                ],
            }
        ]
    }
    [record] = records_of(parse(json.dumps(line)))
    assert record.time == datetime(2026, 11, 24, 3, 31, 3, 393, tzinfo=UTC)
    assert (record.severity_number, record.severity_text) == (14, None)
    assert record.body == '{"n":3}'
    assert (record.trace_id, record.span_id) == (None, None)
    assert record.attributes == {"x": "NaN", "y": None, "z": "eHk="}


def test_a_bad_record_costs_that_record_only(real_requests):
    request = copy.deepcopy(real_requests[0])
    records = request["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    del records[1]["timeUnixNano"], records[1]["observedTimeUnixNano"]
    result = parse(json.dumps(request))
    assert isinstance(result, Parsed) and len(result.records) == 3
    [problem] = result.problems
    assert problem.position == "line 1"
    assert problem.reason == (
        "resourceLogs[0].scopeLogs[0].logRecords[1]: neither timeUnixNano nor "
        "observedTimeUnixNano is set"
    )


def test_a_bad_line_costs_that_line_only(logs_file):
    lines = logs_file[0].read_text().splitlines()
    result = parse("\n".join([lines[0], "{not json", lines[1]]))
    assert isinstance(result, Parsed) and len(result.records) == 5
    assert [p.position for p in result.problems] == ["line 2"]


RECORD = ("resourceLogs", 0, "scopeLogs", 0, "logRecords", 0)
RESOURCE_VALUE = ("resourceLogs", 0, "resource", "attributes", 0, "value")


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ((*RECORD, "timeUnixNano"), "2026-11-24T03:00:00", "timeUnixNano must be an integer"),
        ((*RECORD, "timeUnixNano"), "-5", "timeUnixNano is negative"),
        ((*RECORD, "timeUnixNano"), "99999999999999999999", "does not fit in 64 bits"),
        ((*RECORD, "severityNumber"), 25, "severityNumber must be an integer from 1 to 24"),
        ((*RECORD, "severityText"), 13, "severityText must be a string"),
        ((*RECORD, "spanId"), 7, "spanId must be a hex string"),
        ((*RECORD, "body"), {"stringValue": "a", "intValue": "1"}, "holds more than one value"),
        ((*RECORD, "body"), "plain", "body must be an AnyValue object"),
        ((*RECORD, "attributes"), {"a": 1}, "attributes must be an array"),
        (RESOURCE_VALUE, {"boolValue": "yes"}, "boolValue must be true or false"),
        (RESOURCE_VALUE, {"doubleValue": "x"}, "doubleValue must be a number"),
        (("resourceLogs",), {}, "resourceLogs must be an array"),
        (("resourceLogs", 0, "scopeLogs"), "x", "resourceLogs[0].scopeLogs must be an array"),
    ],
)
def test_bad_lines_are_refused_naming_the_field(real_requests, path, value, reason):
    with pytest.raises(CollectorParseError) as refused:
        parse(json.dumps(replaced(real_requests[1], path, value)))
    assert reason in refused.value.reason and refused.value.position == "line 1"


def test_other_signals_are_skipped_and_other_json_refused():
    with pytest.raises(NotEvidence, match="OTLP traces, not logs"):
        parse('{"resourceSpans": []}\n{"resourceSpans": []}\n')
    with pytest.raises(CollectorParseError, match="no 'resourceLogs'"):
        parse('{"ts": "2026-11-24T03:00:00Z", "msg": "hello"}')
    with pytest.raises(CollectorParseError, match="empty"):
        parse(b"")
    assert parse('{"resourceLogs": []}') == []  # an empty export is not an error


def one_record_line(**fields) -> str:
    record = {"timeUnixNano": "1796000000000000000", **fields}
    return json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]})


def test_an_invalid_trace_id_means_no_trace_not_a_refusal():
    # logs.proto: receivers SHOULD take a record with an invalid id as not associated with a
    # trace. Base64 (proto3's usual bytes mapping) is the common mistake: said once per file.
    lines = [
        one_record_line(traceId="JjD7F7ZeK8JTiKkvtQTEHw==", body={"stringValue": n}) for n in "ab"
    ]
    result = parse("\n".join(lines))
    assert isinstance(result, Parsed) and result.problems == []
    assert [r.trace_id for r in result.records] == [None, None]
    [warning] = result.warnings
    assert "traceId is not 32 hex digits (OTLP/JSON writes hex, not base64)" in warning


def test_one_pretty_printed_request_per_file_is_read():
    request = json.loads(one_record_line(eventName="orders.loaded", body={"stringValue": "x"}))
    [record] = records_of(parse(json.dumps(request, indent=2)))
    assert record.attributes == {"event.name": "orders.loaded"}
    broken = json.dumps(request, indent=2).replace('"x"', '"x",')
    with pytest.raises(CollectorParseError) as refused:
        parse(broken)
    assert "not valid JSON" in refused.value.reason
    # The position is the line the parser stopped at: the one after the stray comma.
    stray = next(n for n, line in enumerate(broken.splitlines(), 1) if line.endswith('"x",'))
    assert refused.value.position == f"line {stray + 1}"


def test_proto_field_names_are_refused_saying_what_to_write():
    with pytest.raises(CollectorParseError, match="'resource_logs' is the proto field name"):
        parse('{"resource_logs": []}')
    with pytest.raises(CollectorParseError, match="time_unix_nano: proto field names"):
        parse(
            json.dumps(
                {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"time_unix_nano": "1"}]}]}]}
            )
        )


def test_event_name_beside_a_different_event_name_attribute_keeps_the_attribute():
    attribute = [{"key": "event.name", "value": {"stringValue": "legacy.name"}}]
    result = parse(one_record_line(eventName="new.name", attributes=attribute))
    assert result.records[0].attributes["event.name"] == "legacy.name"
    assert "differs from its event.name attribute" in result.warnings[0]
    with pytest.raises(CollectorParseError, match="eventName must be a string"):
        parse(one_record_line(eventName=7))


def test_unused_fields_are_warned_once_per_file():
    lines = [one_record_line(flags=1, droppedAttributesCount=3) for _ in range(3)]
    lines.append(one_record_line(body={"futureValue": {"x": 1}}))
    result = parse("\n".join(lines))
    assert len(result.records) == 4
    assert (
        result.warnings
        == [
            "log record flags (W3C trace flags) are not stored",
            "log records' droppedAttributesCount (attributes the sender dropped) is not stored",
            "line 4: resourceLogs[0].scopeLogs[0].logRecords[0].body holds a value of a kind this "
            "reader does not know (futureValue); read as empty, as OTLP says",
        ][: len(result.warnings)]
    )


def test_natural_keys_are_stable_and_a_reshipped_line_is_one_record(logs_file):
    content = logs_file[0].read_bytes()
    first = [r.natural_key for r in records_of(parse(content))]
    assert first == [r.natural_key for r in records_of(parse(content))]
    assert len(set(first)) == len(first)
    twice = records_of(parse(content + content))
    assert len({r.natural_key for r in twice}) == len(first)


def test_bad_input_corpus_lists_every_file():
    check_bad_inputs_listed("otlp_logs")


@pytest.mark.parametrize("name", bad_input_names("otlp_logs"))
def test_bad_input_corpus(name: str):
    check_bad_input(parse, "otlp_logs", name)


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
    for wrapped in (value, {"resourceLogs": value}, {"resourceLogs": [{"scopeLogs": value}]}):
        try:
            parse(json.dumps(wrapped))
        except (CollectorParseError, NotEvidence):
            pass


@settings(
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data(), JSON_VALUES, st.booleans())
def test_mutated_real_lines_are_read_or_refused(real_requests, data, value, drop):
    request = data.draw(st.sampled_from(real_requests))
    path = data.draw(st.sampled_from([p for p in json_paths(request) if p]))
    try:
        result = parse(json.dumps(mutated(request, path, value, drop)))
    except (CollectorParseError, NotEvidence):
        return
    for record in records_of(result):
        assert record.time.tzinfo is not None and record.natural_key
        assert record.severity_number is None or 1 <= record.severity_number <= 24


def test_values_nested_past_what_json_reads_are_refused():
    depth = 2000
    body = '{"arrayValue":{"values":[' * depth + '{"stringValue":"x"}' + "]}}" * depth
    line = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","body":%s}]}]}]}'
    with pytest.raises(CollectorParseError, match="nested too deeply"):
        parse(line % body)
