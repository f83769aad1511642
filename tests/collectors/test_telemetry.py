"""meshgov's own telemetry, read back with the SDK's in-memory exporter and reader."""

from __future__ import annotations

import shutil

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from governance.telemetry import use_providers


@pytest.fixture
def telemetry():
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    use_providers(tracer_provider, MeterProvider(metric_readers=[reader]))
    yield spans, reader
    use_providers(None, None)


def points(reader, name):
    data = reader.get_metrics_data()
    return [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


def test_a_run_has_spans_per_source_and_file_and_counts_what_it_did(
    telemetry, service, mesh_dir, gx_validation_json, tmp_path
):
    spans, reader = telemetry
    service.registration.register([mesh_dir])
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(gx_validation_json, batch / "good.json")
    (batch / "bad.json").write_text("{")

    report = service.collection.collect("great_expectations", [batch], "orders")

    finished = spans.get_finished_spans()
    names = [span.name for span in finished]
    assert names.count("meshgov.collect.run") == 1
    assert names.count("meshgov.collect.source") == 1
    assert names.count("meshgov.collect.file") == 2
    run = next(s for s in finished if s.name == "meshgov.collect.run")
    assert run.attributes["meshgov.records_new"] == report.records_new == 4
    files = [s for s in finished if s.name == "meshgov.collect.file"]
    assert all(s.parent is not None for s in files)

    records = {p.attributes["kind"]: p.value for p in points(reader, "meshgov.collector.records")}
    assert records == {"read": 4, "new": 4}
    refusals = points(reader, "meshgov.collector.refusals")
    assert [(p.attributes["kind"], p.value) for p in refusals] == [("refused", 1)]
    [durations] = points(reader, "meshgov.collector.file.duration")
    assert durations.count == 2


def test_an_unreadable_source_marks_its_span_as_an_error(telemetry, service):
    spans, reader = telemetry
    service.collection.collect(
        "great_expectations", ["http://127.0.0.1:9/nothing"], options={"retries": 0}
    )
    [source] = [s for s in spans.get_finished_spans() if s.name == "meshgov.collect.source"]
    assert source.status.status_code.name == "ERROR"
    assert "cannot connect" in source.status.description
