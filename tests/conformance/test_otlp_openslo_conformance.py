"""OTLP/JSON logs and OpenSLO v1 beyond verdicts and counts: what is read from each form.

The manifests (otlp_logs/, openslo/) say which files are accepted and how many rows they
store; these tests check the values a user sees: every AnyValue kind of a body, an event's
name, the same request pretty-printed or on one line, and every accepted OpenSLO definition
evaluated by the SLO engine (a definition the engine cannot evaluate would silently drop
out of the product's facts).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors import Parsed, SourceContext
from collectors.openslo import OpenSloCollector
from collectors.otlp_logs import OtlpLogsCollector
from governance.engine.sli import _openslo_spec
from governance.engine.slo import SliPoint, evaluate_slo
from tests.conformance import harness

HERE = Path(__file__).parent
OTLP = HERE / "otlp_logs"
OPENSLO = HERE / "openslo"
PROTO = harness.Origin(
    "open-telemetry/opentelemetry-proto",
    "ac2c4b5d1f3a6079de62f9afec860158ecc8af09",
    "examples/logs.json",
)


def records(parsed: object) -> list:
    return parsed.records if isinstance(parsed, Parsed) else parsed  # type: ignore[attr-defined]


def otlp(content: bytes, name: str = "logs.json") -> list:
    return records(OtlpLogsCollector().parse(content, SourceContext(path=name)))


def openslo(path: Path) -> list:
    return records(OpenSloCollector().parse(path.read_bytes(), SourceContext(path=str(path))))


def test_every_any_value_kind_of_a_body_is_kept():
    by_time = {r.time: r for r in otlp((OTLP / "requests/pretty-request.json").read_bytes())}
    start = datetime.fromtimestamp(1796000000, UTC)
    bodies = [by_time[start + timedelta(milliseconds=100 * n)].body for n in range(1, 9)]
    assert bodies == [
        "load of playlists started",
        '{"late_partitions":2,"oldest":"2026-11-30"}',
        '["tracks",3]',
        "true",
        "42",
        "0.995",
        "bWVzaGdvdg==",  # bytes stay base64 text
        "",  # no body
    ]
    first = by_time[start + timedelta(milliseconds=100)]
    assert (first.trace_id, first.span_id) == (
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
    )
    assert first.attributes == {
        "rows.expected": 120000,
        "dry_run": False,
        "sample.ratio": 0.25,
        "tables": ["playlists", "tracks"],
        "limits": {"max_rows": 500000},
        "checksum": "q83vEjRWeJA=",
        "otel.scope.name": "playlists.load",
    }
    assert (first.service, first.severity_number, first.severity_text) == (
        "playlist-curation",
        9,
        "INFO",
    )
    # timeUnixNano 0: the collector's observed time stands in.
    observed = by_time[start + timedelta(milliseconds=900)]
    assert observed.body == "observed only"


def test_a_request_reads_the_same_pretty_printed_or_on_one_line():
    pretty = (OTLP / "requests/pretty-request.json").read_bytes()
    one_line = json.dumps(json.loads(pretty), separators=(",", ":")).encode()
    keys = [r.natural_key for r in otlp(pretty)]
    assert keys == [r.natural_key for r in otlp(one_line, "logs.jsonl")]


def test_an_events_name_is_kept_as_the_event_name_attribute():
    started, ended = otlp((OTLP / "requests/event-records.json").read_bytes())
    assert started.attributes["event.name"] == "listening.session_started"
    assert json.loads(started.body) == {"session": "s-991", "tracks": 0, "shuffle": True}
    assert ended.attributes["event.name"] == "listening.session_ended"


@pytest.mark.skipif(
    harness.mirror_missing(PROTO) is not None, reason="no opentelemetry-proto mirror"
)
def test_the_upstream_logs_example_reads_field_by_field():
    [record] = otlp(harness.mirror_read(PROTO))
    assert record.time == datetime(2018, 12, 13, 14, 51, 0, 300000, tzinfo=UTC)
    assert (record.severity_number, record.severity_text) == (10, "Information")
    assert (record.trace_id, record.span_id) == (
        "5b8efff798038103d269b633813fc60c",
        "eee19b7ec3c1b174",
    )
    assert (record.body, record.service) == ("Example log record", "my.service")
    assert record.attributes["map.attribute"] == {"some.map.key": "some value"}
    assert record.attributes["int.attribute"] == 10


ACCEPTED_SLOS = sorted((OPENSLO / "slos").glob("*.yaml"))


@pytest.mark.parametrize("path", ACCEPTED_SLOS, ids=lambda p: p.name)
def test_every_accepted_definition_is_evaluated_by_the_slo_engine(path: Path):
    now = datetime(2026, 12, 7, tzinfo=UTC)
    for definition in openslo(path):
        row = {
            "name": definition.name,
            "target": definition.target,
            "window": definition.window,
            "budgeting_method": definition.budgeting_method,
            "details": json.loads(json.dumps(definition.details)),  # as the store keeps it
        }
        spec = _openslo_spec(row)  # raises where the engine could not evaluate it
        hour = timedelta(hours=1)
        points = [SliPoint(now - (n + 1) * hour, hour, 99.0, 100.0) for n in range(48)]
        assert evaluate_slo(spec, points, now).state in ("ok", "at_risk", "breached", "exhausted")


def test_what_openslo_v1_adds_is_kept_in_the_details():
    [definition] = openslo(OPENSLO / "slos/all-kinds.yaml")
    assert definition.target == pytest.approx(0.995)  # targetPercent 99.5
    assert definition.indicator == "hourly-loads-on-time"
    assert definition.details["indicator"]["metric"] == "ratioMetric"
    assert set(definition.details["indicator"]["spec"]) == {"counter", "bad", "total"}
    assert definition.details["labels"]["team"] == ["listening", "platform"]
    assert definition.details["annotations"]["meshgov/owner"] == "listening-team"
    assert definition.details["alert_policies"] == [{"alertPolicyRef": "history-fast-burn"}]
    internal, contract = openslo(OPENSLO / "slos/timeslices-calendar.yaml")
    assert internal.details["calendar"] == {
        "startTime": "2026-01-01T00:00:00",
        "timeZone": "Europe/Stockholm",
    }
    assert internal.details["rolling"] is False
    assert contract.details["objective"]["timeSliceWindow"] == "1m"  # a bare 1 is minutes
    opened, played = openslo(OPENSLO / "slos/composite.yaml")
    assert opened.details["objective"]["compositeWeight"] == 2
    assert (opened.indicator, played.indicator) == ("playlist-opens", "stream-starts")
    raw = openslo(OPENSLO / "slos/sdk-list-form.yaml")[-1]
    assert raw.details["indicator"]["spec"]["rawType"] == "success"
