"""Every registered collector, fuzzed: arbitrary bytes, arbitrary JSON, JSON lines and seeds
with a value swapped for any other. A parser may refuse (CollectorParseError), skip
(NotEvidence) or read; it never raises anything else, and what it reads can be keyed and
stored (UTF-8 text, JSON without NaN).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors import Parsed, SourceContext, available_collectors, get_collector
from governance.errors import CollectorParseError, NotEvidence
from governance.store.write.evidence import record_key
from tests.collectors.properties import json_paths, mutated
from tests.hostile.seeds import seeds

COLLECTORS = sorted(available_collectors())
JSON_SEEDS = [seed for seed in seeds() if seed.document is not None]
CONTEXT = SourceContext(path="fuzz", fetched_at=datetime(2026, 11, 24, tzinfo=UTC))
# 55 properties: a modest count each keeps the hostile suite within its minute.
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text with what JSON parsers let through and stores choke on: lone surrogates, NUL,
# controls, a byte order mark, line and paragraph separators.
TEXT = st.text(
    st.characters(codec=None, exclude_categories=())
    | st.sampled_from(["\ud800", "\udfff", "\0", "\x1b", "\ufeff", "\u2028", "\x85"]),
    max_size=20,
)
NUMBERS = (
    st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
)
JSON_ANY = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=25,
)


def parse_safely(collector: str, content: bytes) -> None:
    """Parse; anything but a refusal or a skip fails, and so does a record that cannot be stored."""
    try:
        result = get_collector(collector).parse(content, CONTEXT)
    except (CollectorParseError, NotEvidence) as exc:
        str(exc).encode("utf-8")  # a reason every store can hold
        assert "\0" not in str(exc)
        return
    records = result.records if isinstance(result, Parsed) else result
    for problem in result.problems if isinstance(result, Parsed) else []:
        assert isinstance(problem, CollectorParseError)
        str(problem).encode("utf-8")
    for record in records:
        record_key(record)
        stored = json.dumps(dataclasses.asdict(record), default=str, allow_nan=False)
        stored.encode("utf-8")


@pytest.mark.parametrize("collector", COLLECTORS)
@FUZZ
@given(content=st.binary(max_size=3000))
def test_arbitrary_bytes(collector, content):
    parse_safely(collector, content)


@pytest.mark.parametrize("collector", COLLECTORS)
@FUZZ
@given(value=JSON_ANY)
def test_arbitrary_json(collector, value):
    parse_safely(collector, json.dumps(value).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("collector", COLLECTORS)
@FUZZ
@given(lines=st.lists(JSON_ANY, min_size=1, max_size=5))
def test_arbitrary_json_lines(collector, lines):
    text = "".join(json.dumps(line) + "\n" for line in lines)
    parse_safely(collector, text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("seed", JSON_SEEDS, ids=[s.form for s in JSON_SEEDS])
@FUZZ
@given(data=st.data(), value=JSON_ANY, drop=st.booleans())
def test_seeds_with_any_value_anywhere(seed, data, value, drop):
    document = seed.document
    path = data.draw(st.sampled_from(json_paths(document, max_items=3)))
    changed = mutated(document, path, value, drop)
    if seed.lines and not isinstance(changed, list):
        changed = [changed]
    if seed.lines:
        text = "".join(json.dumps(line) + "\n" for line in changed)
    else:
        text = json.dumps(changed)
    parse_safely(seed.collector, text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("seed", seeds(), ids=[s.form for s in seeds()])
@FUZZ
@given(data=st.data())
def test_seeds_with_bytes_flipped_or_cut(seed, data):
    content = bytearray(seed.content)
    for _ in range(data.draw(st.integers(1, 8))):
        index = data.draw(st.integers(0, len(content) - 1))
        content[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(content)))
    parse_safely(seed.collector, bytes(content[:cut]))
