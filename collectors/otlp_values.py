"""OTLP/JSON scalar and AnyValue readers shared by the OTLP collectors.

The OTLP/JSON encoding is proto3's JSON mapping with three deviations (opentelemetry-proto
docs/specification.md, "JSON Protobuf Encoding"): trace and span ids are hex, not base64;
enums are integers, never names; keys are lowerCamelCase only. 64-bit integers are decimal
strings, and readers accept numbers too. Receivers ignore fields they do not know.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors.json_lines import json_type
from governance.errors import Unreadable

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DECIMAL = re.compile(r"-?[0-9]{1,20}")
_ANY_VALUE_KINDS = (
    "stringValue",
    "boolValue",
    "intValue",
    "doubleValue",
    "arrayValue",
    "kvlistValue",
    "bytesValue",
)
# OTLP/JSON writes enums as integers only; the names are read too (with a warning).
_SEVERITY_NAMES = {
    f"SEVERITY_NUMBER_{level}{'' if step == 1 else step}": base + step - 1
    for base, level in ((1, "TRACE"), (5, "DEBUG"), (9, "INFO"), (13, "WARN"), (17, "ERROR"))
    + ((21, "FATAL"),)
    for step in range(1, 5)
} | {"SEVERITY_NUMBER_UNSPECIFIED": 0}
_NON_FINITE = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}


class Notes:
    """A file's warnings: one per kind of thing meshgov read but cannot use, first one wins."""

    def __init__(self) -> None:
        self._by_kind: dict[str, str] = {}
        self.position = ""  # the line being read, put before a message naming a path in it

    def add(self, kind: str, message: str) -> None:
        """Note `message` unless a note of this kind was already made for the file."""
        if kind not in self._by_kind and self.position and message.startswith("resourceLogs"):
            message = f"{self.position}: {message}"
        self._by_kind.setdefault(kind, message)

    def listed(self) -> list[str]:
        """The notes in the order they were first made."""
        return list(self._by_kind.values())


def unix_nano(entry: dict[str, Any], key: str, where: str) -> datetime | None:
    """A fixed64 nanosecond time (decimal string or number); None for 0 or absent."""
    value = entry.get(key)
    if value is None:
        return None
    nanos = int64(value, f"{where}.{key}")
    if nanos == 0:
        return None
    if nanos < 0:
        raise Unreadable(f"{where}.{key} is negative: {value!r}")
    try:
        return _EPOCH + timedelta(microseconds=nanos // 1000)
    except OverflowError:
        raise Unreadable(f"{where}.{key} is out of range: {value!r}") from None


def int64(value: Any, where: str) -> int:
    """OTLP/JSON writes 64-bit integers as decimal strings; some writers use numbers."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = int(value)
    if number is None:
        raise Unreadable(f"{where} must be an integer (a decimal string), found {shown(value)}")
    # int64 and fixed64 (timestamps are unsigned) share this reader.
    if not -(2**63) <= number < 2**64:
        raise Unreadable(f"{where} does not fit in 64 bits: {shown(value)}")
    return number


def hex_id(entry: dict[str, Any], key: str, digits: int, where: str, notes: Notes) -> str | None:
    """A trace or span id as lower-case hex; None when absent, empty, all zeros or invalid.

    logs.proto: an id of the wrong length is invalid, and receivers SHOULD then take the
    record as not associated with a trace: read without it, with a warning, not refused.
    """
    value = entry.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Unreadable(f"{where}.{key} must be a hex string, found {json_type(value)}")
    if len(value) != digits or any(c not in "0123456789abcdefABCDEF" for c in value):
        notes.add(
            f"invalid {key}",
            f"{where}.{key} is not {digits} hex digits (OTLP/JSON writes hex, not base64): "
            f"{shown(value)}; such records are read as not associated with a trace "
            "(logs.proto), as are the file's other records with an invalid "
            f"{key}",
        )
        return None
    return None if value.strip("0") == "" else value.lower()


def severity(value: Any, where: str, notes: Notes) -> int | None:
    """A severityNumber: 1-24, None for 0 or absent; enum names read with a warning."""
    if value is None:
        return None
    if isinstance(value, str) and value in _SEVERITY_NAMES:
        notes.add(
            "severity names",
            f"{where}.severityNumber is written as the enum name {value!r}; OTLP/JSON writes "
            "enums as integers (read anyway)",
        )
        value = _SEVERITY_NAMES[value]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24:
        raise Unreadable(
            f"{where}.severityNumber must be an integer from 1 to 24 (0 = unspecified), "
            f"found {shown(value)}"
        )
    return value or None


def key_values(values: Any, where: str, notes: Notes) -> dict[str, Any]:
    """A KeyValue list as a dict of plain values (a repeated key: the last one wins)."""
    if values is None:
        return {}
    if not isinstance(values, list):
        raise Unreadable(f"{where} must be an array, found {json_type(values)}")
    plain: dict[str, Any] = {}
    for index, pair in enumerate(values):
        at = f"{where}[{index}]"
        if isinstance(pair, dict) and "key" not in pair and "keyStrindex" in pair:
            _profiles_only(notes, f"{at}.keyStrindex")
            continue
        if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
            raise Unreadable(f"{at} must be an object with a string 'key'")
        value = pair.get("value")
        plain[pair["key"]] = None if value is None else any_value(value, f"{at}.value", notes)
    return plain


def any_value(value: Any, where: str, notes: Notes) -> Any:
    """An OTLP AnyValue as a plain value; an empty AnyValue is None.

    bytesValue stays base64 text; NaN and infinities stay the strings "NaN", "Infinity",
    "-Infinity" so that they can be stored as JSON.
    """
    if not isinstance(value, dict):
        raise Unreadable(f"{where} must be an AnyValue object, found {json_type(value)}")
    kinds = [kind for kind in _ANY_VALUE_KINDS if kind in value]
    if len(kinds) > 1:
        raise Unreadable(f"{where} holds more than one value ({', '.join(kinds)})")
    if not kinds:
        if "stringValueStrindex" in value:
            _profiles_only(notes, f"{where}.stringValueStrindex")
        elif value:
            notes.add(
                "unknown AnyValue kind",
                f"{where} holds a value of a kind this reader does not know "
                f"({', '.join(sorted(map(str, value))[:3])}); read as empty, as OTLP says",
            )
        return None
    kind = kinds[0]
    inner = value[kind]
    at = f"{where}.{kind}"
    if kind in ("stringValue", "bytesValue"):
        if not isinstance(inner, str):
            raise Unreadable(f"{at} must be a string, found {json_type(inner)}")
        return inner
    if kind == "boolValue":
        if not isinstance(inner, bool):
            raise Unreadable(f"{at} must be true or false, found {json_type(inner)}")
        return inner
    if kind == "intValue":
        return int64(inner, at)
    if kind == "doubleValue":
        return _double(inner, at)
    if not isinstance(inner, dict):
        raise Unreadable(f"{at} must be an object, found {json_type(inner)}")
    if kind == "kvlistValue":
        return key_values(inner.get("values"), f"{at}.values", notes)
    items = inner.get("values")
    if items is None:
        return []
    if not isinstance(items, list):
        raise Unreadable(f"{at}.values must be an array, found {json_type(items)}")
    return [any_value(item, f"{at}.values[{index}]", notes) for index, item in enumerate(items)]


def _profiles_only(notes: Notes, where: str) -> None:
    # Profiling-only references into a string table (common.proto, Alpha): receivers of
    # other signals are told to warn and read the value as absent.
    notes.add(
        "profiles-only field",
        f"{where} refers to a Profiling string table, which logs do not have; read as "
        "absent (common.proto)",
    )


def _double(value: Any, where: str) -> float | str:
    if isinstance(value, str) and value in _NON_FINITE:
        return value  # kept as text: NaN and infinities have no JSON number to be stored as
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise Unreadable(f"{where} must be a number, found {shown(value)}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unreadable(f"{where} must be a number, found {json_type(value)}")
    number = float(value)
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    return number


def shown(value: Any) -> str:
    """A value as quoted in a message, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
