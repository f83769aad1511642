"""OTLP JSON logs, as the OpenTelemetry Collector's file exporter (and the SDK's) writes them.

One ``ExportLogsServiceRequest`` per line, in the OTLP/JSON encoding::

    {"resourceLogs": [{"resource": {"attributes": [...]},
                       "scopeLogs": [{"scope": {"name": ...}, "logRecords": [...]}]}]}

Keys are lowerCamelCase (OTLP/JSON does not allow the proto field names). 64-bit integers
(``timeUnixNano``, ``observedTimeUnixNano``, ``intValue``) are read as decimal strings or as
numbers; ``traceId``/``spanId`` are hex (32 and 16 digits, not base64), and an empty or
all-zero id means "no id". Each log record becomes a LogRecord:

- time: ``timeUnixNano``, else ``observedTimeUnixNano`` when the former is 0 or absent (the
  spec allows a record that only the collector timed); a record with neither is refused.
  Times keep microseconds (nanoseconds are truncated).
- severity: ``severityNumber`` 1-24 (1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
  21-24 FATAL; 0 or absent = unspecified = None; the enum's names like
  ``SEVERITY_NUMBER_WARN`` are read too); ``severityText`` as written, None when absent,
  never derived from the number.
- body: a ``stringValue`` as is; any other AnyValue rendered as compact JSON (kvlist as an
  object, array as a list); no body is an empty string.
- attributes: AnyValue → plain values (int, float, bool, str, list, dict; ``bytesValue``
  stays base64 text; NaN and infinities stay the strings "NaN", "Infinity", "-Infinity" so
  that they can be stored as JSON). The scope's name is added as ``otel.scope.name``
  unless the record carries that attribute itself.
- product: the source's product, else the ``data_product`` attribute of the record, else
  that of the resource, when the directory knows it (a product id or a dataset alias);
  else None. ``run_id``: the record's or the resource's ``run_id``,
  ``openlineage.run_id`` or ``openlineage.run.id`` attribute. ``service``: the resource's
  ``service.name``.

Options: none. A line that cannot be read is one problem ("line 4: not valid JSON: ..."); a
record that cannot be read is one problem naming its path in the line
("line 4: resourceLogs[0].scopeLogs[0].logRecords[2]: ..."); everything else still lands.
A file of OTLP traces or metrics (``resourceSpans``, ``resourceMetrics``) is not log
evidence and is skipped.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors import CollectorParseError, NotEvidence, Parsed, SourceContext
from collectors.json_lines import gave_up, json_objects, json_type
from governance.model import LogRecord, Record

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DECIMAL = re.compile(r"-?[0-9]{1,20}")
_OTHER_SIGNALS = {
    "resourceSpans": "traces",
    "resourceMetrics": "metrics",
    "resourceProfiles": "profiles",
}
_SEVERITY_NAMES = {
    f"SEVERITY_NUMBER_{level}{'' if step == 1 else step}": base + step - 1
    for base, level in ((1, "TRACE"), (5, "DEBUG"), (9, "INFO"), (13, "WARN"), (17, "ERROR"))
    + ((21, "FATAL"),)
    for step in range(1, 5)
} | {"SEVERITY_NUMBER_UNSPECIFIED": 0}
_RUN_ID_KEYS = ("run_id", "openlineage.run_id", "openlineage.run.id")
_ANY_VALUE_KINDS = (
    "stringValue",
    "boolValue",
    "intValue",
    "doubleValue",
    "arrayValue",
    "kvlistValue",
    "bytesValue",
)
_NON_FINITE = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}


class _Unreadable(ValueError):
    """A part of a line cannot be read; the message names the field."""


class OtlpLogsCollector:
    """OTLP JSON logs: one ExportLogsServiceRequest per line (Collector file exporter)."""

    name = "otlp_logs"
    description = "OTLP JSON logs (OpenTelemetry Collector file exporter, one request per line)"
    file_suffixes = (".jsonl", ".json")

    def parse(self, content: bytes, source: SourceContext) -> list[Record] | Parsed:
        """One LogRecord per OTLP log record; one problem per unreadable line or record."""
        records: list[Record] = []
        problems: list[CollectorParseError] = []
        lines = other_signal_lines = 0
        other_signals: set[str] = set()
        for number, request in json_objects(content):
            if gave_up(problems, f"line {number}"):
                break
            lines += 1
            if isinstance(request, CollectorParseError):
                problems.append(request)
                continue
            where = f"line {number}"
            if "resourceLogs" not in request:
                signals = [kind for key, kind in _OTHER_SIGNALS.items() if key in request]
                other_signal_lines += bool(signals)
                other_signals.update(signals)
                reason = (
                    f"an OTLP {' and '.join(signals)} export, not logs"
                    if signals
                    else "no 'resourceLogs': not an OTLP logs export (ExportLogsServiceRequest)"
                )
                problems.append(CollectorParseError(reason, where))
                continue
            try:
                read, bad = _request_records(request, source)
            except _Unreadable as exc:
                problems.append(CollectorParseError(str(exc), where))
                continue
            except RecursionError:
                problems.append(CollectorParseError("values nested too deeply", where))
                continue
            records.extend(read)
            problems.extend(CollectorParseError(reason, where) for reason in bad)
        if lines and other_signal_lines == lines:
            raise NotEvidence(f"OTLP {' and '.join(sorted(other_signals))}, not logs")
        if not records and problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise CollectorParseError(
                f"no readable OTLP log record: {first.reason}{more}", first.position
            )
        if not lines:
            raise CollectorParseError("the file holds no OTLP log export (it is empty)")
        return Parsed(records=records, problems=problems) if problems else records


def _request_records(
    request: dict[str, Any], source: SourceContext
) -> tuple[list[LogRecord], list[str]]:
    """The records of one ExportLogsServiceRequest, and a reason for each unreadable one."""
    records: list[LogRecord] = []
    bad: list[str] = []
    for r_index, resource_logs in enumerate(_array(request, "resourceLogs", "")):
        r_where = f"resourceLogs[{r_index}]"
        if not isinstance(resource_logs, dict):
            raise _Unreadable(f"{r_where} must be an object, found {json_type(resource_logs)}")
        resource = _optional_object(resource_logs, "resource", r_where)
        resource_attributes = _attributes(resource, f"{r_where}.resource")
        for s_index, scope_logs in enumerate(_array(resource_logs, "scopeLogs", r_where)):
            s_where = f"{r_where}.scopeLogs[{s_index}]"
            if not isinstance(scope_logs, dict):
                raise _Unreadable(f"{s_where} must be an object, found {json_type(scope_logs)}")
            scope = _optional_object(scope_logs, "scope", s_where)
            scope_name = scope.get("name") if isinstance(scope.get("name"), str) else None
            for l_index, entry in enumerate(_array(scope_logs, "logRecords", s_where)):
                l_where = f"{s_where}.logRecords[{l_index}]"
                try:
                    records.append(
                        _log_record(entry, l_where, resource_attributes, scope_name, source)
                    )
                except _Unreadable as exc:
                    bad.append(str(exc))
    return records, bad


def _log_record(
    entry: Any,
    where: str,
    resource_attributes: dict[str, Any],
    scope_name: str | None,
    source: SourceContext,
) -> LogRecord:
    if not isinstance(entry, dict):
        raise _Unreadable(f"{where} must be an object, found {json_type(entry)}")
    time = _unix_nano(entry, "timeUnixNano", where) or _unix_nano(
        entry, "observedTimeUnixNano", where
    )
    if time is None:
        raise _Unreadable(f"{where}: neither timeUnixNano nor observedTimeUnixNano is set")
    attributes = _attributes(entry, where)
    if scope_name and "otel.scope.name" not in attributes:
        attributes["otel.scope.name"] = scope_name
    body = _any_value(entry["body"], f"{where}.body") if "body" in entry else None
    if body is None or isinstance(body, str):
        body_text = body or ""
    else:
        body_text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    severity_text = entry.get("severityText")
    if severity_text is not None and not isinstance(severity_text, str):
        raise _Unreadable(
            f"{where}.severityText must be a string, found {json_type(severity_text)}"
        )
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
        severity_number=_severity(entry.get("severityNumber"), where),
        severity_text=severity_text or None,
        body=body_text,
        trace_id=_hex_id(entry, "traceId", 32, where),
        span_id=_hex_id(entry, "spanId", 16, where),
        run_id=run_id,
        service=_text_attribute(resource_attributes, "service.name"),
        source=source.path,
        attributes=attributes,
    )


def _unix_nano(entry: dict[str, Any], key: str, where: str) -> datetime | None:
    """A fixed64 nanosecond time (decimal string or number); None for 0 or absent."""
    value = entry.get(key)
    if value is None:
        return None
    nanos = _int64(value, f"{where}.{key}")
    if nanos == 0:
        return None
    if nanos < 0:
        raise _Unreadable(f"{where}.{key} is negative: {value!r}")
    try:
        return _EPOCH + timedelta(microseconds=nanos // 1000)
    except OverflowError:
        raise _Unreadable(f"{where}.{key} is out of range: {value!r}") from None


def _int64(value: Any, where: str) -> int:
    """OTLP/JSON writes 64-bit integers as decimal strings; some writers use numbers."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = int(value)
    if number is None:
        raise _Unreadable(f"{where} must be an integer (a decimal string), found {_shown(value)}")
    # int64 and fixed64 (timestamps are unsigned) share this reader.
    if not -(2**63) <= number < 2**64:
        raise _Unreadable(f"{where} does not fit in 64 bits: {_shown(value)}")
    return number


def _severity(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value in _SEVERITY_NAMES:
        value = _SEVERITY_NAMES[value]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24:
        raise _Unreadable(
            f"{where}.severityNumber must be an integer from 1 to 24 (0 = unspecified), "
            f"found {_shown(value)}"
        )
    return value or None


def _hex_id(entry: dict[str, Any], key: str, digits: int, where: str) -> str | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Unreadable(f"{where}.{key} must be a hex string, found {json_type(value)}")
    if len(value) != digits or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise _Unreadable(
            f"{where}.{key} must be {digits} hex digits (OTLP/JSON writes hex, not base64), "
            f"found {_shown(value)}"
        )
    return None if value.strip("0") == "" else value.lower()


def _attributes(container: dict[str, Any], where: str) -> dict[str, Any]:
    """A KeyValue list as a dict of plain values (a repeated key: the last one wins)."""
    return _key_values(container.get("attributes"), f"{where}.attributes")


def _key_values(values: Any, where: str) -> dict[str, Any]:
    if values is None:
        return {}
    if not isinstance(values, list):
        raise _Unreadable(f"{where} must be an array, found {json_type(values)}")
    plain: dict[str, Any] = {}
    for index, pair in enumerate(values):
        at = f"{where}[{index}]"
        if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
            raise _Unreadable(f"{at} must be an object with a string 'key'")
        value = pair.get("value")
        plain[pair["key"]] = None if value is None else _any_value(value, f"{at}.value")
    return plain


def _any_value(value: Any, where: str) -> Any:
    """An OTLP AnyValue as a plain value; an empty AnyValue is None."""
    if not isinstance(value, dict):
        raise _Unreadable(f"{where} must be an AnyValue object, found {json_type(value)}")
    kinds = [kind for kind in _ANY_VALUE_KINDS if kind in value]
    if len(kinds) > 1:
        raise _Unreadable(f"{where} holds more than one value ({', '.join(kinds)})")
    if not kinds:
        return None  # unset, or a kind newer than this reader: OTLP says ignore it
    kind = kinds[0]
    inner = value[kind]
    at = f"{where}.{kind}"
    if kind in ("stringValue", "bytesValue"):
        if not isinstance(inner, str):
            raise _Unreadable(f"{at} must be a string, found {json_type(inner)}")
        return inner
    if kind == "boolValue":
        if not isinstance(inner, bool):
            raise _Unreadable(f"{at} must be true or false, found {json_type(inner)}")
        return inner
    if kind == "intValue":
        return _int64(inner, at)
    if kind == "doubleValue":
        return _double(inner, at)
    if not isinstance(inner, dict):
        raise _Unreadable(f"{at} must be an object, found {json_type(inner)}")
    if kind == "kvlistValue":
        return _key_values(inner.get("values"), f"{at}.values")
    items = inner.get("values")
    if items is None:
        return []
    if not isinstance(items, list):
        raise _Unreadable(f"{at}.values must be an array, found {json_type(items)}")
    return [_any_value(item, f"{at}.values[{index}]") for index, item in enumerate(items)]


def _double(value: Any, where: str) -> float | str:
    if isinstance(value, str) and value in _NON_FINITE:
        return value  # kept as text: NaN and infinities have no JSON number to be stored as
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _Unreadable(f"{where} must be a number, found {_shown(value)}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unreadable(f"{where} must be a number, found {json_type(value)}")
    number = float(value)
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    return number


def _array(container: dict[str, Any], key: str, where: str) -> list[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        path = f"{where}.{key}" if where else key
        raise _Unreadable(f"{path} must be an array, found {json_type(value)}")
    return value


def _optional_object(container: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Unreadable(f"{where}.{key} must be an object, found {json_type(value)}")
    return value


def _text_attribute(attributes: dict[str, Any], key: str) -> str | None:
    value = attributes.get(key)
    return value if isinstance(value, str) and value else None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
