"""The OTLP/HTTP logs encoding: what OTLPLogExporter sends reads as the SDK's own OTLP/JSON.

Records are made by the real SDK (its logging handler and its logs API) and encoded by the
exporters' own encoders: protobuf as opentelemetry-exporter-otlp-proto-http sends it, OTLP/JSON
as the SDK's JSON file exporter writes it. No server here (see test_otlp_push.py).
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import math
import warnings
from collections.abc import Iterator

import pytest
from google.protobuf import json_format
from google.rpc import code_pb2, status_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry._logs import LogRecord as OtelLogRecord
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.json.common._log_encoder import encode_logs as encode_json
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs as encode_protobuf
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.sdk._logs import (
    LoggerProvider,
    LoggingHandler,
    LogRecordLimits,
    ReadableLogRecord,
)
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from collectors import Parsed, ProductDirectory, SourceContext, get_collector
from governance.errors import CollectorParseError, MeshgovError, NotEvidence
from governance.ingest.otlp import (
    OtlpDecodeError,
    error_status,
    logs_response,
    protobuf_to_json,
    protobuf_to_request,
)

DIRECTORY = ProductDirectory(products=frozenset({"orders", "revenue"}))
TRACE_ID = 0x5B8EFFF798038103D269B633813FC60C
SPAN_ID = 0xEEE19B7EC3C1B174
OBSERVED_NS = 1795491063000393849


def sdk_records() -> list[ReadableLogRecord]:
    """Records of two services, as the SDK makes them: every AnyValue kind, ids, scopes."""
    finished = InMemoryLogRecordExporter()
    orders = LoggerProvider(
        resource=Resource.create(
            {
                "service.name": "orders-pipeline",
                "meshgov.product": "orders",
                "data_product": "orders",
            }
        ),
        # Two attributes too many below: a droppedAttributesCount to carry.
        log_record_limits=LogRecordLimits(max_attributes=12),
    )
    orders.add_log_record_processor(SimpleLogRecordProcessor(finished))
    handler = LoggingHandler(logger_provider=orders)
    log = logging.getLogger("orders.build")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(handler)
    try:
        with TracerProvider().get_tracer("orders").start_as_current_span("build"):
            log.info("build started", extra={"run_id": "run-1", "rows": 31, "ratio": 0.25})
            log.warning("late by %d s", 5400, extra={"ok": False, "tables": ["fx", "orders"]})
        log.error("café ☕ not loaded 🚀", extra={"big": 2**62, "negative": -7})
    finally:
        log.removeHandler(handler)
    audit = orders.get_logger(
        "orders.audit", "1.2", "https://opentelemetry.io/schemas/1.26.0", {"team": "sales"}
    )
    bodies: list[object] = [
        {
            "rows": 31,
            "tables": ["fx", "orders"],
            "ok": True,
            "nested": {"ratio": 0.5, "none": None},
        },
        ["a", 1, 2.5, False, b"\x00\xff"],
        -(2**63),
        math.pi,
        True,
        b"\x00\x01binary",
        None,
        "",
    ]
    for number, body in enumerate(bodies):
        audit.emit(
            OtelLogRecord(
                timestamp=1_795_491_000_000_000_000 + number * 1_000_123,
                observed_timestamp=OBSERVED_NS,
                severity_number=SeverityNumber(number + 1),
                body=body,
                attributes={
                    "index": number,
                    "bytes": b"\x01\x02",
                    "inf": math.inf,
                    "nan": math.nan,
                },
            )
        )
    # Ids given by hand, flags, an event name, an observed time only, too many attributes
    # (the SDK warns that it drops two: on purpose here).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        audit.emit(
            OtelLogRecord(
                observed_timestamp=OBSERVED_NS,
                trace_id=TRACE_ID,
                span_id=SPAN_ID,
                trace_flags=1,
                severity_number=SeverityNumber.FATAL4,
                severity_text="CRITICAL",
                body="disk full",
                event_name="orders.disk_full",
                attributes={f"a{n}": n for n in range(14)},
            )
        )
    revenue = LoggerProvider(
        resource=Resource.create({"service.name": "revenue-loader", "data_product": "revenue"})
    )
    revenue.add_log_record_processor(SimpleLogRecordProcessor(finished))
    revenue.get_logger("revenue").emit(
        OtelLogRecord(
            timestamp=1_795_491_000_000_000_000, body="loaded", severity_number=SeverityNumber.INFO
        )
    )
    orders.shutdown()  # both providers' processors export to `finished`: shut down once done
    revenue.shutdown()
    return list(finished.get_finished_logs())


@pytest.fixture(scope="module")
def records() -> list[ReadableLogRecord]:
    return sdk_records()


def parse(content: bytes) -> Parsed:
    """What the otlp_logs collector reads, always as a Parsed."""
    context = SourceContext(path="x", directory=DIRECTORY)
    result = get_collector("otlp_logs").parse(content, context)
    return result if isinstance(result, Parsed) else Parsed(records=result)


def read_back(result: Parsed) -> list[tuple]:
    """Every field of every record, attributes (not compared by LogRecord's ==) included."""
    return [(record, record.attributes, record.natural_key) for record in result.records]


def test_protobuf_reads_as_the_sdk_json_of_the_same_records(records):
    from_protobuf = parse(protobuf_to_json(encode_protobuf(records).SerializeToString()))
    from_json = parse(json.dumps(encode_json(records).to_dict()).encode())
    assert read_back(from_protobuf) == read_back(from_json)
    assert from_protobuf.warnings == from_json.warnings and from_protobuf.problems == []
    assert len(from_protobuf.records) == len(records) == 13


def test_the_document_is_the_one_the_sdk_writes(records):
    # Not only read alike: the same OTLP/JSON document, key for key.
    written = json.loads(protobuf_to_json(encode_protobuf(records).SerializeToString()))
    assert written == encode_json(records).to_dict()


def test_what_the_records_carry_survives_the_protobuf(records):
    result = parse(protobuf_to_json(encode_protobuf(records).SerializeToString()))
    by_body = {record.body: record for record in result.records}
    started = by_body["build started"]
    assert started.product_id == "orders" and started.service == "orders-pipeline"
    assert started.run_id == "run-1" and len(started.trace_id) == 32 and len(started.span_id) == 16
    assert started.attributes["rows"] == 31 and started.attributes["ratio"] == 0.25
    assert by_body["late by 5400 s"].attributes["tables"] == ["fx", "orders"]
    assert by_body["café ☕ not loaded 🚀"].attributes["big"] == 2**62
    disk = by_body["disk full"]
    assert (disk.trace_id, disk.span_id) == (format(TRACE_ID, "032x"), format(SPAN_ID, "016x"))
    assert (disk.severity_number, disk.severity_text) == (24, "CRITICAL")
    assert disk.attributes["event.name"] == "orders.disk_full"
    assert disk.time.isoformat() == "2026-11-24T03:31:03.000393+00:00"  # the observed time
    assert by_body[str(-(2**63))].severity_number == 3
    assert by_body[
        '{"rows":31,"tables":["fx","orders"],"ok":true,"nested":{"ratio":0.5,"none":null}}'
    ]
    assert by_body['["a",1,2.5,false,"AP8="]'].attributes["bytes"] == "AQI="  # base64
    assert by_body["true"].attributes["inf"] == "Infinity"
    assert by_body["true"].attributes["nan"] == "NaN"
    assert by_body["AAFiaW5hcnk="].severity_number == 6
    assert (
        by_body["loaded"].product_id == "revenue" and by_body["loaded"].service == "revenue-loader"
    )
    assert any("droppedAttributesCount" in warning for warning in result.warnings)


def test_ids_are_hex_and_64_bit_integers_decimal_strings():
    request = ExportLogsServiceRequest()
    record = request.resource_logs.add().scope_logs.add().log_records.add()
    record.time_unix_nano = 2**64 - 1
    record.trace_id = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
    record.span_id = bytes.fromhex("b7ad6b7169203331")
    record.severity_number = 17
    record.body.int_value = -(2**63)
    text = protobuf_to_json(request.SerializeToString()).decode()
    assert '"traceId":"0af7651916cd43dd8448eb211c80319c"' in text
    assert '"spanId":"b7ad6b7169203331"' in text
    assert '"timeUnixNano":"18446744073709551615"' in text
    assert '"intValue":"-9223372036854775808"' in text and '"severityNumber":17' in text


def every_field_request() -> ExportLogsServiceRequest:
    """A request with every field of logs.proto set, some in ways no SDK would write."""
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add(schema_url="https://example.com/r")
    resource = resource_logs.resource
    resource.dropped_attributes_count = 2
    resource.attributes.add(key="service.name").value.string_value = "s"
    resource.attributes.add(key="no value")
    ref = resource.entity_refs.add(type="service", id_keys=["service.name"])
    ref.schema_url = "https://example.com/e"
    scope_logs = resource_logs.scope_logs.add(schema_url="https://example.com/s")
    scope_logs.scope.name, scope_logs.scope.version = "scope", "9"
    scope_logs.scope.dropped_attributes_count = 1
    scope_logs.scope.attributes.add(key="k").value.bool_value = True
    record = scope_logs.log_records.add(
        time_unix_nano=1, observed_time_unix_nano=2, severity_number=9, severity_text="INFO"
    )
    record.flags, record.dropped_attributes_count, record.event_name = 1, 4, "e"
    record.trace_id, record.span_id = b"\x01" * 16, b"\x02" * 8
    values = record.body.kvlist_value.values
    values.add(key="double").value.double_value = -0.5
    for name, number in (("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf)):
        values.add(key=name).value.double_value = number
    values.add(key="bytes").value.bytes_value = b"\xfb\xff"
    values.add(key="empty array").value.array_value.SetInParent()
    values.add(key="empty kvlist").value.kvlist_value.SetInParent()
    values.add(key="empty value").value.SetInParent()
    values.add(key="strindex").value.string_value_strindex = 3
    values.add(key_strindex=5).value.string_value = "keyed by index"
    values.add(key="int").value.int_value = 2**63 - 1
    nested = values.add(key="array").value.array_value.values
    nested.add().string_value = "x"
    nested.add().array_value.values.add().bool_value = False
    scope_logs.log_records.add()  # an empty record
    resource_logs.scope_logs.add()  # an empty scope
    request.resource_logs.add()  # an empty resource
    return request


def with_hex_ids(document: dict) -> dict:
    """MessageToDict's document with OTLP/JSON's hex ids in place of proto3's base64."""
    for resource_logs in document.get("resourceLogs", []):
        for scope_logs in resource_logs.get("scopeLogs", []):
            for record in scope_logs.get("logRecords", []):
                for key in ("traceId", "spanId"):
                    if key in record:
                        record[key] = base64.b64decode(record[key]).hex()
    return document


@pytest.mark.parametrize(
    "request_of",
    [every_field_request, lambda: encode_protobuf(sdk_records())],
    ids=["every field", "sdk records"],
)
def test_the_walk_writes_what_message_to_dict_would_with_hex_ids(request_of):
    # The walk replaces json_format.MessageToDict (for speed): both must write the same.
    request = request_of()
    expected = with_hex_ids(json_format.MessageToDict(request, use_integers_for_enums=True))
    assert protobuf_to_request(request.SerializeToString()) == expected


def test_every_field_request_is_read_by_the_collector():
    result = parse(protobuf_to_json(every_field_request().SerializeToString()))
    [full] = result.records
    assert full.attributes["event.name"] == "e" and full.severity_number == 9
    body = json.loads(full.body)
    assert body["nan"] == "NaN" and body["-inf"] == "-Infinity" and body["bytes"] == "+/8="
    assert body["empty array"] == [] and body["empty kvlist"] == {} and body["empty value"] is None
    assert body["int"] == 2**63 - 1 and body["array"] == ["x", [False]]
    assert (full.trace_id, full.span_id) == ("01" * 16, "02" * 8)
    # The empty record has no time: one problem, the rest read.
    [problem] = result.problems
    assert "logRecords[1]: neither timeUnixNano nor observedTimeUnixNano is set" in problem.reason


def test_an_empty_request_is_an_empty_export():
    assert protobuf_to_json(b"") == b'{"resourceLogs":[]}'
    assert parse(protobuf_to_json(b"")).records == []
    only_a_resource = ExportLogsServiceRequest()
    only_a_resource.resource_logs.add().resource.attributes.add(key="service.name")
    assert parse(protobuf_to_json(only_a_resource.SerializeToString())).records == []


def nested_body(depth: int) -> bytes:
    """A request whose one record's body is arrays nested `depth` deep, in wire format."""

    def field(number: int, payload: bytes) -> bytes:  # a length-delimited field
        size, length = b"", len(payload)
        while True:
            size += bytes([(length & 0x7F) | (0x80 if length > 0x7F else 0)])
            length >>= 7
            if not length:
                break
        return bytes([number << 3 | 2]) + size + payload

    value = field(1, b"x")  # AnyValue.string_value
    for _ in range(depth):
        value = field(5, field(1, value))  # AnyValue.array_value.values
    return field(
        1, field(2, field(2, field(5, value)))
    )  # resource_logs.scope_logs.log_records.body


def valid_body() -> bytes:
    request = ExportLogsServiceRequest()
    request.resource_logs.add().scope_logs.add().log_records.add(severity_text="INFO" * 10)
    return request.SerializeToString()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xff\xff\xff garbage", "the wire format is corrupt (not protobuf, or cut short)"),
        (valid_body()[:-5], "the wire format is corrupt"),
        (valid_body().replace(b"INFO", b"\xff\xfeFO"), "a string field is not valid UTF-8"),
        (nested_body(60), "messages are nested more than 100 deep"),
        (
            b'{"resourceLogs": []}',
            "it looks like JSON: send OTLP/JSON with Content-Type: application/json",
        ),
        (
            gzip.compress(valid_body()),
            "it looks gzip-compressed: say so with Content-Encoding: gzip",
        ),
    ],
)
def test_what_is_not_a_protobuf_request_is_refused_saying_why(body, reason):
    with pytest.raises(OtlpDecodeError) as refused:
        protobuf_to_json(body)
    message = str(refused.value)
    assert message.startswith(f"the body ({len(body):,} bytes) is not a protobuf OTLP logs export")
    assert reason in message
    assert isinstance(refused.value, MeshgovError) and isinstance(refused.value, ValueError)


def test_values_nested_as_deep_as_protobuf_reads_are_written():
    document = json.loads(protobuf_to_json(nested_body(40)))
    body = document["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["body"]
    assert json.dumps(body).count("arrayValue") == 40


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_are_refused_or_written_as_json_the_collector_reads_or_refuses(body: bytes):
    # Much random binary happens to be valid protobuf (unknown fields, empty messages).
    try:
        written = protobuf_to_json(body)
    except OtlpDecodeError:
        return
    try:
        parse(written)
    except (CollectorParseError, NotEvidence):
        pass


def responses(
    rejected: int, message: str | None
) -> Iterator[tuple[ExportLogsServiceResponse, str]]:
    """The response in both encodings, each read back with the proto classes."""
    payload, media = logs_response(rejected, message, protobuf=True)
    yield ExportLogsServiceResponse.FromString(payload), media
    payload, media = logs_response(rejected, message, protobuf=False)
    yield json_format.Parse(payload, ExportLogsServiceResponse()), media


def test_a_full_success_is_an_empty_response():
    assert logs_response(0, None, protobuf=True) == (b"", "application/x-protobuf")
    assert logs_response(0, None, protobuf=False) == (b"{}", "application/json")
    for response, _media in responses(0, None):
        assert not response.HasField("partial_success")


def test_a_partial_success_says_how_many_and_why():
    medias = []
    for response, media in responses(3, "line 1: resourceLogs[0]...: no time"):
        medias.append(media)
        assert response.partial_success.rejected_log_records == 3
        assert response.partial_success.error_message == "line 1: resourceLogs[0]...: no time"
    assert medias == ["application/x-protobuf", "application/json"]
    payload, _media = logs_response(3, "why", protobuf=False)
    assert json.loads(payload) == {
        "partialSuccess": {"rejectedLogRecords": "3", "errorMessage": "why"}  # int64: a string
    }
    # A warning with nothing rejected is a partial success too (the spec allows it).
    [(warned, _), _json] = list(responses(0, "3 records had no product"))
    assert warned.partial_success.rejected_log_records == 0
    assert warned.partial_success.error_message == "3 records had no product"


@pytest.mark.parametrize(
    ("http_status", "code"),
    [
        (400, code_pb2.INVALID_ARGUMENT),
        (401, code_pb2.UNAUTHENTICATED),
        (403, code_pb2.PERMISSION_DENIED),
        (413, code_pb2.RESOURCE_EXHAUSTED),
        (415, code_pb2.INVALID_ARGUMENT),
        (429, code_pb2.RESOURCE_EXHAUSTED),
        (503, code_pb2.UNAVAILABLE),
        (418, code_pb2.UNKNOWN),
    ],
)
def test_a_refusal_is_a_status_with_the_code_the_spec_maps(http_status, code):
    payload, media = error_status("token t1 may not write orders", http_status, protobuf=True)
    assert media == "application/x-protobuf"
    status = status_pb2.Status.FromString(payload)
    assert (status.code, status.message) == (code, "token t1 may not write orders")
    payload, media = error_status("token t1 may not write orders", http_status, protobuf=False)
    assert media == "application/json"
    assert json.loads(payload) == {"code": code, "message": "token t1 may not write orders"}
    assert json_format.Parse(payload, status_pb2.Status()).code == code
