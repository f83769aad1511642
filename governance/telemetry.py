"""OpenTelemetry for meshgov's own work: spans and metrics around collection and registration.

Nothing is exported unless asked: MESHGOV_OTEL_EXPORTER=console prints spans and metrics to
stderr, MESHGOV_OTEL_EXPORTER=otlp sends them to the team's collector (needs the
opentelemetry-exporter-otlp package). Without it the API's no-op providers cost next to
nothing. Tests (or an embedding application) hand in their own providers with
`use_providers`, e.g. the SDK's in-memory span exporter and metric reader.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

_state: dict[str, Any] = {"configured": False, "tracer_provider": None, "meter_provider": None}
_instruments: dict[int, CollectorInstruments] = {}


def configure_telemetry() -> None:
    """Install providers once, according to MESHGOV_OTEL_EXPORTER (none, console, otlp)."""
    exporter_name = os.environ.get("MESHGOV_OTEL_EXPORTER", "").lower()
    if _state["configured"] or exporter_name in ("", "none"):
        return
    resource = Resource.create({"service.name": "meshgov"})
    tracer_provider = TracerProvider(resource=resource)
    if exporter_name == "console":
        span_exporter: Any = ConsoleSpanExporter(out=sys.stderr)
        metric_exporter: Any = ConsoleMetricExporter(out=sys.stderr)
    elif exporter_name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError as exc:
            raise ValueError(
                "MESHGOV_OTEL_EXPORTER=otlp needs `pip install opentelemetry-exporter-otlp`"
            ) from exc
        span_exporter, metric_exporter = OTLPSpanExporter(), OTLPMetricExporter()
    else:
        raise ValueError(f"MESHGOV_OTEL_EXPORTER={exporter_name!r}: use console, otlp or none")
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    meter_provider = MeterProvider(
        resource=resource, metric_readers=[PeriodicExportingMetricReader(metric_exporter)]
    )
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    _state["configured"] = True


def use_providers(
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> None:
    """Send meshgov's telemetry to these providers (None: back to the global ones)."""
    _state["tracer_provider"] = tracer_provider
    _state["meter_provider"] = meter_provider


_tracers: dict[int, trace.Tracer] = {}


def tracer() -> trace.Tracer:
    """meshgov's tracer (one per provider: the runner asks for it once per file)."""
    provider = _state["tracer_provider"] or trace.get_tracer_provider()
    if id(provider) not in _tracers:
        _tracers[id(provider)] = provider.get_tracer("meshgov")
    return _tracers[id(provider)]


def meter() -> metrics.Meter:
    """meshgov's meter."""
    provider = _state["meter_provider"] or metrics.get_meter_provider()
    return provider.get_meter("meshgov")


@dataclass(frozen=True)
class CollectorInstruments:
    """The runner's counters and histogram."""

    records: metrics.Counter  # attributes: collector, kind=read|new
    refusals: metrics.Counter  # attributes: collector, kind=refused|partial|source
    duration: metrics.Histogram  # seconds per file, attribute: collector


def collector_instruments() -> CollectorInstruments:
    """The runner's instruments, created once per meter provider."""
    provider = _state["meter_provider"] or metrics.get_meter_provider()
    if id(provider) not in _instruments:
        m = meter()
        _instruments[id(provider)] = CollectorInstruments(
            records=m.create_counter(
                "meshgov.collector.records", unit="{record}", description="Records collected"
            ),
            refusals=m.create_counter(
                "meshgov.collector.refusals",
                unit="{file}",
                description="Files or sources refused in whole or in part",
            ),
            duration=m.create_histogram(
                "meshgov.collector.file.duration", unit="s", description="Time to collect a file"
            ),
        )
    return _instruments[id(provider)]
