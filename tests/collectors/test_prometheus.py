"""The prometheus collector's parse step, over exposition text prometheus_client wrote.

metrics.prom and metrics.openmetrics were recorded by tests/fixtures/prometheus/record.py
(prometheus_client's own registry and generate_latest); other texts are made here with the
same library, so the parser is always fed what a real endpoint serves.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from collectors import Parsed, SourceContext, get_collector
from collectors.prometheus import PrometheusCollector
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import ProductDirectory
from tests.collectors.properties import JSON, bad_input_names, check_bad_input

FIXTURES = Path(__file__).parent.parent / "fixtures"
SCRAPED = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
DIRECTORY = ProductDirectory(
    products=frozenset({"orders"}), aliases={"lake.customers": "customers"}
)


def context(fetched_at: datetime | None = SCRAPED, **options) -> SourceContext:
    return SourceContext(
        path="metrics.prom", directory=DIRECTORY, options=options, fetched_at=fetched_at
    )


def parse(content: bytes | str, fetched_at: datetime | None = SCRAPED, **options):
    if isinstance(content, str):
        content = content.encode()
    return PrometheusCollector().parse(content, context(fetched_at, **options))


def by_indicator(samples) -> dict:
    return {(s.indicator, s.labels.get("data_product") or s.product_id): s for s in samples}


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("prometheus"), PrometheusCollector)


@pytest.mark.parametrize("name", ["metrics.prom", "metrics.openmetrics"])
def test_recorded_exposition(name):
    samples = parse((FIXTURES / "prometheus" / name).read_bytes())
    assert isinstance(samples, list)
    assert sorted({s.indicator for s in samples}) == [
        "load_duration_seconds_count",
        "load_duration_seconds_sum",
        "meshgov_freshness_seconds",
        "meshgov_last_load_rows",
        "pipeline_runs_failed_total",
        "rows_written_total",
    ]  # no buckets, no _created, no unlabelled process/python metrics
    found = by_indicator(samples)
    freshness = found[("meshgov_freshness_seconds", "orders")]
    assert (freshness.value, freshness.labels, freshness.time) == (
        312.5,
        {"port": "orders_v1"},
        SCRAPED,
    )
    assert found[("rows_written_total", "orders")].value == 15000.0
    assert found[("load_duration_seconds_sum", "orders")].value == 46.5
    # A sample's own timestamp wins over the scrape time.
    last_load = found[("meshgov_last_load_rows", "orders")]
    assert last_load.time == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    # customers is not a product the directory knows: kept, unattributed, label kept.
    customers = found[("rows_written_total", "customers")]
    assert customers.product_id is None and customers.labels == {"data_product": "customers"}
    assert {s.source_tool for s in samples} == {"prometheus"}
    assert len({s.natural_key for s in samples}) == len(samples)


def test_text_format_and_openmetrics_give_the_same_facts():
    text = parse((FIXTURES / "prometheus" / "metrics.prom").read_bytes())
    openmetrics = parse((FIXTURES / "prometheus" / "metrics.openmetrics").read_bytes())
    assert [s.natural_key for s in text] == [s.natural_key for s in openmetrics]
    assert [s.value for s in text] == [s.value for s in openmetrics]


def test_the_product_label_is_configurable():
    registry = CollectorRegistry()
    Gauge("freshness_seconds", "age", ["product"], registry=registry).labels("orders").set(3)
    [sample] = parse(generate_latest(registry), product_label="product")
    assert (sample.product_id, sample.labels) == ("orders", {})
    with pytest.raises(NotEvidence, match="no sample carries a 'data_product' label"):
        parse(generate_latest(registry))


def test_an_alias_resolves_and_keeps_the_label():
    registry = CollectorRegistry()
    Gauge("rows", "rows", ["data_product"], registry=registry).labels("lake.customers").set(1)
    [sample] = parse(generate_latest(registry))
    assert sample.product_id == "customers"
    assert sample.labels == {"data_product": "lake.customers"}


def test_the_sources_product_wins():
    registry = CollectorRegistry()
    Gauge("rows", "rows", ["data_product"], registry=registry).labels("orders").set(1)
    content = generate_latest(registry)
    source = SourceContext(path="m", product_id="billing", fetched_at=SCRAPED)
    [sample] = PrometheusCollector().parse(content, source)
    assert sample.product_id == "billing" and sample.labels == {"data_product": "orders"}


def test_no_timestamp_and_no_scrape_time_is_refused():
    with pytest.raises(CollectorParseError, match="no timestamp on the sample and no scrape"):
        parse(
            (FIXTURES / "prometheus" / "metrics.prom").read_bytes().replace(b" 1795489200000", b""),
            fetched_at=None,
        )


def test_samples_with_their_own_time_need_no_scrape_time():
    text = 'rows{data_product="orders"} 5 1795489200000\nrows{data_product="x"} 1\n'
    result = parse(text, fetched_at=None)
    assert isinstance(result, Parsed)
    assert [s.time for s in result.records] == [datetime(2026, 11, 24, 3, tzinfo=UTC)]
    assert result.problems[0].position == 'sample rows{data_product="x"}'


def test_a_user_gauge_named_created_is_kept_when_nothing_else_owns_it():
    text = '# TYPE orders_created gauge\norders_created{data_product="orders"} 12\n'
    [sample] = parse(text)
    assert sample.indicator == "orders_created"


def test_summaries_give_count_and_sum_only():
    text = (
        "# TYPE latency summary\n"
        'latency{data_product="orders",quantile="0.5"} 0.2\n'
        'latency_count{data_product="orders"} 10\n'
        'latency_sum{data_product="orders"} 3\n'
    )
    assert sorted(s.indicator for s in parse(text)) == ["latency_count", "latency_sum"]


def test_info_and_stateset_are_left_out():
    text = (
        "# TYPE build info\n"
        'build_info{data_product="orders",version="1"} 1\n'
        "# TYPE rows gauge\n"
        'rows{data_product="orders"} 2\n'
        "# EOF\n"
    )
    assert [s.indicator for s in parse(text)] == ["rows"]


@pytest.mark.parametrize("label", ["", 3, None])
def test_a_bad_product_label_option_is_refused(label):
    with pytest.raises(CollectorParseError, match="options.product_label"):
        parse('rows{data_product="orders"} 1\n', product_label=label)


@pytest.mark.parametrize("name", bad_input_names("prometheus"))
def test_bad_input_corpus(name):
    check_bad_input(parse, "prometheus", name)


def test_parser_refusals_name_the_first_bad_line():
    with pytest.raises(CollectorParseError) as caught:
        parse('rows{data_product="orders"} 1\nrows{data_product="x"} one\n')
    assert caught.value.position == "line 2"
    assert "prometheus_client parser" in caught.value.reason


def _never_crashes(content: bytes, **options) -> None:
    try:
        result = parse(content, **options)
    except (CollectorParseError, NotEvidence):
        return
    for sample in result.records if isinstance(result, Parsed) else result:
        assert math.isfinite(sample.value) and sample.time.tzinfo is not None


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_only_ever_refuse(content):
    _never_crashes(content)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_only_ever_refuses(text):
    _never_crashes(text.encode())
    _never_crashes((text + "\n# EOF\n").encode())


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_json_only_ever_refuses(value):
    _never_crashes(json.dumps(value).encode())


RECORDED = (FIXTURES / "prometheus" / "metrics.prom").read_text().splitlines()


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(RECORDED) - 1),
    replacement=st.text(max_size=40),
    drop=st.booleans(),
)
def test_mutated_recorded_lines_only_ever_refuse(index, replacement, drop):
    mutated = list(RECORDED)
    if drop:
        del mutated[index]
    else:
        mutated[index] = replacement
    _never_crashes("\n".join(mutated).encode())


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["orders", "customers", "a", "b-c", 'quote"d', "new\nline"]),
        st.floats(allow_nan=False, allow_infinity=False),
        min_size=1,
    ),
    st.integers(0, 10**6),
)
def test_whatever_a_registry_exposes_is_read_back(values, increments):
    registry = CollectorRegistry()
    gauge = Gauge("freshness_seconds", "age", ["data_product"], registry=registry)
    counter = Counter("rows_written", "rows", ["data_product"], registry=registry)
    for product, value in values.items():
        gauge.labels(product).set(value)
        counter.labels(product).inc(increments)
    samples = parse(generate_latest(registry))
    assert len(samples) == 2 * len(values)
    read = {(s.indicator, s.labels.get("data_product", s.product_id)): s.value for s in samples}
    for product, value in values.items():
        assert read[("freshness_seconds", product)] == value
        assert read[("rows_written_total", product)] == float(increments)
    assert len({s.natural_key for s in samples}) == len(samples)
