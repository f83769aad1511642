"""OpenTelemetry for meshgov's own work: spans around collection and registration.

Nothing is exported unless asked: MESHGOV_OTEL_EXPORTER=console prints spans to stderr,
MESHGOV_OTEL_EXPORTER=otlp sends them to the team's collector (needs the OTLP exporter
package installed). Without it the API's no-op tracer costs next to nothing.
"""

from __future__ import annotations

import os
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

_configured = False


def configure_telemetry() -> None:
    """Install a tracer provider once, according to MESHGOV_OTEL_EXPORTER."""
    global _configured
    exporter_name = os.environ.get("MESHGOV_OTEL_EXPORTER", "").lower()
    if _configured or exporter_name in ("", "none"):
        return
    provider = TracerProvider(resource=Resource.create({"service.name": "meshgov"}))
    if exporter_name == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
    elif exporter_name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        raise ValueError(f"MESHGOV_OTEL_EXPORTER={exporter_name!r}: use console, otlp or none")
    trace.set_tracer_provider(provider)
    _configured = True


def tracer() -> trace.Tracer:
    """meshgov's tracer."""
    return trace.get_tracer("meshgov")
