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

from collectors import Parsed, SourceContext, get_collector
from collectors.openslo import OpenSloCollector
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import ProductDirectory
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


def records_of(result) -> list:
    return result.records if isinstance(result, Parsed) else result


def dump(*documents: dict) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("openslo"), OpenSloCollector)


def test_the_orders_file():
    result = parse(ORDERS)
    assert isinstance(result, Parsed) and result.problems == []
    # The Service and AlertPolicy are checked, then noted as not used; the calendar window
    # is kept but evaluated as rolling.
    assert result.warnings == [
        "kind Service: meshgov does not use services; not stored",
        "kind AlertPolicy: meshgov does not use alert policies (meshgov's own burn-rate "
        "alerting applies); not stored",
        "calendar-aligned time windows are kept (startTime, timeZone) but evaluated as "
        "rolling windows of the same duration ending now",
    ]
    definitions = {d.name: d for d in result.records}
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
    first, second = records_of(parse(ORDERS)), records_of(parse(ORDERS))
    assert [d.natural_key for d in first] == [d.natural_key for d in second]


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
        ({"objectives": [{"target": -0.1}]}, "target: -0.1 is outside [0, 1]"),
        ({"objectives": [{"target": 1.5}]}, "target: 1.5 is outside [0, 1]"),
        ({"objectives": [{"target": 99.5}]}, "(a percentage is written as targetPercent)"),
        ({"objectives": [{"target": float("nan")}]}, "is outside [0, 1]"),
        ({"objectives": [{"targetPercent": 100.5}]}, "targetPercent: 100.5 is outside [0, 100]"),
        ({"objectives": [{"target": 0.9, "op": "below"}]}, "op: 'below'; expected one of lt"),
        ({"objectives": [{"target": 0.9, "targetPercent": 90}]}, "either target or targetPercent"),
        ({"objectives": [{"op": "lt"}]}, "target (or targetPercent) is missing"),
        ({"objectives": []}, "spec.objectives: expected a non-empty list"),
        ({"objectives": [{"target": 0.9, "op": "lt", "value": "x"}]}, "value: expected a finite"),
        ({"objectives": ["x"]}, "spec.objectives[0]: expected a mapping"),
        ({"objectives": [{"displayName": "a", "target": 0.9}] * 2}, "the same displayName"),
        ({"timeWindow": [{"duration": "28 days"}]}, "'28 days' is not a duration"),
        ({"timeWindow": [{"duration": "0d"}]}, "'0d' is not a duration"),
        ({"timeWindow": [{"duration": "1d"}, {"duration": "7d"}]}, "exactly one window"),
        ({"timeWindow": [{"duration": "1d", "isRolling": "yes"}]}, "isRolling: expected true"),
        ({"indicator": None}, "spec.indicator or spec.indicatorRef is required"),
        (
            {"indicator": {"metadata": {"name": "x"}, "spec": {"ratioMetric": {"good": {}}}}},
            "needs total with good or bad, or raw with rawType",
        ),
        (
            {"indicator": {"metadata": {"name": "x"}, "spec": {"ratioMetric": {"raw": {}}}}},
            "raw needs rawType success or failure",
        ),
        (
            {
                "indicator": {
                    "metadata": {"name": "x"},
                    "spec": {"ratioMetric": {"good": {}, "bad": {}, "total": {}}},
                }
            },
            "give good or bad, not both",
        ),
        ({"description": "x" * 1051}, "spec.description is 1051 characters long"),
        ({"indicator": {"metadata": {"name": "x"}, "spec": {}}}, "neither ratioMetric nor"),
        ({"indicator": {"spec": {"ratioMetric": {}}}}, "the SLI has no metadata.name"),
        ({"indicatorRef": "elsewhere"}, "give either indicator or indicatorRef"),
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


def test_an_slo_without_time_window_is_read_over_28_days_with_a_warning():
    # timeWindow is optional in OpenSLO v1 (README, Notes (SLO)).
    result = parse(dump(slo(timeWindow=None)))
    assert isinstance(result, Parsed) and result.problems == []
    [definition] = result.records
    assert (definition.window, definition.details["window_declared"]) == ("28d", False)
    assert result.warnings == [
        "spec.timeWindow is absent (optional in OpenSLO v1): evaluated over a rolling 28d window"
    ]


def test_an_indicator_ref_to_an_sli_of_another_file_is_read_by_name():
    result = parse(dump(slo(indicator=None, indicatorRef="fresh-loads")))
    [definition] = result.records
    assert definition.indicator == "fresh-loads"
    assert definition.details["indicator"] == {
        "name": "fresh-loads",
        "ref": "fresh-loads",
        "metric": None,
        "spec": None,
    }
    assert "names SLI 'fresh-loads', which is not in this file" in result.warnings[0]


def test_target_zero_is_allowed_by_the_specification():
    [definition] = parse(dump(slo(objectives=[{"target": 0}])))
    assert definition.target == 0.0


def test_a_composite_slo_has_one_definition_per_objective_with_its_indicator():
    ratio = {"ratioMetric": {"counter": True, "bad": {}, "total": {}}}
    objectives = [
        {
            "displayName": "loads",
            "target": 0.99,
            "compositeWeight": 2,
            "indicator": {"metadata": {"name": "load-errors"}, "spec": ratio},
        },
        {"displayName": "reads", "targetPercent": 99.9, "indicatorRef": "read-errors"},
    ]
    result = parse(dump(slo(indicator=None, objectives=objectives)))
    loads, reads = result.records
    assert (loads.name, loads.indicator, loads.target) == (
        "orders-freshness/loads",
        "load-errors",
        0.99,
    )
    assert loads.details["objective"]["compositeWeight"] == 2
    assert (reads.indicator, reads.target) == ("read-errors", 0.999)
    assert any("is composite" in w for w in result.warnings)


def test_an_objective_with_its_own_indicator_beside_the_slos_uses_its_own():
    objectives = [{"displayName": "own", "target": 0.9, "indicatorRef": "x"}, {"target": 0.99}]
    own, shared = records_of(parse(dump(slo(objectives=objectives))))
    assert (own.indicator, shared.indicator) == ("x", "fresh-loads")


def test_a_refused_slos_warnings_are_not_the_files():
    broken = slo("broken", timeWindow=None, budgetingMethod="Weekly")
    result = parse(dump(slo("good-one"), broken))
    assert [p.position for p in result.problems] == ["document 1 (SLO broken)"]
    assert result.warnings == []


def test_alert_policies_are_kept_and_said_to_be_unused():
    result = parse(dump(slo(alertPolicies=["orders-fast-burn", {"alertPolicyRef": "slow"}])))
    [definition] = result.records
    assert definition.details["alert_policies"] == ["orders-fast-burn", {"alertPolicyRef": "slow"}]
    assert result.warnings == [
        "spec.alertPolicies are not evaluated (meshgov alerts on burn rates itself)"
    ]


def _object(kind: str, spec: dict, version: str = "openslo/v1") -> dict:
    return {"apiVersion": version, "kind": kind, "metadata": {"name": "x"}, "spec": spec}


CONDITION = {"severity": "page", "condition": {"kind": "burnrate", "op": "gt", "threshold": 2}}


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (_object("AlertCondition", {"severity": "page"}), "spec.condition is missing"),
        (_object("AlertCondition", {"condition": {}}), "spec.severity is missing"),
        (_object("AlertNotificationTarget", {"description": "x"}), "spec.target is missing"),
        (_object("DataSource", {"connectionDetails": {}}), "spec.type is missing"),
        (_object("Service", {"description": "x" * 1100}), "OpenSLO allows at most 1050"),
        (
            _object("AlertPolicy", {"notificationTargets": [{"targetRef": "t"}]}),
            "spec.conditions: expected a list of one condition",
        ),
        (
            _object(
                "AlertPolicy",
                {
                    "conditions": [{"conditionRef": "c"}] * 2,
                    "notificationTargets": [{"targetRef": "t"}],
                },
            ),
            "spec.conditions holds 2 conditions; OpenSLO v1 allows one",
        ),
        (
            _object("AlertPolicy", {"conditions": [{"foo": "bar"}], "notificationTargets": []}),
            "spec.conditions[0]: expected conditionRef or an inline kind: AlertCondition",
        ),
        (
            _object(
                "AlertPolicy",
                {"conditions": [{"conditionRef": "c"}], "notificationTargets": [{"foo": "t"}]},
            ),
            "spec.notificationTargets[0]: expected targetRef or an inline kind",
        ),
        (
            _object("SLI", {"ratioMetric": {"good": {}, "bad": {}, "total": {}}}),
            "give good or bad, not both",
        ),
        (
            _object("AlertNotificationTarget", {"target": "email"}, "openslo/v1alpha"),
            "apiVersion 'openslo/v1alpha' is not supported; meshgov reads openslo/v1",
        ),
    ],
)
def test_a_broken_object_of_another_kind_is_refused_naming_its_field(document, reason):
    with pytest.raises(CollectorParseError) as refused:
        parse(dump(document))
    assert reason in refused.value.reason
    assert refused.value.position == f"document 0 ({document['kind']} x)"
    # Beside a good SLO it costs only itself.
    result = parse(dump(slo(), document))
    assert [d.name for d in result.records] == ["orders-freshness"]
    assert [p.position for p in result.problems] == [f"document 1 ({document['kind']} x)"]


def test_files_of_other_kinds_only_are_not_evidence_and_say_what_they_hold():
    policy = _object(
        "AlertPolicy",
        {
            "conditions": [
                {"kind": "AlertCondition", "metadata": {"name": "c"}, "spec": CONDITION}
            ],
            "notificationTargets": [{"targetRef": "t"}],
        },
    )
    content = dump(
        policy, _object("AlertCondition", CONDITION), _object("DataSource", {"type": "Prometheus"})
    )
    with pytest.raises(NotEvidence, match=r"found: AlertCondition, AlertPolicy, DataSource"):
        parse(content)
    with pytest.raises(NotEvidence, match=r"document 0 has apiVersion 'foo'; meshgov reads"):
        parse(dump(_object("Service", {}, "foo")))


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
        assert 0 <= definition.target <= 1
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
