"""Shared reading of line-oriented evidence: JSON lines, zoned ISO 8601 times, partial reads.

Used by the audit_logs and sli_events collectors (and anything else that reads one record
per line): one bad line becomes one problem naming the line, the other lines still land.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from collectors import CollectorParseError, Parsed
from governance.model import Record

# A gzip member that inflates past this is refused rather than exhausting memory.
MAX_INFLATED_BYTES = 256 * 1024 * 1024


def gunzip_if_compressed(content: bytes) -> bytes:
    """The decompressed bytes of a gzip file (CloudTrail's .json.gz, rotated logs), else as is."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    inflater = zlib.decompressobj(wbits=31)  # 31: expect a gzip header and trailer
    chunks: list[bytes] = []
    size = 0
    data = content
    try:
        while data:
            chunk = inflater.decompress(data, MAX_INFLATED_BYTES + 1 - size)
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_INFLATED_BYTES:
                raise CollectorParseError(
                    f"gzip file inflates past {MAX_INFLATED_BYTES // (1024 * 1024)} MiB; "
                    "split it into smaller files"
                )
            data = inflater.unconsumed_tail
            if inflater.eof:
                # Concatenated gzip members (as `cat a.gz b.gz` makes) are one stream.
                rest = inflater.unused_data
                if not rest.strip(b"\x00"):
                    break
                inflater = zlib.decompressobj(wbits=31)
                data = rest
    except zlib.error as exc:
        raise CollectorParseError(f"not a readable gzip file: {exc}") from exc
    if not inflater.eof:
        raise CollectorParseError("gzip file is truncated (no end of stream)")
    return b"".join(chunks)


def strict_json(text: str) -> Any:
    """json.loads without NaN/Infinity (not JSON, and PostgreSQL's jsonb refuses them)."""
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decoded_lines(content: bytes) -> Iterator[tuple[int, str | CollectorParseError]]:
    """Each line's number (from 1) and text, or a problem when the line is not UTF-8."""
    for number, raw in enumerate(content.split(b"\n"), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte order mark some editors write
        try:
            yield number, raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            yield (
                number,
                CollectorParseError(
                    f"not UTF-8 text (byte {exc.start + 1} is {raw[exc.start]:#04x})",
                    f"line {number}",
                ),
            )


def json_objects(content: bytes) -> Iterator[tuple[int, dict[str, Any] | CollectorParseError]]:
    """Each non-blank line parsed as a JSON object, or the problem with that line."""
    for number, text in decoded_lines(content):
        if isinstance(text, CollectorParseError):
            yield number, text
            continue
        if not text.strip():
            continue
        where = f"line {number}"
        try:
            value = strict_json(text)
        except RecursionError:
            yield number, CollectorParseError("JSON nested too deeply", where)
            continue
        except ValueError as exc:  # JSONDecodeError, and integers too long to convert
            yield number, CollectorParseError(f"not valid JSON: {exc}", where)
            continue
        if not isinstance(value, dict):
            yield (
                number,
                CollectorParseError(f"expected a JSON object, found {json_type(value)}", where),
            )
            continue
        yield number, value


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_zoned_time(value: Any) -> datetime:
    """An ISO 8601 time with a zone (Z or an offset), as UTC; ValueError says what is wrong."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 time string, found {json_type(value)}")
    text = value.strip()
    try:
        # fromisoformat reads 'Z' since 3.11; normalise anyway for older spellings like 'z'.
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except (ValueError, IndexError):
        raise ValueError(f"not an ISO 8601 time: {_shown(value)}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(
            f"time {_shown(value)} has no time zone; write it with Z or an offset like +02:00"
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"time {_shown(value)} is out of range") from None


def finite_number(value: Any) -> float:
    """A JSON number as a finite float; ValueError for booleans, strings, NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, found {json_type(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError("number is too large") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, found {value}")
    return number


def text_field(entry: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    """A non-empty string field; ValueError naming the field when it is missing or not text."""
    value = entry.get(key)
    if value is None:
        if required:
            raise ValueError(f"{key!r} is missing")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string, found {json_type(value)}")
    if required and not value.strip():
        raise ValueError(f"{key!r} is empty")
    return value


def partial_read(
    records: list[Record], problems: list[CollectorParseError], what: str
) -> Parsed | list[Record]:
    """Records plus problems; refuse the file when no line could be read at all."""
    if not records and not problems:
        raise CollectorParseError(f"the file holds no {what}")
    if not records:
        first = problems[0]
        more = f" (and {len(problems) - 1} more bad lines)" if len(problems) > 1 else ""
        raise CollectorParseError(f"no readable {what}: {first.reason}{more}", first.position)
    if not problems:
        return records
    return Parsed(records=records, problems=problems)


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")
