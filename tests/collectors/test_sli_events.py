"""The sli_events collector's parse step (JSON lines of good/total counts), and the shared
JSON-lines helpers it reads with."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors import Parsed, SourceContext, get_collector
from collectors.json_lines import gunzip_if_compressed, parse_zoned_time
from collectors.sli_events import SliEventsCollector
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import ProductDirectory
from tests.collectors.properties import JSON, bad_input_names, check_bad_input

DIRECTORY = ProductDirectory(
    products=frozenset({"orders", "customers"}), aliases={"lake.orders": "orders"}
)
SAMPLE = {
    "product": "orders",
    "slo": "orders-freshness",
    "indicator": "orders-fresh-loads",
    "time": "2026-11-24T03:00:00Z",
    "good": 97,
    "total": 100,
}


def context(product: str | None = None, **options) -> SourceContext:
    return SourceContext(path="sli.jsonl", product_id=product, directory=DIRECTORY, options=options)


def parse(content: bytes | str, product: str | None = None):
    if isinstance(content, str):
        content = content.encode()
    return SliEventsCollector().parse(content, context(product))


def lines(*entries: dict) -> str:
    return "".join(json.dumps(entry) + "\n" for entry in entries)


def records_of(result) -> list:
    return result.records if isinstance(result, Parsed) else result


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("sli_events"), SliEventsCollector)


def test_a_sample_becomes_good_and_total_in_utc():
    [sample] = parse(lines(dict(SAMPLE, time="2026-11-24T05:00:00+02:00")))
    assert (sample.product_id, sample.slo, sample.indicator) == (
        "orders",
        "orders-freshness",
        "orders-fresh-loads",
    )
    assert (sample.good, sample.total, sample.value) == (97.0, 100.0, None)
    assert sample.time == datetime(2026, 11, 24, 3, tzinfo=UTC)
    assert (sample.source_tool, sample.source, sample.labels) == ("sli_events", "sli.jsonl", {})


def test_indicator_defaults_to_the_slo():
    entry = {k: v for k, v in SAMPLE.items() if k != "indicator"}
    [sample] = parse(lines(entry))
    assert sample.indicator == "orders-freshness"


def test_product_by_alias_and_unknown_products_stay_apart():
    result = parse(
        lines(
            dict(SAMPLE, product="lake.orders"),
            dict(SAMPLE, product="mystery-a"),
            dict(SAMPLE, product="mystery-b"),
        )
    )
    assert [s.product_id for s in result] == ["orders", None, None]
    assert [s.labels for s in result] == [
        {"product": "lake.orders"},
        {"product": "mystery-a"},
        {"product": "mystery-b"},
    ]
    assert len({s.natural_key for s in result}) == 3


def test_the_sources_product_wins():
    [sample] = parse(lines(dict(SAMPLE, product=None)), product="customers")
    assert sample.product_id == "customers"


def test_zero_total_is_allowed_and_blank_lines_are_ignored():
    result = parse("\n" + lines(dict(SAMPLE, good=0, total=0)) + "\n\n")
    assert [(s.good, s.total) for s in result] == [(0.0, 0.0)]


def test_gzip_is_read():
    [sample] = parse(gzip.compress(lines(SAMPLE).encode()))
    assert sample.good == 97.0


def test_identical_repeats_are_one_sample_and_keys_are_stable():
    first = parse(lines(SAMPLE, SAMPLE))
    again = parse(lines(SAMPLE))
    assert len(first) == 1
    assert first[0].natural_key == again[0].natural_key


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"time": "2026-11-24T03:00:00Z", "good": 1, "total": 2}, "'indicator' is missing"),
        (dict(SAMPLE, time="yesterday"), "not an ISO 8601 time: 'yesterday'"),
        (dict(SAMPLE, time=1795489200), "expected an ISO 8601 time string, found a number"),
        (dict(SAMPLE, good=True), "'good': expected a number, found a boolean"),
        (dict(SAMPLE, total=None), "'total': expected a number, found null"),
        (dict(SAMPLE, good=-1), "'good' is negative"),
        (dict(SAMPLE, indicator=""), "'indicator' is empty"),
        (dict(SAMPLE, slo=7), "'slo' must be a string, found a number"),
        (dict(SAMPLE, product=["orders"]), "'product' must be a string, found an array"),
        (dict(SAMPLE, total=10**400), "number is too large"),
    ],
)
def test_each_bad_line_is_one_problem_naming_the_line(entry, reason):
    result = parse(lines(SAMPLE, entry))
    assert isinstance(result, Parsed) and len(result.records) == 1
    [problem] = result.problems
    assert problem.position == "line 2"
    assert reason in problem.reason


def test_a_line_that_is_not_an_object_is_a_problem():
    result = parse(lines(SAMPLE) + "[1, 2]\n")
    assert result.problems[0].reason == "expected a JSON object, found an array"


def test_a_file_with_no_readable_line_is_refused():
    with pytest.raises(CollectorParseError, match="no readable SLI samples") as caught:
        parse(lines(dict(SAMPLE, good="x"), dict(SAMPLE, total="y")))
    assert caught.value.position == "line 1" and "and 1 more" in caught.value.reason


@pytest.mark.parametrize("name", bad_input_names("sli_events"))
def test_bad_input_corpus(name):
    check_bad_input(parse, "sli_events", name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T03:00:00Z", datetime(2026, 11, 24, 3, tzinfo=UTC)),
        ("2026-11-24T03:00:00z", datetime(2026, 11, 24, 3, tzinfo=UTC)),
        ("2026-11-24T05:30:00.25+02:30", datetime(2026, 11, 24, 3, 0, 0, 250000, tzinfo=UTC)),
        ("2026-11-24 03:00:00+00:00", datetime(2026, 11, 24, 3, tzinfo=UTC)),
    ],
)
def test_zoned_times(text, expected):
    assert parse_zoned_time(text) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-11-24T03:00:00", "has no time zone"),
        ("2026-11-24", "has no time zone"),
        ("", "not an ISO 8601 time"),
        ("Z", "not an ISO 8601 time"),
        (None, "found null"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
    ],
)
def test_times_without_zone_or_unreadable_are_refused(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_zoned_time(value)


def test_gzip_bombs_and_broken_gzip_are_refused(monkeypatch):
    monkeypatch.setattr("collectors.json_lines.MAX_INFLATED_BYTES", 1000)
    with pytest.raises(CollectorParseError, match="inflates past"):
        gunzip_if_compressed(gzip.compress(b"0" * 5000))
    with pytest.raises(CollectorParseError, match="not a readable gzip file"):
        gunzip_if_compressed(b"\x1f\x8b" + b"garbage" * 10)
    two_members = gzip.compress(b"a\n") + gzip.compress(b"b\n")
    assert gunzip_if_compressed(two_members) == b"a\nb\n"


def _never_crashes(content: bytes) -> None:
    try:
        result = SliEventsCollector().parse(content, context())
    except (CollectorParseError, NotEvidence):
        return
    for sample in records_of(result):
        assert sample.time.tzinfo is not None
        assert 0 <= sample.good <= sample.total


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_only_ever_refuse(content):
    _never_crashes(content)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(JSON, max_size=5))
def test_any_json_lines_only_ever_refuse(values):
    _never_crashes("\n".join(json.dumps(v) for v in values).encode())


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(sorted(SAMPLE)),
    value=JSON,
    drop=st.booleans(),
)
def test_mutated_samples_land_or_are_one_problem(key, value, drop):
    mutated = (
        {k: v for k, v in SAMPLE.items() if k != key} if drop else dict(SAMPLE, **{key: value})
    )
    good = dict(SAMPLE, time="2026-11-24T04:00:00Z")
    try:
        result = parse(lines(good, mutated))
    except CollectorParseError:
        pytest.fail("one good line must still land")
    if isinstance(result, Parsed):
        assert [p.position for p in result.problems] == ["line 2"]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["orders", "customers", "mystery"]),
            st.integers(0, 1000),
            st.integers(0, 1000),
            st.integers(0, 10**6),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda t: (t[0], t[3]),
    )
)
def test_distinct_samples_have_distinct_keys_and_reparse_to_the_same_keys(rows):
    entries = [
        dict(
            SAMPLE,
            product=product,
            good=min(a, b),
            total=max(a, b),
            time=datetime.fromtimestamp(1_795_000_000 + offset, UTC).isoformat(),
        )
        for product, a, b, offset in rows
    ]
    first = parse(lines(*entries))
    again = parse(lines(*reversed(entries)))
    assert len(first) == len(entries)
    assert len({s.natural_key for s in first}) == len(entries)
    assert {s.natural_key for s in first} == {s.natural_key for s in again}
