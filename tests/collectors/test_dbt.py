"""The dbt collector's parse step: pure, over real dbt 1.11 (v6), 1.7 (v5) and 1.5 (v4) runs."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors import Parsed, ProductDirectory, SourceContext, get_collector
from collectors.dbt import DbtCollector
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import CheckResult, PipelineRun
from tests.collectors.properties import (
    bad_input_names,
    check_bad_input,
    check_bad_inputs_listed,
    json_paths,
    json_values,
    mutated,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
DBT = FIXTURES / "dbt"
BAD = FIXTURES / "bad_inputs" / "dbt"
RUN_RESULTS = {
    v: json.loads((DBT / v / "run_results.json").read_text()) for v in ("v4", "v5", "v6")
}
MANIFESTS = {v: json.loads((DBT / v / "manifest.json").read_text()) for v in ("v5", "v6")}
# What the mesh's registry would know: two products by id, one by its table.
DIRECTORY = ProductDirectory(
    products=frozenset({"sales-orders", "crm-customers"}),
    aliases={"meshshop.main.order_totals": "sales-reporting"},
)


def parse(
    run_results: dict | bytes,
    manifest: dict | bytes | None = None,
    product: str | None = None,
    options: dict | None = None,
) -> Parsed:
    content = run_results if isinstance(run_results, bytes) else json.dumps(run_results).encode()
    options = dict(options or {})
    if manifest is not None:
        raw = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
        options["companions"] = {"manifest": raw}
    source = SourceContext(
        path="target/run_results.json", product_id=product, directory=DIRECTORY, options=options
    )
    return DbtCollector().parse(content, source)


def checks(parsed: Parsed) -> dict[str, CheckResult]:
    return {r.check: r for r in parsed.records if isinstance(r, CheckResult)}


def runs(parsed: Parsed) -> dict[str, PipelineRun]:
    return {r.job: r for r in parsed.records if isinstance(r, PipelineRun)}


def test_registered_through_the_entry_point_group():
    collector = get_collector("dbt")
    assert isinstance(collector, DbtCollector)
    assert collector.companions == {"manifest.json": "manifest"}


@pytest.mark.parametrize("version", ["v6", "v5"])
def test_real_build_with_manifest_links_tests_to_models_and_products(version):
    parsed = parse(RUN_RESULTS[version], MANIFESTS[version])
    assert parsed.problems == []
    found = checks(parsed)
    assert len(found) == 9 and len(runs(parsed)) == 6
    statuses = {name: (r.status, r.success, r.unexpected_count) for name, r in found.items()}
    assert statuses == {
        "not_null_orders_order_id": ("fail", False, 1),
        "unique_orders_order_id": ("pass", True, 0),
        "accepted_values_orders_status__paid__refunded": ("warn", False, 1),
        "assert_amount_non_negative": ("fail", False, 1),
        "not_null_customers_customer_id": ("pass", True, 0),
        "unique_customers_customer_id": ("pass", True, 0),
        "assert_customers_have_email_domain": ("error", False, None),
        "not_null_broken_revenue_order_id": ("skipped", False, None),
        "not_null_order_totals_total": ("skipped", False, None),
    }
    accepted = found["accepted_values_orders_status__paid__refunded"]
    assert (accepted.suite, accepted.port, accepted.column) == ("orders", "orders", "status")
    assert accepted.product_id == "sales-orders"  # meta: data_product in schema.yml
    assert (
        accepted.details["severity"] == "warn"
        and accepted.details["test_type"] == "accepted_values"
    )
    assert accepted.details["params"] == {"values": ["paid", "refunded"]}
    assert found["not_null_orders_order_id"].details["severity"] == "error"  # dbt writes ERROR
    # config(meta=...) in the model's SQL lands in config.meta: read as well
    assert found["unique_customers_customer_id"].product_id == "crm-customers"
    assert all(
        r.source_tool == "dbt" and r.source == "target/run_results.json" for r in found.values()
    )


def test_singular_tests_are_attached_through_depends_on():
    found = checks(parse(RUN_RESULTS["v6"], MANIFESTS["v6"]))
    singular = found["assert_amount_non_negative"]
    assert (singular.suite, singular.product_id, singular.column) == (
        "orders",
        "sales-orders",
        None,
    )
    assert singular.details["attachment"] == "depends_on.nodes"
    assert singular.details["model"] == "model.meshshop.orders"
    erroring = found["assert_customers_have_email_domain"]
    assert erroring.details["severity"] == "warn" and "email_domain" in erroring.details["message"]


def test_a_test_with_several_models_names_the_choice():
    manifest = copy.deepcopy(MANIFESTS["v6"])
    test = manifest["nodes"]["test.meshshop.assert_amount_non_negative"]
    test["depends_on"]["nodes"] = ["model.meshshop.orders", "model.meshshop.customers"]
    singular = checks(parse(RUN_RESULTS["v6"], manifest))["assert_amount_non_negative"]
    assert singular.suite == "orders"
    assert singular.details["attachment"] == "first of 2 nodes in depends_on.nodes"
    assert singular.details["depends_on"] == ["model.meshshop.orders", "model.meshshop.customers"]


def test_products_come_from_meta_then_the_directory_by_relation():
    parsed = parse(RUN_RESULTS["v6"], MANIFESTS["v6"])
    found, built = checks(parsed), runs(parsed)
    # no meta: the directory knows "meshshop.main.order_totals" (relation_name unquoted)
    assert built["model.meshshop.order_totals"].product_id == "sales-reporting"
    assert found["not_null_order_totals_total"].product_id == "sales-reporting"
    # meta names a product the mesh does not know: kept unattributed, the declaration kept
    revenue = built["model.meshshop.broken_revenue"]
    assert revenue.product_id is None and revenue.details["product_meta"] == "finance-revenue"
    assert found["not_null_broken_revenue_order_id"].product_id is None
    # seeds: no meta, no alias known
    assert built["seed.meshshop.raw_orders"].product_id is None


def test_the_source_product_wins_over_meta():
    parsed = parse(RUN_RESULTS["v6"], MANIFESTS["v6"], product="shop")
    assert {r.product_id for r in parsed.records} == {"shop"}


def test_product_meta_key_is_an_option():
    manifest = copy.deepcopy(MANIFESTS["v6"])
    manifest["nodes"]["model.meshshop.orders"]["meta"] = {"mesh_product": "crm-customers"}
    manifest["nodes"]["model.meshshop.orders"]["config"]["meta"] = {}
    parsed = parse(RUN_RESULTS["v6"], manifest, options={"product_meta_key": "mesh_product"})
    assert runs(parsed)["model.meshshop.orders"].product_id == "crm-customers"
    with pytest.raises(CollectorParseError, match="product_meta_key"):
        parse(RUN_RESULTS["v6"], manifest, options={"product_meta_key": 7})


def test_models_become_pipeline_runs_with_execute_times():
    built = runs(parse(RUN_RESULTS["v6"], MANIFESTS["v6"]))
    assert {job: run.state for job, run in built.items()} == {
        "seed.meshshop.raw_customers": "success",
        "seed.meshshop.raw_orders": "success",
        "model.meshshop.customers": "success",
        "model.meshshop.orders": "success",
        "model.meshshop.broken_revenue": "failed",
        "model.meshshop.order_totals": "skipped",
    }
    invocation = RUN_RESULTS["v6"]["metadata"]["invocation_id"]
    assert {run.run_id for run in built.values()} == {invocation}
    orders = built["model.meshshop.orders"]
    entry = next(r for r in RUN_RESULTS["v6"]["results"] if r["unique_id"] == orders.job)
    execute = next(step for step in entry["timing"] if step["name"] == "execute")
    assert orders.started_at == datetime.fromisoformat(execute["started_at"])
    assert orders.ended_at == datetime.fromisoformat(execute["completed_at"])
    assert orders.details["materialized"] == "view"
    assert orders.details["relation_name"] == '"meshshop"."main"."orders"'
    broken = built["model.meshshop.broken_revenue"]
    assert broken.details["dbt_status"] == "error" and "revenue_eur" in broken.details["message"]
    skipped = built["model.meshshop.order_totals"]
    assert skipped.started_at is None and skipped.ended_at is None


def test_timing_without_execute_step_spans_every_step():
    document = copy.deepcopy(RUN_RESULTS["v6"])
    entry = next(r for r in document["results"] if r["unique_id"] == "model.meshshop.orders")
    entry["timing"] = [
        {
            "name": "compile",
            "started_at": "2026-01-01T00:00:01Z",
            "completed_at": "2026-01-01T00:00:02Z",
        },
        {
            "name": "other",
            "started_at": "2026-01-01T00:00:03Z",
            "completed_at": "2026-01-01T00:00:09Z",
        },
    ]
    orders = runs(parse(document))["model.meshshop.orders"]
    assert orders.started_at == datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert orders.ended_at == datetime(2026, 1, 1, 0, 0, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("started_at", "reason"),
    [
        ("2026-11-24T04:41:40.060586", "time without a zone"),
        ("yesterday", "not an ISO 8601 time: 'yesterday'"),
        (1764000000, "is not a time"),
    ],
)
def test_a_bad_step_time_costs_that_result_only(started_at, reason):
    document = copy.deepcopy(RUN_RESULTS["v6"])
    index, entry = next(
        (i, r)
        for i, r in enumerate(document["results"])
        if r["unique_id"] == "model.meshshop.orders"
    )
    entry["timing"][1]["started_at"] = started_at
    parsed = parse(document, MANIFESTS["v6"])
    [problem] = parsed.problems
    assert reason in problem.reason
    assert problem.position.startswith(f"results[{index}].timing[1]")
    assert len(parsed.records) == 14 and "model.meshshop.orders" not in runs(parsed)


def test_every_check_of_one_invocation_shares_one_run_time():
    v6 = checks(parse(RUN_RESULTS["v6"], MANIFESTS["v6"]))
    started = RUN_RESULTS["v6"]["metadata"]["invocation_started_at"]
    assert {r.run_time for r in v6.values()} == {datetime.fromisoformat(started)}
    # v5 has no invocation_started_at: generated_at is the run time
    v5 = checks(parse(RUN_RESULTS["v5"], MANIFESTS["v5"]))
    generated = RUN_RESULTS["v5"]["metadata"]["generated_at"]
    assert {r.run_time for r in v5.values()} == {datetime.fromisoformat(generated)}
    assert all(r.run_time.tzinfo is not None for r in [*v5.values(), *v6.values()])


def test_without_manifest_results_are_read_by_unique_id_and_say_so():
    parsed = parse(RUN_RESULTS["v4"])  # dbt 1.5: run-results v4, no relation_name either
    assert parsed.problems == [] and len(parsed.records) == 15
    found = checks(parsed)
    assert {r.suite for r in found.values()} == {"dbt"}
    assert {r.product_id for r in parsed.records} == {None}
    assert found["accepted_values_orders_status__paid__refunded"].status == "warn"
    assert all("no manifest.json" in r.details["manifest"] for r in parsed.records)
    attributed = parse(RUN_RESULTS["v4"], product="shop")
    assert {r.product_id for r in attributed.records} == {"shop"}


def test_without_manifest_a_model_is_still_found_by_its_relation_name():
    built = runs(parse(RUN_RESULTS["v6"]))
    assert built["model.meshshop.order_totals"].product_id == "sales-reporting"
    assert {r.product_id for r in checks(parse(RUN_RESULTS["v6"])).values()} == {None}


def test_a_manifest_from_another_invocation_is_read_and_named():
    manifest = copy.deepcopy(MANIFESTS["v6"])
    manifest["metadata"]["invocation_id"] = "another-run"
    parsed = parse(RUN_RESULTS["v6"], manifest)
    assert checks(parsed)["unique_orders_order_id"].suite == "orders"
    assert all("another-run" in r.details["manifest"] for r in parsed.records)


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (b'{"metadata": {', "manifest.json beside run_results.json is not valid JSON"),
        (b'{"metadata": {"dbt_schema_version": "x"}, "nodes": {}}', "is not a dbt manifest"),
        (
            b'{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}}',
            "has no 'nodes' object",
        ),
    ],
)
def test_an_unreadable_manifest_refuses_the_file(manifest, reason):
    with pytest.raises(CollectorParseError, match=reason):
        parse(RUN_RESULTS["v6"], manifest)


def test_a_manifest_read_on_its_own_is_not_evidence():
    with pytest.raises(NotEvidence, match="a dbt manifest"):
        parse(MANIFESTS["v6"])


@pytest.mark.parametrize(
    ("schema", "command", "message"),
    [
        ("https://schemas.getdbt.com/dbt/catalog/v1.json", "build", "a dbt catalog artifact"),
        ("https://schemas.getdbt.com/dbt/sources/v3.json", "build", "a dbt sources artifact"),
        ("https://schemas.getdbt.com/dbt/run-results/v6.json", "compile", "dbt compile"),
        ("https://schemas.getdbt.com/dbt/run-results/v6.json", "generate", "dbt generate"),
    ],
)
def test_other_artifacts_and_non_executing_commands_are_not_evidence(schema, command, message):
    document = copy.deepcopy(RUN_RESULTS["v6"])
    document["metadata"]["dbt_schema_version"] = schema
    document["args"]["which"] = command
    with pytest.raises(NotEvidence, match=message):
        parse(document)


def test_unit_tests_are_checks_on_their_model():
    document, manifest = copy.deepcopy(RUN_RESULTS["v6"]), copy.deepcopy(MANIFESTS["v6"])
    unique_id = "unit_test.meshshop.orders.test_amounts_are_kept"
    document["results"].append({"status": "fail", "unique_id": unique_id, "failures": 2})
    manifest["unit_tests"] = {
        unique_id: {"name": "test_amounts_are_kept", "model": "orders",
                    "depends_on": {"nodes": ["model.meshshop.orders"]}}
    }  # fmt: skip
    unit = checks(parse(document, manifest))["test_amounts_are_kept"]
    assert (unit.suite, unit.product_id, unit.status, unit.unexpected_count) == (
        "orders", "sales-orders", "fail", 2,
    )  # fmt: skip
    assert checks(parse(document))["test_amounts_are_kept"].suite == "dbt"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("partial success", "failed"),
        ("no-op", "skipped"),
        ("reused", "skipped"),
        ("SUCCESS", "success"),
    ],
)
def test_newer_model_statuses_map_to_run_states(status, state):
    document = copy.deepcopy(RUN_RESULTS["v6"])
    entry = next(r for r in document["results"] if r["unique_id"] == "model.meshshop.orders")
    entry["status"] = status
    orders = runs(parse(document))["model.meshshop.orders"]
    assert orders.state == state and orders.details["dbt_status"] == status.lower()


def test_hooks_and_operations_are_left_out():
    document = copy.deepcopy(RUN_RESULTS["v6"])
    document["results"].append(
        {"status": "success", "unique_id": "operation.meshshop.on-run-end-0"}
    )
    assert len(parse(document).records) == 15


@pytest.mark.parametrize("version", [1, 2, 3])
def test_older_schemas_v1_to_v3_are_read_like_v4(version):
    """dbt 0.19-0.21 wrote the same shape; v1 has no `failures`."""
    document = copy.deepcopy(RUN_RESULTS["v4"])
    document["metadata"]["dbt_schema_version"] = (
        f"https://schemas.getdbt.com/dbt/run-results/v{version}.json"
    )
    if version == 1:
        for entry in document["results"]:
            entry.pop("failures", None)
    parsed = parse(document)
    assert parsed.problems == [] and len(parsed.records) == len(parse(RUN_RESULTS["v4"]).records)
    assert {r.details["run_results_schema"] for r in parsed.records} == {f"v{version}"}


def test_a_newer_schema_is_refused_naming_the_versions_read():
    document = copy.deepcopy(RUN_RESULTS["v6"])
    document["metadata"]["dbt_schema_version"] = (
        "https://schemas.getdbt.com/dbt/run-results/v7.json"
    )
    with pytest.raises(CollectorParseError, match="dbt run_results v7 is not supported") as caught:
        parse(document)
    assert caught.value.position == "metadata.dbt_schema_version"


def test_what_v6_adds_is_kept_in_details():
    document = copy.deepcopy(RUN_RESULTS["v6"])
    entry = next(r for r in document["results"] if r["unique_id"] == "model.meshshop.orders")
    entry.update(
        status="partial success",
        compiled_code="select 1 as " + "x" * 3000,
        batch_results={
            "successful": [["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]],
            "failed": [["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]],
        },
        adapter_response={"_message": "OK", "query_id": "01b2-q"},
    )
    orders = runs(parse(document))["model.meshshop.orders"]
    assert orders.details["batches"] == {"successful": 1, "failed": 1}
    assert orders.details["failed_batches"] == [["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]]
    assert len(orders.details["compiled_code"]) == 2000
    assert orders.details["adapter_query_id"] == "01b2-q"
    passing = checks(parse(RUN_RESULTS["v6"]))["unique_orders_order_id"]
    assert "compiled_code" not in passing.details  # kept only where something went wrong


def test_unread_node_kinds_and_env_are_warned_once_each():
    document = copy.deepcopy(RUN_RESULTS["v6"])
    document["metadata"]["env"] = {"DBT_ENV_CUSTOM_ENV_owner": "sales"}
    for name in ("normalise_email", "normalise_phone"):
        document["results"].append(
            {"status": "success", "unique_id": f"function.meshshop.{name}", "timing": []}
        )
    parsed = parse(document)
    assert parsed.warnings == [
        "metadata.env (1 DBT_ENV_CUSTOM_ENV_ variables) is not stored",
        "results of dbt function nodes are not read (first: function.meshshop.normalise_email)",
    ]
    assert parse(RUN_RESULTS["v6"]).warnings == []


def test_natural_keys_are_stable_and_distinct():
    first = parse(RUN_RESULTS["v6"], MANIFESTS["v6"]).records
    again = parse(RUN_RESULTS["v6"], MANIFESTS["v6"]).records
    keys = [r.check_key if isinstance(r, CheckResult) else r.natural_key for r in first]
    assert keys == [r.check_key if isinstance(r, CheckResult) else r.natural_key for r in again]
    assert len(set(keys)) == len(keys) == 15
    other_run = copy.deepcopy(RUN_RESULTS["v6"])
    other_run["metadata"]["invocation_id"] = "another-invocation"
    other_run["metadata"]["invocation_started_at"] = "2026-11-25T04:41:38Z"
    other_keys = {
        r.check_key if isinstance(r, CheckResult) else r.natural_key
        for r in parse(other_run, MANIFESTS["v6"]).records
    }
    assert other_keys.isdisjoint(keys)


@pytest.mark.parametrize("name", bad_input_names("dbt"))
def test_bad_inputs_meet_their_expectation(name):
    check_bad_input(parse, "dbt", name)


def test_bad_input_corpus_is_complete():
    check_bad_inputs_listed("dbt")


def test_an_unknown_product_is_kept_unattributed():
    [run] = parse((BAD / "unknown_product.json").read_bytes()).records
    assert run.product_id is None and run.job == "model.nowhere.mystery_table"


# Any bytes and any JSON: a refusal, a skip or records, never another exception.
JSON = json_values(max_leaves=30)
ACCEPTABLE = (CollectorParseError, NotEvidence)


def _survives(content: bytes, manifest: bytes | dict | None = None) -> None:
    try:
        parsed = parse(content, manifest)
    except ACCEPTABLE:
        return
    assert all(isinstance(r, CheckResult | PipelineRun) for r in parsed.records)
    assert all(isinstance(p, CollectorParseError) for p in parsed.problems)


@given(st.binary())
def test_any_bytes_never_raise_anything_else(content):
    _survives(content)


@given(JSON)
def test_any_json_never_raises_anything_else(document):
    _survives(json.dumps(document).encode())


@given(JSON)
def test_any_json_manifest_never_raises_anything_else(document):
    _survives(json.dumps(RUN_RESULTS["v6"]).encode(), json.dumps(document).encode())


SMALL_MANIFEST = {
    "metadata": MANIFESTS["v6"]["metadata"],
    "nodes": {
        k: {f: v.get(f) for f in ("name", "attached_node", "depends_on", "config", "meta",
                                  "relation_name", "database", "schema", "alias", "column_name",
                                  "test_metadata")}
        for k, v in MANIFESTS["v6"]["nodes"].items()
    },
}  # fmt: skip
RUN_PATHS = json_paths(RUN_RESULTS["v6"], max_items=3)
MANIFEST_PATHS = json_paths(SMALL_MANIFEST, max_items=3)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RUN_PATHS), JSON, st.booleans())
def test_mutated_real_run_results_never_raise_anything_else(path, replacement, drop):
    document = mutated(RUN_RESULTS["v6"], path, replacement, drop)
    _survives(json.dumps(document).encode(), SMALL_MANIFEST)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MANIFEST_PATHS), JSON, st.booleans())
def test_mutated_real_manifest_never_raises_anything_else(path, replacement, drop):
    manifest = mutated(SMALL_MANIFEST, path, replacement, drop)
    _survives(json.dumps(RUN_RESULTS["v6"]).encode(), manifest)
