"""OTLP/JSON logs: ExportLogsServiceRequests, one per line or one pretty-printed per file.

Two layouts are read: one ``ExportLogsServiceRequest`` per line (the OpenTelemetry
Collector's file exporter, the SDK's OTLP JSON file exporter), or one request spread over the
whole file as opentelemetry-proto's ``examples/logs.json`` (and an HTTP payload) is written
(a file whose first line is ``{`` alone, or that is one JSON object over several lines)::

    {"resourceLogs": [{"resource": {"attributes": [...]},
                       "scopeLogs": [{"scope": {"name": ...}, "logRecords": [...]}]}]}

OTLP/JSON (opentelemetry-proto docs/specification.md): keys are lowerCamelCase, the proto
field names (``time_unix_nano``) are not valid and, like every unknown field, are ignored (a
refusal they cause says so). 64-bit integers (``timeUnixNano``, ``observedTimeUnixNano``,
``intValue``) are read as decimal strings or as numbers; ``traceId``/``spanId`` are hex (32
and 16 digits, any case, not base64); an empty, all-zero or invalid id means "no id" (an
invalid one with a warning, as logs.proto says). Each log record becomes a LogRecord:

- time: ``timeUnixNano``, else ``observedTimeUnixNano`` when the former is 0 or absent (the
  spec allows a record that only the collector timed); a record with neither is refused.
  Times keep microseconds (nanoseconds are truncated).
- severity: ``severityNumber`` 1-24 (1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
  21-24 FATAL; 0 or absent = unspecified = None); the enum's names like
  ``SEVERITY_NUMBER_WARN``, which OTLP/JSON forbids, are read too, with a warning.
  ``severityText`` as written, None when absent, never derived from the number.
- body: a ``stringValue`` as is; any other AnyValue (bool, int, double, bytes as base64,
  array, kvlist) rendered as compact JSON (kvlist as an object, array as a list); no body is
  an empty string.
- attributes: AnyValue → plain values (int, float, bool, str, list, dict; ``bytesValue``
  stays base64 text; NaN and infinities stay the strings "NaN", "Infinity", "-Infinity" so
  that they can be stored as JSON). The scope's name is added as ``otel.scope.name`` and the
  record's ``eventName`` (an event's name, proto field 12) as ``event.name``, unless the
  record carries that attribute itself.
- product: the source's product, else the ``data_product`` attribute of the record, else
  that of the resource, when the directory knows it (a product id or a dataset alias);
  else None. ``run_id``: the record's or the resource's ``run_id``,
  ``openlineage.run_id`` or ``openlineage.run.id`` attribute. ``service``: the resource's
  ``service.name``.

Read but not stored, each said once per file as a warning: the resource's other attributes,
``entityRefs`` and ``droppedAttributesCount``; ``schemaUrl``; the scope's version and
attributes; a record's ``flags`` (W3C trace flags) and ``droppedAttributesCount``;
Profiling-only string-table references (``keyStrindex``, ``stringValueStrindex``), read as
absent as common.proto says.

Options: none. A line that cannot be read is one problem ("line 4: not valid JSON: ..."); a
record that cannot be read is one problem naming its path in the line
("line 4: resourceLogs[0].scopeLogs[0].logRecords[2]: ..."); everything else still lands.
A file of OTLP traces, metrics or profiles (``resourceSpans``, ``resourceMetrics``,
``resourceProfiles``, as opentelemetry-proto's examples/trace.json and metrics.json) is not
log evidence and is skipped, saying which signal it holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from collectors import Parsed, SourceContext
from collectors.json_lines import decoded_lines, gave_up, json_objects, json_type, strict_json
from collectors.otlp_values import Notes, any_value, hex_id, key_values, severity, shown, unix_nano
from governance.errors import CollectorParseError, NotEvidence, Unreadable
from governance.model.records import LogRecord, Record

_OTHER_SIGNALS = {
    "resourceSpans": "traces",
    "resourceMetrics": "metrics",
    "resourceProfiles": "profiles",
}
_RUN_ID_KEYS = ("run_id", "openlineage.run_id", "openlineage.run.id")
# Resource attributes meshgov keeps (as the record's service, product or run id).
_USED_RESOURCE_KEYS = frozenset({"service.name", "data_product", *_RUN_ID_KEYS})


class OtlpLogsCollector:
    """OTLP/JSON logs: ExportLogsServiceRequests, one per line or one per file."""

    name = "otlp_logs"
    description = (
        "OTLP/JSON logs (Collector or SDK file exporter, one request per line; "
        "or one pretty-printed request per file)"
    )
    file_suffixes = (".jsonl", ".json")

    def parse(self, content: bytes, source: SourceContext) -> list[Record] | Parsed:
        """One LogRecord per OTLP log record; one problem per unreadable line or record."""
        records: list[Record] = []
        problems: list[CollectorParseError] = []
        notes = Notes()
        requests = other_signal_requests = 0
        other_signals: set[str] = set()
        for number, request in _requests(content):
            if gave_up(problems, f"line {number}"):
                break
            requests += 1
            if isinstance(request, CollectorParseError):
                problems.append(request)
                continue
            where = notes.position = f"line {number}"
            if "resourceLogs" not in request:
                signals = [kind for key, kind in _OTHER_SIGNALS.items() if key in request]
                other_signal_requests += bool(signals)
                other_signals.update(signals)
                problems.append(CollectorParseError(_not_logs(request, signals), where))
                continue
            try:
                read, bad = _request_records(request, source, notes)
            except Unreadable as exc:
                problems.append(CollectorParseError(str(exc), where))
                continue
            except RecursionError:
                problems.append(CollectorParseError("values nested too deeply", where))
                continue
            records.extend(read)
            problems.extend(CollectorParseError(reason, where) for reason in bad)
        if requests and other_signal_requests == requests:
            raise NotEvidence(f"OTLP {' and '.join(sorted(other_signals))}, not logs")
        if not records and problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise CollectorParseError(
                f"no readable OTLP log record: {first.reason}{more}", first.position
            )
        if not requests:
            raise CollectorParseError("the file holds no OTLP log export (it is empty)")
        warnings = notes.listed()
        if problems or warnings:
            return Parsed(records=records, problems=problems, warnings=warnings)
        return records


def _requests(content: bytes) -> Iterator[tuple[int, dict[str, Any] | CollectorParseError]]:
    """Each request with the line it starts on: one per line, or one for the whole file."""
    first_line = next(iter(decoded_lines(content)), None)
    if first_line is None or isinstance(first_line[1], CollectorParseError):
        yield from json_objects(content)
        return
    number, text = first_line
    if text.strip() in ("{", "["):
        yield number, _whole_document(content, number)  # pretty-printed: no line is JSON
        return
    try:
        strict_json(text)
    except ValueError:
        # The first line is not JSON by itself: one document over several lines, if the
        # whole file reads; else JSON lines whose first line is broken.
        whole = _whole_document(content, number)
        if isinstance(whole, dict):
            yield number, whole
            return
    yield from json_objects(content)


def _whole_document(content: bytes, number: int) -> dict[str, Any] | CollectorParseError:
    where = f"line {number}"
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        return CollectorParseError("not UTF-8 text", f"line {line}")
    try:
        value = strict_json(text)
    except ValueError as exc:  # a JSONDecodeError knows its line (within the text)
        line = getattr(exc, "lineno", None)
        return CollectorParseError(f"not valid JSON: {exc}", f"line {line}" if line else where)
    if not isinstance(value, dict):
        return CollectorParseError(f"expected a JSON object, found {json_type(value)}", where)
    return value


def _not_logs(request: dict[str, Any], signals: list[str]) -> str:
    if signals:
        return f"an OTLP {' and '.join(signals)} export, not logs"
    if "resource_logs" in request:
        return (
            "no 'resourceLogs': 'resource_logs' is the proto field name, which OTLP/JSON "
            "does not allow (keys are lowerCamelCase: resourceLogs, scopeLogs, logRecords)"
        )
    for key, signal in _OTHER_SIGNALS.items():
        snake = "resource_" + key.removeprefix("resource").lower()
        if snake in request:
            return (
                f"no 'resourceLogs': {snake!r} is the proto field name of OTLP {signal} "
                f"(OTLP/JSON writes {key}); not logs either way"
            )
    return "no 'resourceLogs': not an OTLP logs export (ExportLogsServiceRequest)"


def _request_records(
    request: dict[str, Any], source: SourceContext, notes: Notes
) -> tuple[list[LogRecord], list[str]]:
    """The records of one ExportLogsServiceRequest, and a reason for each unreadable one."""
    records: list[LogRecord] = []
    bad: list[str] = []
    for r_index, resource_logs in enumerate(_array(request, "resourceLogs", "")):
        r_where = f"resourceLogs[{r_index}]"
        if not isinstance(resource_logs, dict):
            raise Unreadable(f"{r_where} must be an object, found {json_type(resource_logs)}")
        resource = _optional_object(resource_logs, "resource", r_where)
        resource_attributes = key_values(
            resource.get("attributes"), f"{r_where}.resource.attributes", notes
        )
        _note_resource(resource, resource_logs, resource_attributes, r_where, notes)
        for s_index, scope_logs in enumerate(_array(resource_logs, "scopeLogs", r_where)):
            s_where = f"{r_where}.scopeLogs[{s_index}]"
            if not isinstance(scope_logs, dict):
                raise Unreadable(f"{s_where} must be an object, found {json_type(scope_logs)}")
            scope = _optional_object(scope_logs, "scope", s_where)
            scope_name = scope.get("name") if isinstance(scope.get("name"), str) else None
            _note_scope(scope, scope_logs, notes)
            for l_index, entry in enumerate(_array(scope_logs, "logRecords", s_where)):
                l_where = f"{s_where}.logRecords[{l_index}]"
                try:
                    records.append(
                        _log_record(entry, l_where, resource_attributes, scope_name, source, notes)
                    )
                except Unreadable as exc:
                    bad.append(str(exc))
    return records, bad


def _note_resource(
    resource: dict[str, Any],
    resource_logs: dict[str, Any],
    attributes: dict[str, Any],
    where: str,
    notes: Notes,
) -> None:
    """Warn (once per file) about the resource's parts that LogRecord has no place for."""
    unused = sorted(key for key in attributes if key not in _USED_RESOURCE_KEYS)
    if unused:
        listed = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5 else "")
        notes.add(
            "resource attributes",
            f"resource attributes other than service.name, data_product and run ids are not "
            f"stored ({listed})",
        )
    if resource.get("entityRefs"):
        notes.add("entityRefs", f"{where}.resource.entityRefs are read but not stored")
    if resource.get("droppedAttributesCount") not in (None, 0, "0"):
        notes.add(
            "resource droppedAttributesCount",
            "the resource's droppedAttributesCount (attributes the sender dropped) is not stored",
        )
    if resource_logs.get("schemaUrl"):
        notes.add("schemaUrl", f"schemaUrl is not stored ({shown(resource_logs['schemaUrl'])})")


def _note_scope(scope: dict[str, Any], scope_logs: dict[str, Any], notes: Notes) -> None:
    """Warn (once per file) about the scope's parts other than its name."""
    if scope.get("version") or scope.get("attributes"):
        notes.add(
            "scope details",
            "instrumentation scope version and attributes are not stored (only its name, "
            "as the otel.scope.name attribute)",
        )
    if scope.get("droppedAttributesCount") not in (None, 0, "0"):
        notes.add(
            "scope droppedAttributesCount", "the scope's droppedAttributesCount is not stored"
        )
    if scope_logs.get("schemaUrl"):
        notes.add("schemaUrl", f"schemaUrl is not stored ({shown(scope_logs['schemaUrl'])})")


def _log_record(
    entry: Any,
    where: str,
    resource_attributes: dict[str, Any],
    scope_name: str | None,
    source: SourceContext,
    notes: Notes,
) -> LogRecord:
    if not isinstance(entry, dict):
        raise Unreadable(f"{where} must be an object, found {json_type(entry)}")
    time = unix_nano(entry, "timeUnixNano", where) or unix_nano(
        entry, "observedTimeUnixNano", where
    )
    if time is None:
        proto_names = [k for k in ("time_unix_nano", "observed_time_unix_nano") if k in entry]
        hint = (
            f" ({' and '.join(proto_names)}: proto field names, which OTLP/JSON does not "
            "allow; write timeUnixNano)"
            if proto_names
            else ""
        )
        raise Unreadable(f"{where}: neither timeUnixNano nor observedTimeUnixNano is set{hint}")
    attributes = key_values(entry.get("attributes"), f"{where}.attributes", notes)
    if scope_name and "otel.scope.name" not in attributes:
        attributes["otel.scope.name"] = scope_name
    _read_event_name(entry, where, attributes, notes)
    body = any_value(entry["body"], f"{where}.body", notes) if "body" in entry else None
    if body is None or isinstance(body, str):
        body_text = body or ""
    else:
        body_text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    severity_text = entry.get("severityText")
    if severity_text is not None and not isinstance(severity_text, str):
        raise Unreadable(f"{where}.severityText must be a string, found {json_type(severity_text)}")
    _note_unstored(entry, where, notes)
    product = source.attribute(
        _text_attribute(attributes, "data_product"),
        _text_attribute(resource_attributes, "data_product"),
    )
    run_id = next(
        (
            str(found[key])
            for found in (attributes, resource_attributes)
            for key in _RUN_ID_KEYS
            if isinstance(found.get(key), str | int) and not isinstance(found.get(key), bool)
        ),
        None,
    )
    return LogRecord(
        product_id=product,
        time=time,
        severity_number=severity(entry.get("severityNumber"), where, notes),
        severity_text=severity_text or None,
        body=body_text,
        trace_id=hex_id(entry, "traceId", 32, where, notes),
        span_id=hex_id(entry, "spanId", 16, where, notes),
        run_id=run_id,
        service=_text_attribute(resource_attributes, "service.name"),
        source=source.path,
        attributes=attributes,
    )


def _read_event_name(
    entry: dict[str, Any], where: str, attributes: dict[str, Any], notes: Notes
) -> None:
    """eventName (logs.proto field 12) names an event; kept as the event.name attribute."""
    event_name = entry.get("eventName")
    if event_name is None or event_name == "":
        return
    if not isinstance(event_name, str):
        raise Unreadable(f"{where}.eventName must be a string, found {json_type(event_name)}")
    if "event.name" not in attributes:
        attributes["event.name"] = event_name
    elif attributes["event.name"] != event_name:
        notes.add(
            "eventName",
            f"{where}.eventName {shown(event_name)} differs from its event.name attribute, "
            "which is kept; the eventName is not stored",
        )


def _note_unstored(entry: dict[str, Any], where: str, notes: Notes) -> None:
    """Warn about a record's fields that LogRecord has no place for (not checked further)."""
    if entry.get("flags") not in (None, 0, "0"):
        notes.add("flags", "log record flags (W3C trace flags) are not stored")
    if entry.get("droppedAttributesCount") not in (None, 0, "0"):
        notes.add(
            "droppedAttributesCount",
            "log records' droppedAttributesCount (attributes the sender dropped) is not stored",
        )


def _array(container: dict[str, Any], key: str, where: str) -> list[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        path = f"{where}.{key}" if where else key
        raise Unreadable(f"{path} must be an array, found {json_type(value)}")
    return value


def _optional_object(container: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unreadable(f"{where}.{key} must be an object, found {json_type(value)}")
    return value


def _text_attribute(attributes: dict[str, Any], key: str) -> str | None:
    value = attributes.get(key)
    return value if isinstance(value, str) and value else None
