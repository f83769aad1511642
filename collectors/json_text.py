"""Reading JSON evidence safely: what json.loads alone crashes on or lets through.

json.loads is fast and strict about syntax, but evidence files come from anywhere:

- nesting deeper than the interpreter's recursion limit raises RecursionError, and nesting
  a little less deep reads but cannot be stored (the store serialises it again, deeper in
  the stack): more than MAX_JSON_DEPTH levels is refused;
- an integer of more than 4,300 digits raises a ValueError that suggests changing Python;
- a document of millions of tiny values (``[{},{},...]``) takes twenty times its size in
  memory: more than MAX_JSON_VALUES values (estimated from the text) is refused;
- ``"\\ud800"`` (a lone UTF-16 surrogate) reads as a string that no store can hold (it has
  no UTF-8 form) and that crashes whatever encodes it: it is read as U+FFFD, the
  replacement character, like any other undecodable text. (``"\\u0000"`` is left alone:
  SQLite stores it; PostgreSQL refuses the file's records, and the run says so);
- NaN, Infinity and numbers too large for a float (``1e999`` reads as inf) are not JSON
  numbers and cannot be stored as JSON: refused, or kept as their text (``constants="text"``)
  by formats whose tools are known to write them into otherwise good files.

Every refusal is a JsonRefused (a ValueError) whose message says what was wrong.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from typing import Any, Literal

from governance.errors import JsonRefused

# Deeper JSON is refused: it would read, but writing it to the store (json.dumps, another
# few hundred frames down) would fail. No evidence format nests more than a few dozen.
MAX_JSON_DEPTH = 500
# A document with more values than this is refused before parsing: about 70 bytes of
# memory per value at worst (an empty object), so ~700 MB for the largest one accepted.
MAX_JSON_VALUES = 10_000_000
_COUNT_FROM_CHARS = 1024 * 1024  # below this size no document can hold too many values
# An escape that reads as a lone surrogate, after an even run of backslashes (an odd run
# means the backslash itself is escaped). A valid surrogate pair is matched first and kept.
_SUSPECT = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile(
    r"(?<!\\)((?:\\\\)*)(?:"
    r"(\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\u[dD][89a-fA-F][0-9a-fA-F]{2})"
)
# Float literals that may overflow to inf: a three-digit exponent or 300 digits in a row.

Constants = Literal["refuse", "text"]


def decode_json_bytes(content: bytes) -> str:
    """The text of JSON bytes: UTF-8 (a BOM allowed), or UTF-16/32 as json.loads detects them.

    Unlike json.loads, bytes that are not valid in the encoding (including encoded
    surrogates) raise UnicodeDecodeError instead of passing through.
    """
    return content.decode(json.detect_encoding(content))


def loads(text: str | bytes, *, constants: Constants = "refuse") -> Any:
    """json.loads for evidence; a JsonRefused or JSONDecodeError says what is wrong."""
    if isinstance(text, bytes):
        try:
            text = decode_json_bytes(text)
        except UnicodeDecodeError as exc:
            raise JsonRefused(
                f"not {exc.encoding.upper().removesuffix('-SIG')} text (byte {exc.start + 1} is "
                f"{exc.object[exc.start]:#04x})"
            ) from None
    if not text.strip():
        raise JsonRefused("the file is empty")
    if len(text) > _COUNT_FROM_CHARS:
        values = text.count(",") + text.count("[") + text.count("{")
        if values > MAX_JSON_VALUES:
            raise JsonRefused(
                f"the document holds about {values:,} JSON values, more than the "
                f"{MAX_JSON_VALUES:,} that can be read at once; split it into smaller files"
            )
    if _SUSPECT.search(text):
        text = _LONE_SURROGATE.sub(_replace_escape, text)
    decoder = _DECODERS[constants]

    def parse() -> Any:
        return decoder.decode(text)

    try:
        if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
            return parse()  # cannot nest too deeply: no need to measure
        return _with_depth_limit(parse)
    except RecursionError:
        raise JsonRefused(
            f"JSON nested too deeply to read (more than {MAX_JSON_DEPTH} levels)"
        ) from None
    except JsonRefused:
        raise
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise JsonRefused(
                "a number has more than 4,300 digits; no evidence field needs that many"
            ) from None
        raise JsonRefused(str(exc)) from None


def _with_depth_limit(parse: Callable[[], Any]) -> Any:
    """parse() with only MAX_JSON_DEPTH levels of recursion left for the JSON decoder.

    json.loads has no depth option, but its C decoder counts each level against the
    interpreter's recursion limit (shared with Python frames in CPython 3.11): calling it
    from under enough Python frames leaves it exactly the depth we allow.
    """
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    spare = sys.getrecursionlimit() - depth - MAX_JSON_DEPTH - 10
    return _deeper(spare, parse)


def _deeper(frames: int, call: Callable[[], Any]) -> Any:
    return call() if frames <= 0 else _deeper(frames - 1, call)


def _replace_escape(match: re.Match[str]) -> str:
    backslashes, pair = match.group(1), match.group(2)
    return backslashes + (pair or "\\ufffd")


def _decoder(constants: Constants) -> json.JSONDecoder:
    on_constant = _refuse_constant if constants == "refuse" else _constant_as_text
    # Always checked by the hook: cheaper than searching the text for huge numbers first
    # (a regex over the whole text cost five times the parse).
    on_float = _refuse_huge_float if constants == "refuse" else _huge_float_as_text
    return json.JSONDecoder(parse_constant=on_constant, parse_float=on_float)


def _refuse_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number")


def _constant_as_text(name: str) -> Any:
    return name


def _refuse_huge_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise JsonRefused(f"number {_shown(literal)} is too large")
    return number


def _huge_float_as_text(literal: str) -> float | str:
    number = float(literal)
    return number if math.isfinite(number) else literal


def _shown(literal: str) -> str:
    return literal if len(literal) <= 30 else literal[:27] + "..."


# Built once: json.loads with hooks builds a decoder (and its scanner) on every call.
_DECODERS: dict[str, json.JSONDecoder] = {
    "refuse": _decoder("refuse"),
    "text": _decoder("text"),
}
