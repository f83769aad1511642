"""The openslo collector's parse step over OpenSLO v1 files.

tests/fixtures/openslo/orders_slos.yaml is hand-written to the OpenSLO v1 specification
(no OpenSLO tool installs from the registries reachable here); the bad inputs vary it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors import CollectorParseError, NotEvidence, Parsed, SourceContext, get_collector
from collectors.openslo import OpenSloCollector
from governance.model import ProductDirectory
from tests.collectors.properties import (
    JSON,
    bad_input_names,
    check_bad_input,
    dropped,
    json_paths,
    replaced,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
ORDERS = (FIXTURES / "openslo" / "orders_slos.yaml").read_bytes()
DIRECTORY = ProductDirectory(products=frozenset({"orders", "customers"}))


def parse(content: bytes | str, product: str | None = None):
    if isinstance(content, str):
        content = content.encode()
    source = SourceContext(path="slos.yaml", product_id=product, directory=DIRECTORY)
    return OpenSloCollector().parse(content, source)


def slo(name: str = "orders-freshness", **spec) -> dict:
    """A minimal valid SLO document, with spec keys replaced (None drops a key)."""
    base = {
        "service": "orders",
        "indicator": {
            "metadata": {"name": "fresh-loads"},
            "spec": {"ratioMetric": {"counter": True, "good": {}, "total": {}}},
        },
        "timeWindow": [{"duration": "28d", "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"target": 0.99}],
    }
    base.update(spec)
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name},
        "spec": {k: v for k, v in base.items() if v is not None},
    }


def dump(*documents: dict) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("openslo"), OpenSloCollector)


def test_the_orders_file():
    definitions = {d.name: d for d in parse(ORDERS)}
    assert sorted(definitions) == [
        "orders-api-latency/fast",
        "orders-api-latency/usable",
        "orders-completeness",
        "orders-freshness",
    ]
    freshness = definitions["orders-freshness"]
    assert (freshness.product_id, freshness.indicator, freshness.target) == (
        "orders",
        "orders-fresh-loads",
        0.99,
    )
    assert (freshness.window, freshness.budgeting_method) == ("28d", "Occurrences")
    assert freshness.details["rolling"] is True
    assert freshness.details["indicator"]["metric"] == "ratioMetric"
    assert freshness.details["labels"] == {"data_product": "orders", "tier": "gold"}
    completeness = definitions["orders-completeness"]
    assert completeness.budgeting_method == "Timeslices"
    assert completeness.details["objective"] == {
        "op": "gte",
        "value": 0.98,
        "timeSliceWindow": "1d",
        "timeSliceTarget": 0.9,
    }
    assert completeness.details["rolling"] is False
    assert completeness.details["calendar"] == {
        "startTime": "2026-01-01T00:00:00",
        "timeZone": "Europe/Berlin",
    }
    fast, usable = definitions["orders-api-latency/fast"], definitions["orders-api-latency/usable"]
    assert (fast.target, usable.target) == (0.995, 0.999)
    assert fast.details["objective"]["timeSliceWindow"] == "5m"  # a bare 5 is minutes
    assert {d.source_tool for d in definitions.values()} == {"openslo"}
    json.dumps([d.details for d in definitions.values()])  # the store keeps details as JSON
    assert len({d.natural_key for d in definitions.values()}) == 4


def test_parsing_twice_gives_the_same_keys():
    assert [d.natural_key for d in parse(ORDERS)] == [d.natural_key for d in parse(ORDERS)]


@pytest.mark.parametrize(
    ("metadata", "service", "product", "expected"),
    [
        ({"labels": {"data_product": "orders"}}, "x", None, "orders"),
        ({"labels": {"data_product": ["customers"]}}, "x", None, "customers"),
        ({"annotations": {"meshgov/data_product": "customers"}}, "x", None, "customers"),
        ({"annotations": {"data_product": "customers"}}, "x", None, "customers"),
        ({}, "orders", None, "orders"),
        ({}, "unknown-service", None, None),
        ({"labels": {"data_product": "orders"}}, "x", "billing", "billing"),
    ],
)
def test_product_attribution(metadata, service, product, expected):
    document = slo(service=service)
    document["metadata"].update(metadata)
    [definition] = parse(dump(document), product=product)
    assert definition.product_id == expected


def test_a_list_of_objects_in_one_document_is_read():
    [definition] = parse(yaml.safe_dump([slo()]))
    assert definition.name == "orders-freshness"


def test_objectives_without_display_name_are_numbered():
    document = slo(objectives=[{"target": 0.9}, {"target": 0.99}])
    assert [d.name for d in parse(dump(document))] == ["orders-freshness/0", "orders-freshness/1"]


def test_indicator_ref_to_an_sli_in_the_same_file():
    sli = {
        "apiVersion": "openslo/v1",
        "kind": "SLI",
        "metadata": {"name": "fast-requests"},
        "spec": {"thresholdMetric": {"metricSource": {"type": "Prometheus"}}},
    }
    [definition] = parse(dump(slo(indicator=None, indicatorRef="fast-requests"), sli))
    assert definition.indicator == "fast-requests"
    assert definition.details["indicator"]["metric"] == "thresholdMetric"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"budgetingMethod": None}, "spec.budgetingMethod: missing; expected one of"),
        ({"budgetingMethod": "occurrences"}, "'occurrences' is not supported"),
        ({"objectives": [{"target": 0}]}, "target: 0 is outside (0, 1]"),
        ({"objectives": [{"target": 1.5}]}, "target: 1.5 is outside (0, 1]"),
        ({"objectives": [{"target": float("nan")}]}, "is outside (0, 1]"),
        ({"objectives": [{"targetPercent": 100.5}]}, "targetPercent: 100.5 is outside (0, 100]"),
        ({"objectives": [{"target": 0.9, "targetPercent": 90}]}, "either target or targetPercent"),
        ({"objectives": [{"op": "lt"}]}, "target (or targetPercent) is missing"),
        ({"objectives": []}, "spec.objectives: expected a non-empty list"),
        ({"objectives": [{"target": 0.9, "op": "lt", "value": "x"}]}, "value: expected a finite"),
        ({"objectives": ["x"]}, "spec.objectives[0]: expected a mapping"),
        ({"objectives": [{"displayName": "a", "target": 0.9}] * 2}, "the same displayName"),
        ({"timeWindow": None}, "spec.timeWindow is missing"),
        ({"timeWindow": [{"duration": "28 days"}]}, "'28 days' is not a duration"),
        ({"timeWindow": [{"duration": "0d"}]}, "'0d' is not a duration"),
        ({"timeWindow": [{"duration": "1d"}, {"duration": "7d"}]}, "exactly one window"),
        ({"timeWindow": [{"duration": "1d", "isRolling": "yes"}]}, "isRolling: expected true"),
        ({"indicator": None}, "spec.indicator or spec.indicatorRef is required"),
        ({"indicator": {"metadata": {"name": "x"}, "spec": {}}}, "neither ratioMetric nor"),
        ({"indicator": {"spec": {"ratioMetric": {}}}}, "the SLI has no metadata.name"),
        ({"indicatorRef": "elsewhere"}, "give either indicator or indicatorRef"),
        ({"indicator": None, "indicatorRef": "elsewhere"}, "no kind: SLI named 'elsewhere'"),
        (
            {
                "budgetingMethod": "Timeslices",
                "objectives": [{"target": 0.9, "timeSliceTarget": 0.9}],
            },
            "timeSliceWindow is required",
        ),
        (
            {
                "budgetingMethod": "RatioTimeslices",
                "objectives": [{"target": 0.9, "timeSliceWindow": "five minutes"}],
            },
            "'five minutes' is not a duration like 5m",
        ),
    ],
)
def test_a_broken_slo_is_refused_naming_document_and_field(spec, reason):
    content = dump(slo("good-one"), slo("broken", **spec))
    result = parse(content)
    assert isinstance(result, Parsed)
    assert [d.name for d in result.records] == ["good-one"]
    [problem] = result.problems
    assert problem.position == "document 1 (SLO broken)"
    assert reason in problem.reason


def test_missing_name_is_refused():
    document = slo()
    document["metadata"] = {}
    with pytest.raises(CollectorParseError, match="metadata.name is missing") as caught:
        parse(dump(document))
    assert caught.value.position == "document 0 (SLO ?)"


def test_data_product_label_naming_several_products_is_refused():
    document = slo()
    document["metadata"]["labels"] = {"data_product": ["orders", "customers"]}
    with pytest.raises(CollectorParseError, match="names more than one product"):
        parse(dump(document))


@pytest.mark.parametrize(
    "content",
    [
        "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: orders}\nspec: {}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
        "just a string\n",
        "---\n---\n",
    ],
)
def test_files_without_an_slo_are_not_evidence(content):
    with pytest.raises(NotEvidence, match="no OpenSLO v1 kind: SLO"):
        parse(content)


def test_yaml_errors_name_line_and_column():
    with pytest.raises(CollectorParseError, match="not valid YAML") as caught:
        parse("apiVersion: openslo/v1\nkind: [SLO\n")
    assert caught.value.position.startswith("line ")


def test_self_referencing_yaml_is_refused_not_a_crash():
    content = dump(slo())
    content = content.replace("  service: orders\n", "  service: orders\n  extra: &loop [*loop]\n")
    content = content.replace(
        "metadata:\n  name: orders-freshness",
        "metadata:\n  name: orders-freshness\n  labels: &l {self: *l}",
    )
    try:
        parse(content)
    except CollectorParseError as exc:
        assert "too deeply" in exc.reason or "not valid YAML" in exc.reason


def test_exponential_yaml_aliases_are_refused_quickly():
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
    )
    content = dump(slo())
    content = content.replace(
        "metadata:\n",
        "metadata:\n  labels:\n" + "".join("    " + line + "\n" for line in bomb.splitlines()),
        1,
    )
    with pytest.raises(CollectorParseError, match="too large or nested too deeply"):
        parse(content)


@pytest.mark.parametrize("name", bad_input_names("openslo"))
def test_bad_input_corpus(name):
    check_bad_input(parse, "openslo", name)


def _never_crashes(content: bytes) -> None:
    try:
        result = parse(content)
    except (CollectorParseError, NotEvidence):
        return
    for definition in result.records if isinstance(result, Parsed) else result:
        assert 0 < definition.target <= 1
        json.dumps(definition.details)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_only_ever_refuse(content):
    _never_crashes(content)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_only_ever_refuses(text):
    _never_crashes(text.encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_only_ever_refuses(value):
    _never_crashes(json.dumps(value).encode())  # JSON is YAML


DOCUMENTS = list(yaml.safe_load_all(ORDERS))
PATHS = [
    (i, *path) for i, document in enumerate(DOCUMENTS) for path in json_paths(document) if path
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON, st.booleans())
def test_mutated_orders_file_only_ever_refuses(path, value, drop):
    documents = dropped(DOCUMENTS, path) if drop else replaced(DOCUMENTS, path, value)
    _never_crashes(yaml.safe_dump_all(documents).encode())
