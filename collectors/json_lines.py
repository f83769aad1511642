"""Shared reading of line-oriented evidence: JSON lines, zoned ISO 8601 times, partial reads.

Used by the audit_logs and sli_events collectors (and anything else that reads one record
per line): one bad line becomes one problem naming the line, the other lines still land.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from collectors import Parsed
from collectors.json_text import loads
from governance.errors import CollectorParseError
from governance.model.records import Record

# A gzip member that inflates past this is refused rather than exhausting memory.
MAX_INFLATED_BYTES = 256 * 1024 * 1024
# A longer line is one problem, not read: a JSON line takes up to twenty times its length
# in memory, and no exporter writes one record this big.
MAX_LINE_BYTES = 32 * 1024 * 1024
# After this many problems a line-oriented read stops and says so: a file that bad is not
# worth reading to the end, and each problem costs memory (a 200 MB file of "{}" lines
# would otherwise make 67 million of them).
MAX_PROBLEMS = 10_000
# A line with something besides blanks on it, found without splitting the whole file into
# a list of lines (a file of millions of empty lines must not cost a list of millions).
# The possessive quantifier and the anchor keep the search linear on long blank runs.
_FILLED_LINE = re.compile(rb"(?m)^[ \t\r\f\v]*+[^\s][^\n]*")


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
    """JSON without NaN/Infinity (not JSON, and PostgreSQL's jsonb refuses them).

    ValueError (a JsonRefused or JSONDecodeError) says what is wrong; see json_text.loads.
    """
    return loads(text)


def gave_up(problems: list[CollectorParseError], position: str) -> bool:
    """True once a read has MAX_PROBLEMS problems: the last one then says reading stopped."""
    if len(problems) < MAX_PROBLEMS:
        return False
    problems.append(
        CollectorParseError(
            f"stopped reading after {MAX_PROBLEMS:,} problems; the rest of the file was not "
            "read (fix the file and collect it again)",
            position,
        )
    )
    return True


def decoded_lines(content: bytes) -> Iterator[tuple[int, str | CollectorParseError]]:
    """Each non-blank line's number (from 1) and text, or a problem: not UTF-8, too long."""
    number, counted_to = 1, 0
    for match in _FILLED_LINE.finditer(content):
        number += content.count(b"\n", counted_to, match.start())
        counted_to = match.start()
        length = match.end() - match.start()
        if length > MAX_LINE_BYTES:
            yield (
                number,
                CollectorParseError(
                    f"line is {length / 1024 / 1024:.1f} MiB long, over the "
                    f"{MAX_LINE_BYTES // 1024 // 1024} MiB limit for one line; not read",
                    f"line {number}",
                ),
            )
            continue
        raw = match.group()
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
