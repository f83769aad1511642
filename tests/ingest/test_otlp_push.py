"""OTLP logs pushed to `POST /v1/logs` by the SDK's own OTLPLogExporter, as a pipeline does.

The exporter (opentelemetry-exporter-otlp-proto-http) sends protobuf, gzipped or not; OTLP/JSON
is posted with requests as the SDK's JSON encoder writes it. What lands is read back from
the store the server writes to.
"""

from __future__ import annotations

import gzip
import json
import logging

import pytest
import requests
from google.protobuf import json_format
from google.rpc import code_pb2, status_pb2
from opentelemetry._logs import LogRecord as OtelLogRecord
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.json.common._log_encoder import encode_logs as encode_json
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs as encode_protobuf
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler, ReadableLogRecord
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    InMemoryLogRecordExporter,
    LogRecordExportResult,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import func, select

from collectors import ProductDirectory, SourceContext, get_collector
from governance.store.schema.tables import log_records

ORDERS = {"service.name": "orders-pipeline", "meshgov.product": "orders", "data_product": "orders"}
PROTOBUF = {"Content-Type": "application/x-protobuf"}


def exporter(server, token: str, *, gzip_body: bool = True) -> OTLPLogExporter:
    """The exporter as a pipeline configures it: the server's logs URL and a bearer token."""
    return OTLPLogExporter(
        endpoint=f"{server.url}/v1/logs",
        headers={"Authorization": f"Bearer {token}"},
        compression=Compression.Gzip if gzip_body else Compression.NoCompression,
        timeout=10,
    )


def emit_orders_logs(provider: LoggerProvider) -> str:
    """A build's logs through the logging handler and the logs API; the span's trace id."""
    handler = LoggingHandler(logger_provider=provider)
    log = logging.getLogger("orders.build")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(handler)
    try:
        with TracerProvider().get_tracer("orders").start_as_current_span("build") as span:
            log.info("build started", extra={"run_id": "run-7", "rows": 31})
            log.warning("late by %d s", 5400, extra={"tables": ["fx", "orders"]})
        log.error("load failed")
    finally:
        log.removeHandler(handler)
    provider.get_logger("orders.audit", "1.2").emit(
        OtelLogRecord(
            timestamp=1_795_491_063_000_393_849,
            severity_number=SeverityNumber.DEBUG2,
            body={"rows": 31, "ok": True},
            event_name="orders.loaded",
        )
    )
    return format(span.get_span_context().trace_id, "032x")


def orders_batch(resource: dict[str, str] = ORDERS) -> list[ReadableLogRecord]:
    """The build's logs as the SDK hands them to an exporter."""
    finished = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create(resource))
    provider.add_log_record_processor(SimpleLogRecordProcessor(finished))
    emit_orders_logs(provider)
    provider.shutdown()
    return list(finished.get_finished_logs())


def landed(server) -> list:
    with server.service.store.read() as connection:
        query = select(log_records).order_by(log_records.c.time, log_records.c.id)
        return list(connection.execute(query))


def count(server) -> int:
    with server.service.store.read() as connection:
        return connection.execute(select(func.count()).select_from(log_records)).scalar_one()


def sdk_json(batch: list[ReadableLogRecord]) -> bytes:
    return json.dumps(encode_json(batch).to_dict()).encode()


@pytest.mark.parametrize("gzip_body", [True, False], ids=["gzip", "uncompressed"])
def test_the_exporter_pushes_logs_that_land_for_their_product(ingest_server, gzip_body):
    token = ingest_server.token(domain="sales")
    provider = LoggerProvider(resource=Resource.create(ORDERS))
    provider.add_log_record_processor(
        BatchLogRecordProcessor(exporter(ingest_server, token, gzip_body=gzip_body))
    )
    # The same records, as the SDK's JSON encoder would write them, to compare with.
    seen = InMemoryLogRecordExporter()
    provider.add_log_record_processor(SimpleLogRecordProcessor(seen))
    trace_id = emit_orders_logs(provider)
    assert provider.force_flush(10_000)
    provider.shutdown()

    rows = landed(ingest_server)
    assert sorted(row.body for row in rows) == [
        "build started",
        "late by 5400 s",
        "load failed",
        '{"rows":31,"ok":true}',
    ]
    assert {row.product_id for row in rows} == {"orders"}
    assert {row.service for row in rows} == {"orders-pipeline"}
    by_body = {row.body: row for row in rows}
    assert (
        by_body["build started"].trace_id == trace_id and by_body["build started"].run_id == "run-7"
    )
    assert by_body["late by 5400 s"].attributes["tables"] == ["fx", "orders"]
    assert by_body["load failed"].severity_number == 17 and by_body["load failed"].trace_id is None
    audit = by_body['{"rows":31,"ok":true}']
    assert audit.attributes == {"otel.scope.name": "orders.audit", "event.name": "orders.loaded"}
    # Keyed as `meshgov collect` keys the same records written by the SDK's JSON file exporter.
    directory = ProductDirectory(products=frozenset({"orders", "revenue"}))
    parsed = get_collector("otlp_logs").parse(
        sdk_json(list(seen.get_finished_logs())), SourceContext(path="x", directory=directory)
    )
    assert {row.record_key for row in rows} == {record.natural_key for record in parsed.records}


def test_a_resend_adds_nothing_in_either_encoding(ingest_server):
    token = ingest_server.token(domain="sales")
    batch = orders_batch()
    sender = exporter(ingest_server, token)
    assert sender.export(batch) == LogRecordExportResult.SUCCESS
    assert count(ingest_server) == 4
    assert sender.export(batch) == LogRecordExportResult.SUCCESS
    sender.shutdown()
    assert count(ingest_server) == 4
    # The same records as OTLP/JSON are the same records.
    answer = requests.post(
        f"{ingest_server.url}/v1/logs",
        data=sdk_json(batch),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.json() == {}
    assert count(ingest_server) == 4


def test_a_token_of_another_domain_is_refused_and_nothing_lands(ingest_server, caplog):
    finance = ingest_server.token(domain="finance", name="finance-bot")
    sender = exporter(ingest_server, finance)
    with caplog.at_level(logging.ERROR):
        assert sender.export(orders_batch()) == LogRecordExportResult.FAILURE
    sender.shutdown()
    assert count(ingest_server) == 0
    assert "403" in caplog.text
    # What the exporter was told: a google.rpc.Status naming the product, in protobuf.
    answer = requests.post(
        f"{ingest_server.url}/v1/logs",
        data=encode_protobuf(orders_batch()).SerializeToString(),
        headers={**PROTOBUF, "Authorization": f"Bearer {finance}"},
        timeout=30,
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/x-protobuf"
    status = status_pb2.Status.FromString(answer.content)
    assert status.code == code_pb2.PERMISSION_DENIED and "orders" in status.message
    assert count(ingest_server) == 0


def test_a_product_token_claims_what_names_no_product(ingest_server):
    token = ingest_server.token(product="revenue")
    sender = exporter(ingest_server, token)
    unnamed = orders_batch({"service.name": "revenue-loader"})
    assert sender.export(unnamed) == LogRecordExportResult.SUCCESS
    sender.shutdown()
    assert {row.product_id for row in landed(ingest_server)} == {"revenue"}


def test_otlp_json_over_http_is_answered_in_json(ingest_server):
    token = ingest_server.token(domain="sales")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    document = encode_json(orders_batch()).to_dict()
    answer = requests.post(
        f"{ingest_server.url}/v1/logs",
        data=gzip.compress(json.dumps(document).encode()),
        headers={**headers, "Content-Encoding": "gzip"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {}
    assert count(ingest_server) == 4
    # One record without a time: refused alone, the others land; said as a partial success.
    again = encode_json(orders_batch()).to_dict()
    records = again["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    del records[0]["timeUnixNano"], records[0]["observedTimeUnixNano"]
    answer = requests.post(f"{ingest_server.url}/v1/logs", json=again, headers=headers, timeout=30)
    assert answer.status_code == 200
    response = json_format.ParseDict(answer.json(), ExportLogsServiceResponse())
    assert response.partial_success.rejected_log_records == 1
    assert "neither timeUnixNano nor observedTimeUnixNano" in response.partial_success.error_message
    # Two handler records logged anew (new times) land; the audit record, timed by hand, is
    # the one already there; the refused one is not written.
    assert count(ingest_server) == 4 + 2


def test_refusals_are_statuses_in_the_request_encoding(ingest_server):
    url = f"{ingest_server.url}/v1/logs"
    body = encode_protobuf(orders_batch()).SerializeToString()
    anonymous = requests.post(url, data=body, headers=PROTOBUF, timeout=30)
    assert anonymous.status_code == 401
    assert status_pb2.Status.FromString(anonymous.content).code == code_pb2.UNAUTHENTICATED
    sender = exporter(ingest_server, "not-a-token")
    assert sender.export(orders_batch()) == LogRecordExportResult.FAILURE
    sender.shutdown()
    token = ingest_server.token(domain="sales")
    auth = {"Authorization": f"Bearer {token}"}
    garbage = requests.post(url, data=b"\xff\xff garbage", headers={**PROTOBUF, **auth}, timeout=30)
    assert garbage.status_code == 400
    status = status_pb2.Status.FromString(garbage.content)
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert "is not a protobuf OTLP logs export" in status.message
    as_json = requests.post(
        url, data=b"{not json", headers={**auth, "Content-Type": "application/json"}, timeout=30
    )
    assert as_json.status_code == 400
    assert as_json.json()["code"] == code_pb2.INVALID_ARGUMENT and as_json.json()["message"]
    text = requests.post(
        url, data=b"hello", headers={**auth, "Content-Type": "text/plain"}, timeout=30
    )
    assert text.status_code == 415
    assert count(ingest_server) == 0


def test_an_empty_export_is_a_success(ingest_server):
    token = ingest_server.token(domain="sales")
    sender = exporter(ingest_server, token)
    assert sender.export([]) == LogRecordExportResult.SUCCESS
    sender.shutdown()
    answer = requests.post(
        f"{ingest_server.url}/v1/logs",
        data=b"",
        headers={**PROTOBUF, "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.content == b""
    assert count(ingest_server) == 0
