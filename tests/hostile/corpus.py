"""The hostile corpus, generated in code: malformed and malicious files for every format.

Nothing here is committed as a file: `artifacts()` describes each artifact and how to write
it, and the tests write them under tmp_path. Each artifact says which outcomes are right
for it (refused, partial, skipped or ok) and a phrase its reason must contain, so a file
that is read "successfully" by accident, or refused for the wrong reason, fails its test.
Artifacts marked `big` write 100 MB or more; they run in a memory-limited subprocess.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tests.hostile.seeds import Seed, seeds

MB = 1024 * 1024
DEEP = 100_000  # nesting levels: far past any recursion limit
READ = ("ok",)
LINE_FORMS = ("openlineage", "otlp_logs", "audit_jsonl", "sli_events")
# Formats whose tools write NaN and Infinity into good files: those are read as text.
CONSTANTS_AS_TEXT = ("great_expectations", "dbt", "soda")
# Phrases a refusal of unreadable bytes may give, whatever the format.
UNREADABLE = ("not ", "no ", "empty", "expected", "deep", "digits")
# ... and of a readable file with a bad value in it.
BAD_VALUE = (
    *UNREADABLE,
    "must",
    "missing",
    "large",
    "range",
    "more than",
    "negative",
    "NaN",
    "Infinity",
    "UTF-8",
    "long",
    "finite",
)


@dataclass(frozen=True)
class Artifact:
    """One hostile file: where it goes, how it is written, and what must come of it."""

    form: str
    collector: str
    name: str
    write: Callable[[Path], None]
    outcomes: tuple[str, ...]  # statuses that are right for it
    reasons: tuple[str, ...] = ()  # the reason must contain one of these (refused, partial)
    options: dict[str, Any] = field(default_factory=dict)
    big: bool = False  # writes 100 MB or more: collect it in the memory-limited subprocess
    valid: bool = False  # a seed: must land in full beside the hostile files


def _bytes(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def _chunks(parts: Callable[[], Iterator[bytes]]) -> Callable[[Path], None]:
    """A writer for big content, written piece by piece (the test process stays small)."""

    def write(path: Path) -> None:
        with path.open("wb") as out:
            for part in parts():
                out.write(part)

    return write


def _gzip_stream(parts: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    for part in parts:
        yield compressor.compress(part)
    yield compressor.flush()


def _repeat(piece: bytes, total: int) -> Iterator[bytes]:
    block = piece * max(1, MB // len(piece))
    for _ in range(total // len(block)):
        yield block


# --- planting values into JSON seeds ------------------------------------------------------


def _set(document: Any, path: tuple, value: Any) -> Any:
    copied = copy.deepcopy(document)
    if not path:
        return value
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copied


def _dumped(seed: Seed, document: Any) -> bytes:
    if seed.lines:
        return b"".join(json.dumps(line).encode() + b"\n" for line in document)
    return json.dumps(document, indent=1).encode()


MARK = "\u2603PLANTED\u2603"


def _planted(seed: Seed, path: tuple, raw: bytes) -> bytes:
    """The seed with the JSON text at `path` replaced by raw bytes (any, even invalid JSON)."""
    content = _dumped(seed, _set(seed.document, path, MARK))
    return content.replace(json.dumps(MARK).encode(), raw, 1)


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"0" + b"]" * levels


# --- the artifacts ------------------------------------------------------------------------


def _generic(seed: Seed) -> Iterator[Artifact]:
    """Bytes that are no evidence of any format, and damaged copies of the seed."""
    text = seed.content.decode()
    cut = len(seed.content) // 2
    while seed.content[cut - 1 : cut] in (b"\n", b"\r", b" ", b"}", b"]"):
        cut -= 1  # cut inside a line, not between two
    half = seed.content[:cut]
    nothing = ("refused", "skipped")
    rng = random.Random(seed.form)
    yield from (
        Artifact(seed.form, seed.collector, name, _bytes(content), outcomes, reasons)
        for name, content, outcomes, reasons in [
            ("empty", b"", nothing, ("empty", "no ")),
            ("blank_lines", b"\n \n\t\r\n" * 1000, nothing, ("empty", "no ")),
            ("nul_bytes", b"\0" * 65536, nothing, UNREADABLE),
            ("control_chars", bytes(range(32)) * 2048, nothing, UNREADABLE),
            ("random_bytes", rng.randbytes(MB), nothing, UNREADABLE),
            ("deep_open_brackets", b"[" * DEEP, nothing, UNREADABLE),
            ("deep_closed_brackets", _deep(DEEP), nothing, UNREADABLE),
            ("deep_objects", b'{"a":' * DEEP + b"0" + b"}" * DEEP, nothing, UNREADABLE),
            ("deep_yaml_flow", b"a: " + b"{b: " * DEEP + b"c" + b"}" * DEEP, nothing, UNREADABLE),
            ("nan_infinity", b'{"value": NaN, "other": -Infinity}\n', nothing, UNREADABLE),
            ("huge_number", b"1" * 100_000, nothing, UNREADABLE),
            ("huge_exponent", b"1e999999999999\n", nothing, UNREADABLE),
            ("json_null", b"null", nothing, UNREADABLE),
            ("json_string", b'"evidence"', nothing, UNREADABLE),
            ("json_array_of_scalars", b'[1, "a", null, true, 2.5]', nothing, UNREADABLE),
            ("json_empty_object", b"{}", nothing, UNREADABLE),
            ("truncated", half, nothing + ("partial",), (*UNREADABLE, "fields")),
            ("utf8_bom", b"\xef\xbb\xbf" + seed.content, READ, ()),
            ("utf16_bom", text.encode("utf-16"), READ + nothing, UNREADABLE),
            ("utf32", text.encode("utf-32"), READ + nothing, UNREADABLE),
            ("crlf_line_ends", text.replace("\n", "\r\n").encode(), READ, ()),
            ("gzip_of_random", gzip.compress(rng.randbytes(4096)), nothing, UNREADABLE),
            ("gzip_truncated", gzip.compress(seed.content)[:-20], nothing + ("partial",), ()),
        ]
    )


def _planted_values(seed: Seed) -> Iterator[Artifact]:
    """The seed with a hostile value where a text or a number field should be."""
    damaged = ("refused", "partial")
    kept = ("ok", "partial", "refused")  # a value the format may hold, or refuse, with reason
    constants = kept if seed.form in CONSTANTS_AS_TEXT else damaged
    for name, path, raw, outcomes, reasons in [
        ("text_nul", seed.text_path, b'"a\\u0000b"', kept, BAD_VALUE),
        ("text_lone_surrogate", seed.text_path, b'"\\ud800x"', kept, BAD_VALUE),
        ("text_escaped_backslash_u", seed.text_path, b'"\\\\ud800"', kept, BAD_VALUE),
        (
            "text_control_chars",
            seed.text_path,
            json.dumps(bytes(range(32)).decode()).encode(),
            kept,
            BAD_VALUE,
        ),
        ("text_invalid_utf8", seed.text_path, b'"\xc3\x28\xff"', damaged, ("UTF-8",)),
        ("text_encoded_surrogate", seed.text_path, b'"\xed\xa0\x80"', damaged, ("UTF-8",)),
        ("text_10mb", seed.text_path, b'"' + b"x" * (10 * MB) + b'"', kept, BAD_VALUE),
        ("text_deep_array", seed.text_path, _deep(DEEP), damaged, ("deep",)),
        ("text_deep_900", seed.text_path, _deep(900), kept, BAD_VALUE),
        ("text_object", seed.text_path, b'{"a": [1, {"b": null}]}', kept, BAD_VALUE),
        ("text_number", seed.text_path, b"42", kept, BAD_VALUE),
        ("number_nan", seed.number_path, b"NaN", constants, ("NaN",)),
        ("number_infinity", seed.number_path, b"-Infinity", constants, ("Infinity",)),
        ("number_overflow", seed.number_path, b"1e999", constants, ("too large", "finite")),
        ("number_5000_digits", seed.number_path, b"9" * 5000, damaged, ("digits",)),
        ("number_2_pow_70", seed.number_path, str(2**70).encode(), kept, BAD_VALUE),
        ("number_negative", seed.number_path, b"-1", kept, BAD_VALUE),
        ("number_string", seed.number_path, b'"12"', kept, BAD_VALUE),
        ("number_bool", seed.number_path, b"true", kept, BAD_VALUE),
        ("number_deep", seed.number_path, _deep(DEEP), damaged, ("deep",)),
    ]:
        content = _planted(seed, path, raw)
        yield Artifact(seed.form, seed.collector, name, _bytes(content), outcomes, reasons)
    # The key that holds the records (documents) or a field of the first line (JSON lines).
    key = seed.text_path[1] if seed.lines else seed.text_path[0]
    body = _dumped(seed, seed.document)
    # Duplicate keys: JSON keeps the last one; a wrong first one is harmless, a last is not.
    head, rest = body.split(b"\n", 1) if seed.lines else (body, b"")
    head = head.rstrip()
    pair = json.dumps(key).encode() + b": 12"
    for name, content, outcomes in [
        ("duplicate_key_wrong_first", b"{" + pair + b", " + head[1:], READ),
        ("duplicate_key_wrong_last", head[:-1] + b", " + pair + b"}", ("refused", "partial")),
    ]:
        content += b"\n" + rest if seed.lines else b""
        yield Artifact(seed.form, seed.collector, name, _bytes(content), outcomes, BAD_VALUE)
    for name, value in [("records_null", None), ("records_list", []), ("records_number", 7)]:
        document = [{key: value}, *seed.document[1:]] if seed.lines else {key: value}
        outcomes = ("refused", "partial", "skipped")
        if seed.form == "audit_cloudtrail" and value == []:
            outcomes = READ  # CloudTrail's own delivery of no events
        if seed.form == "otlp_logs" and value in (None, []):
            outcomes += READ  # an export request with no logs in it is valid OTLP
        content = _dumped(seed, document)
        yield Artifact(seed.form, seed.collector, name, _bytes(content), outcomes, BAD_VALUE)
    if seed.lines:
        # The good lines, then 20,000 bad ones: the good one lands, the report stays short.
        bad = b"{not json}\n" * 20_000
        yield Artifact(
            seed.form,
            seed.collector,
            "many_bad_lines",
            _bytes(seed.content + bad),
            ("partial",),
            ("not valid JSON",),
        )


def _big(seed: Seed) -> Iterator[Artifact]:
    """100 MB lines and repetition: bounded time and memory, refused or read in part."""
    if seed.lines or seed.form in ("audit_pgaudit", "prometheus"):
        first = seed.content.split(b"\n", 1)[0] + b"\n"

        def long_line() -> Iterator[bytes]:
            yield first
            yield from _repeat(b"x", 100 * MB)
            yield b"\n" + seed.content

        yield Artifact(
            seed.form,
            seed.collector,
            "line_100mb",
            _chunks(long_line),
            # a server log's other lines are skipped, however long
            ("partial", "refused") + (READ if seed.form == "audit_pgaudit" else ()),
            ("long", "not "),
            big=True,
        )
    elif seed.form != "audit_cloudtrail":  # read like GX's; audit_logs has two lines above
        yield Artifact(
            seed.form,
            seed.collector,
            "line_100mb",
            _chunks(lambda: _repeat(b"x", 100 * MB)),
            ("refused",),
            ("not ", "limit"),
            big=True,
        )
    if seed.form == "great_expectations":
        document = copy.deepcopy(seed.document)
        document["results"] = document["results"] * 20_000  # 80,000 results, 4 distinct
        content = _dumped(seed, document)
        yield Artifact(
            seed.form,
            seed.collector,
            "repeated_results",
            _bytes(content),
            READ + ("partial",),
            ("same",),
            big=True,
        )
    if seed.collector in ("audit_logs", "sli_events") and seed.form != "audit_pgaudit":
        # A gzip that inflates to gigabytes: refused at the inflate cap, not read whole.
        yield Artifact(
            seed.form,
            seed.collector,
            "gzip_bomb.gz",
            lambda path: path.write_bytes(_zeros_bomb()),
            ("refused",),
            ("inflates past",),
            big=True,
        )
        yield Artifact(
            seed.form,
            seed.collector,
            "gzip_members_bomb.gz",
            lambda path: path.write_bytes(_zeros_bomb() * 8),
            ("refused",),
            ("inflates past",),
            big=True,
        )
        # Under the cap, but 67 million lines: the read stops after MAX_PROBLEMS of them.
        yield Artifact(
            seed.form,
            seed.collector,
            "gzip_200mb_of_junk_lines.gz",
            lambda path: path.write_bytes(_junk_lines_gzip()),
            ("refused",),
            ("10000 more",),
            big=True,
        )


@cache
def _zeros_bomb() -> bytes:
    """One gzip member of 320 MiB of zeros (about 320 KB)."""
    return b"".join(_gzip_stream(_repeat(b"\0", 320 * MB)))


@cache
def _junk_lines_gzip() -> bytes:
    return b"".join(_gzip_stream(_repeat(b"{}\n", 200 * MB)))


def _format_specific() -> Iterator[Artifact]:
    """Attacks on the non-JSON formats: YAML aliases, exposition text, server log lines."""
    laughs = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
    )
    slo_seed = Path(__file__).parent.parent / "fixtures" / "openslo" / "orders_slos.yaml"
    slo = slo_seed.read_text()
    for name, content, outcomes, reasons in [
        ("billion_laughs", laughs.encode(), ("skipped", "refused"), ("OpenSLO", "alias")),
        (
            "billion_laughs_in_slo",
            _slo_with_laughs(slo, laughs),
            ("refused", "partial", "ok"),
            ("alias", "not "),
        ),
        (
            "python_object_tag",
            b"!!python/object/apply:os.system ['true']\n",
            ("refused",),
            ("not valid YAML",),
        ),
        ("yaml_tabs", b"apiVersion: openslo/v1\n\tkind: SLO\n", ("refused",), ("YAML",)),
        (
            "yaml_huge_int",
            slo.replace("target: 0.99", "target: " + "9" * 5000, 1).encode(),
            ("refused", "partial"),
            ("digits",),
        ),
        (
            "yaml_nan_target",
            slo.replace("target: 0.99", "target: .nan", 1).encode(),
            ("refused", "partial"),
            ("target",),
        ),
        (
            "yaml_duplicate_keys",
            slo.replace("kind: SLO\n", "kind: SLO\nkind: 12\n", 1).encode(),
            ("refused", "partial", "ok", "skipped"),
            ("kind", "SLO", "found"),
        ),
    ]:
        yield Artifact("openslo", "openslo", name, _bytes(content), outcomes, reasons)
    prom = 'm{data_product="orders"} %s\n'
    for name, content, outcomes, reasons in [
        ("prom_value_overflow", (prom % "1e999").encode(), ("refused",), ("Inf",)),
        ("prom_timestamp_huge", (prom % ("1 " + "9" * 40)).encode(), ("refused",), ("time",)),
        (
            "prom_label_10mb",
            ('m{data_product="' + "o" * (10 * MB) + '"} 1\n').encode(),
            ("refused",),
            ("MiB long",),
        ),
        (
            "prom_20k_labels",
            (
                "m{" + ",".join(f'l{i}="v"' for i in range(20_000)) + ',data_product="orders"} 1\n'
            ).encode(),
            ("ok", "refused"),
            ("not ",),
        ),
        (
            "prom_nul_in_label",
            (prom % "1").replace("orders", "ord\0ers").encode(),
            ("ok", "refused"),
            ("NUL", "not "),
        ),
        ("prom_escapes", b'm{data_product="or\\"d\\\\e\\nrs"} 1\n', ("ok",), ()),
        (
            "prom_many_series",
            "".join(f'm{{data_product="orders",i="{i}"}} {i}\n' for i in range(30_000)).encode(),
            ("ok",),
            (),
        ),
    ]:
        yield Artifact("prometheus", "prometheus", name, _bytes(content), outcomes, reasons)
    stamp = "2026-11-24 04:49:59.687 UTC [19037] postgres@postgres LOG:  AUDIT: "
    for name, line, outcomes, reasons in [
        (
            "pgaudit_unclosed_quote",
            stamp + 'SESSION,1,1,READ,SELECT,,,"select 1',
            ("refused",),
            ("",),
        ),
        (
            "pgaudit_nul",
            stamp + "SESSION,1,1,READ,SELECT,,,sel\0ect 1,<none>",
            READ + ("refused",),
            ("",),
        ),
        (
            "pgaudit_spaces",
            stamp.replace("@", " " * 50_000 + "@") + "SESSION,1,1",
            ("refused",),
            ("",),
        ),
        ("pgaudit_many_columns", stamp + ",".join(["x"] * 100_000), ("refused",), ("",)),
        (
            "pgaudit_year_0",
            stamp.replace("2026", "0000") + "SESSION,1,1,READ,SELECT,,,s,<n>",
            ("refused",),
            ("time",),
        ),
    ]:
        content = (line + "\n").encode()
        yield Artifact("audit_pgaudit", "audit_logs", name, _bytes(content), outcomes, reasons)


def _slo_with_laughs(slo: str, laughs: str) -> bytes:
    """The OpenSLO seed with ten levels of YAML aliases (10^10 items) in its first SLO."""
    documents = slo.split("\n---\n")
    index = next(i for i, d in enumerate(documents) if "kind: SLO" in d)
    lines = documents[index].split("\n")
    spec = lines.index("spec:")
    lines[spec + 1 : spec + 2] = ["  description: *a9"]
    documents[index] = laughs + "\n".join(lines)
    return "\n---\n".join(documents).encode()


def artifacts() -> list[Artifact]:
    """The whole corpus: every format's seed, generic and planted attacks, big ones last."""
    found: list[Artifact] = []
    for seed in seeds():
        found.append(
            Artifact(seed.form, seed.collector, "valid", _bytes(seed.content), READ, valid=True)
        )
        found += _generic(seed)
        if seed.document is not None:
            found += _planted_values(seed)
    found += _format_specific()
    for seed in seeds():
        found += _big(seed)
    suffixes = {seed.form: seed.suffix for seed in seeds()}
    return [a if "." in a.name else _with_name(a, a.name + suffixes[a.form]) for a in found]


def _with_name(artifact: Artifact, name: str) -> Artifact:
    return Artifact(
        artifact.form,
        artifact.collector,
        name,
        artifact.write,
        artifact.outcomes,
        artifact.reasons,
        artifact.options,
        artifact.big,
        artifact.valid,
    )
