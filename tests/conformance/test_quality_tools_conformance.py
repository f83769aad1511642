"""Quality tools beyond the manifests: real GX 1.x runs, upstream files read alone, attribution.

The manifests (great_expectations/, dbt/, soda/) judge written and upstream files. Here:
- GX 1.x results are made by real GX runs at test time (every expectation family, each
  result_format, row_condition, a raised expectation, a checkpoint of several validations
  written by a file context) and collected through the runner; the counts come from the
  suites that ran, not from meshgov;
- the two upstream GX fixtures that repeat another's checks at the same run time are each
  read alone (in one folder the store keeps one copy of a fact);
- what dbt v6 and Soda add is kept in the stored records, and dbt manifests v10-v12 attribute
  results to products.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from collectors import ProductDirectory, SourceContext
from collectors.dbt import DbtCollector
from collectors.runner import run_sources
from collectors.soda import SodaCollector
from collectors.sources import Source
from governance.model.records import CheckResult, PipelineRun
from governance.store import Store
from governance.store.schema.tables import check_results, collector_files
from tests.conformance import harness

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
HERE = Path(__file__).parent

SESSIONS = pd.DataFrame(
    {
        "session_id": [1, 2, 3, 4, None, 6],
        "listener_id": [10, 11, 12, 10, 13, 14],
        "platform": ["ios", "web", "android", "ios", "fax", "web"],
        "started_s": [0, 10, 20, 30, 40, 50],
        "ended_s": [100, 5, 80, 90, 95, 60],
        "tracks": [3, 1, 2, 5, 0, 4],
    }
)


def _suite(gx, gxe, name: str):  # noqa: ANN001, ANN202 - GX objects
    """One expectation of each family: column map, aggregate, pair, multicolumn, table, raised."""
    suite = gx.ExpectationSuite(name=name)
    for expectation in (
        gxe.ExpectColumnValuesToNotBeNull(column="session_id"),
        gxe.ExpectColumnValuesToBeInSet(column="platform", value_set=["ios", "android", "web"]),
        gxe.ExpectColumnValuesToBeBetween(
            column="tracks", min_value=1, row_condition='platform=="ios"', condition_parser="pandas"
        ),
        gxe.ExpectColumnMeanToBeBetween(column="tracks", min_value=0, max_value=10),
        gxe.ExpectColumnDistinctValuesToBeInSet(column="platform", value_set=["ios", "web"]),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="ended_s", column_B="started_s"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["listener_id", "started_s"]),
        gxe.ExpectSelectColumnValuesToBeUniqueWithinRecord(column_list=["started_s", "ended_s"]),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=100),
        gxe.ExpectTableColumnsToMatchSet(column_set=list(SESSIONS.columns)),
        gxe.ExpectColumnValuesToNotBeNull(column="no_such_column"),  # raises inside GX
    ):
        suite.add_expectation(expectation)
    return suite


EXPECTATIONS_PER_SUITE = 11
RESULT_FORMATS = ("BOOLEAN_ONLY", "BASIC", "SUMMARY", "COMPLETE")


@pytest.fixture(scope="module")
def gx_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of real GX 1.x results: one validation per result_format, and a file context
    whose checkpoint validated two suites (its store writes one file per validation)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    folder = tmp_path_factory.mktemp("gx-runs")
    context = gx.get_context(mode="file", project_root_dir=str(folder / "project"))
    batch = (
        context.data_sources.add_pandas("events")
        .add_dataframe_asset("sessions")
        .add_batch_definition_whole_dataframe("all_sessions")
    )
    for result_format in RESULT_FORMATS:
        suite = _suite(gx, gxe, f"sessions_{result_format.lower()}")
        result = batch.get_batch(batch_parameters={"dataframe": SESSIONS}).validate(
            suite, result_format=result_format
        )
        path = folder / "results" / f"{result_format.lower()}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(result.to_json_dict(), default=str))
    definitions = [
        context.validation_definitions.add(
            gx.ValidationDefinition(
                name=f"vd_{name}", data=batch, suite=context.suites.add(_suite(gx, gxe, name))
            )
        )
        for name in ("sessions_nightly", "sessions_audit")
    ]
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name="sessions_cp", validation_definitions=definitions)
    )
    checkpoint.run(batch_parameters={"dataframe": SESSIONS})
    return folder


def collect(folder: Path, collector: str, tmp_path: Path, **source: object) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.init()
    run_sources(store, [Source(collector, str(folder), **source)], pipeline=False)  # type: ignore[arg-type]
    return store


def stored(store: Store) -> tuple[dict[str, int], dict[str, dict]]:
    """Check rows per source file, and each file's run-log row."""
    with store.read() as connection:
        counts = dict(
            connection.execute(
                select(check_results.c.source, func.count()).group_by(check_results.c.source)
            ).all()
        )
        files = {
            row.path: row._asdict() for row in connection.execute(select(collector_files)).all()
        }
    return counts, files


def test_real_gx_1x_runs_are_collected_whole(gx_runs: Path, tmp_path: Path):
    store = collect(gx_runs, "great_expectations", tmp_path)
    counts, files = stored(store)
    store_files = sorted((gx_runs / "project").rglob("uncommitted/validations/**/*.json"))
    assert len(store_files) == 2  # one per validation of the checkpoint
    results = sorted((gx_runs / "results").glob("*.json"))
    for path in [*results, *store_files]:
        assert files[str(path)]["status"] == "ok", files[str(path)]
        assert counts[str(path)] == EXPECTATIONS_PER_SUITE, path
    complete = files[str(gx_runs / "results" / "complete.json")]
    assert "result_format COMPLETE" in (complete["warnings"] or "")
    assert not files[str(gx_runs / "results" / "summary.json")]["warnings"]
    # Everything GX ran is skipped or read: suites, checkpoints, definitions are configuration.
    assert {f["status"] for f in files.values()} <= {"ok", "skipped"}
    store.dispose()


@pytest.mark.parametrize("result_format", RESULT_FORMATS)
def test_gx_1x_statuses_hold_in_every_result_format(gx_runs: Path, result_format: str):
    from collectors.great_expectations import GreatExpectationsCollector

    path = gx_runs / "results" / f"{result_format.lower()}.json"
    parsed = GreatExpectationsCollector().parse(path.read_bytes(), SourceContext(path=str(path)))
    by_check = {(r.check, r.column): r for r in parsed.records}
    raised = by_check[("expect_column_values_to_not_be_null", "no_such_column")]
    assert (raised.status, raised.success) == ("error", False)
    assert "no_such_column" in raised.details["exception"]
    assert by_check[("expect_column_values_to_be_in_set", "platform")].status == "fail"
    pair = by_check[("expect_column_pair_values_a_to_be_greater_than_b", "ended_s,started_s")]
    assert pair.status == "fail"
    conditioned = by_check[("expect_column_values_to_be_between", "tracks")]
    assert conditioned.details["params"]["row_condition"]
    assert by_check[("expect_table_row_count_to_be_between", None)].status == "pass"
    if result_format in ("SUMMARY", "COMPLETE"):
        assert pair.unexpected_count == 1 and pair.element_count == 6
        assert by_check[("expect_column_mean_to_be_between", "tracks")].details[
            "observed_value"
        ] == pytest.approx(2.5)


def test_gx_1x_checkpoint_results_written_by_hand_are_read(gx_runs: Path):
    """CheckpointResult has no to_json_dict in 1.x: users write {identifier: result.to_json_dict()}."""
    from collectors.great_expectations import GreatExpectationsCollector

    store_files = sorted((gx_runs / "project").rglob("uncommitted/validations/**/*.json"))
    document = {
        "success": False,
        "run_results": {
            f"ValidationResultIdentifier::{i}": json.loads(p.read_text())
            for i, p in enumerate(store_files)
        },
    }
    parsed = GreatExpectationsCollector().parse(
        json.dumps(document).encode(), SourceContext(path="checkpoint.json")
    )
    assert len(parsed.records) == 2 * EXPECTATIONS_PER_SUITE
    assert {r.suite for r in parsed.records} == {"sessions_nightly", "sessions_audit"}


# --- dbt: v6 additions kept, manifests v10-v12 attribute -----------------------------------

DBT = HERE / "dbt"
DIRECTORY = ProductDirectory(
    products=frozenset({"listening-history", "royalties"}),
    aliases={"warehouse.main.albums": "catalogue"},
)


def read_dbt(folder: str):
    path = DBT / folder / "run_results.json"
    options = {"companions": {"manifest": (path.parent / "manifest.json").read_bytes()}}
    source = SourceContext(path=str(path), directory=DIRECTORY, options=options)
    return DbtCollector().parse(path.read_bytes(), source)


def test_dbt_v6_additions_are_kept_not_dropped():
    parsed = read_dbt("v6_build")
    runs = {r.job: r for r in parsed.records if isinstance(r, PipelineRun)}
    microbatch = runs["model.streaming.daily_streams"]
    assert microbatch.state == "failed" and microbatch.details["dbt_status"] == "partial success"
    assert microbatch.details["batches"] == {"successful": 1, "failed": 2}
    assert len(microbatch.details["failed_batches"]) == 2
    assert runs["model.streaming.royalties"].details["compiled_code"].startswith("select")
    assert "compiled_code" not in runs["model.streaming.plays"].details  # passed: not kept
    assert runs["model.streaming.artists"].state == "skipped"  # no-op
    assert runs["model.streaming.albums"].details["dbt_status"] == "reused"
    assert runs["model.streaming.plays"].details["relation_name"] == '"warehouse"."main"."plays"'
    checks = {r.check: r for r in parsed.records if isinstance(r, CheckResult)}
    assert {c.status for c in checks.values()} == {"pass", "fail", "warn", "error", "skipped"}
    assert checks["accepted_values_plays_platform__ios__android__web"].unexpected_count == 4
    assert any("function nodes are not read" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("folder", "manifest_version", "products"),
    [
        ("v6_build", "v12", {"listening-history", "royalties", "catalogue"}),
        ("v5_test", "v11", {"listening-history"}),
        ("v4_build", "v10", {"listening-history", "royalties"}),
    ],
)
def test_dbt_manifests_attribute_results_to_products(folder, manifest_version, products):
    manifest = json.loads((DBT / folder / "manifest.json").read_text())
    assert manifest["metadata"]["dbt_schema_version"].endswith(f"/{manifest_version}.json")
    parsed = read_dbt(folder)
    assert {r.product_id for r in parsed.records} - {None} == products
    tested = [r for r in parsed.records if isinstance(r, CheckResult) and r.suite == "plays"]
    assert tested and {r.product_id for r in tested} == {"listening-history"}


# --- Soda: thresholds, metrics and diagnostics are kept ---------------------------------------


def test_soda_diagnostics_thresholds_and_metrics_are_kept():
    path = HERE / "soda" / "v3" / "scan_results_api.json"
    parsed = SodaCollector().parse(path.read_bytes(), SourceContext(path=str(path)))
    checks = {r.check: r for r in parsed.records}
    average = checks["avg(duration_ms) between 120000 and 170000"]
    assert average.status == "warn"
    assert average.details["thresholds"]["warn"] == {"lessThan": 120000.0, "greaterThan": 170000.0}
    assert average.details["metrics"] == {"avg": 181000.5}
    assert checks["duplicate_count(play_id) = 0"].unexpected_count == 3
    freshness = checks["freshness(played_at) < 1d"].details["diagnostics"]
    assert freshness["measure"] == "time" and freshness["nowVariableName"] == "NOW"
    schema = checks["Schema Check"].details["diagnostics"]
    assert schema == {
        "missing_column_names": ["platform"],
        "present_column_names": ["play_id", "played_at"],
    }
    anomaly = checks["Anomaly detection row_count"]
    assert anomaly.details["archetype"] == "anomalyDetection"
    assert anomaly.details["diagnostics"]["anomalyPredictedValue"] == 1180.0


def test_soda_4_outcomes_excluded_and_unevaluated_are_skipped_not_refused():
    path = HERE / "soda" / "v4" / "contract_verification.json"
    parsed = SodaCollector().parse(path.read_bytes(), SourceContext(path=str(path)))
    by_name = {r.check: r for r in parsed.records}
    assert by_name["No missing values"].status == "fail"
    assert by_name["No duplicate values"].status == "skipped"
    assert by_name["No duplicate values"].details["outcome"] == "excluded"
    assert by_name["Valid platform"].details["outcome"] == "unevaluated"
    assert by_name["No missing values"].details["type"] == "missing"


# --- the committed dbt files are what dbt itself would accept -------------------------------

DBT_CORE = harness.Origin("dbt-labs/dbt-core", "8a5caa7b205510195e7dfc7aaeb56ab5797b7777", "")


@pytest.mark.parametrize(
    ("committed", "schema"),
    [
        ("v6_build/run_results.json", "run-results/v6.json"),
        ("v5_test/run_results.json", "run-results/v5.json"),
        ("v4_build/run_results.json", "run-results/v4.json"),
        ("compile/run_results.json", "run-results/v6.json"),
        ("v6_build/manifest.json", "manifest/v12.json"),
        ("v5_test/manifest.json", "manifest/v11.json"),
        ("v4_build/manifest.json", "manifest/v10.json"),
    ],
)
def test_committed_dbt_artifacts_validate_against_dbts_published_schemas(committed, schema):
    import jsonschema

    origin = harness.Origin(DBT_CORE.repo, DBT_CORE.commit, f"schemas/dbt/{schema}")
    if missing := harness.mirror_missing(origin):
        pytest.skip(missing)
    document = json.loads((DBT / committed).read_text())
    schema_document = json.loads(harness.mirror_read(origin))
    validator = jsonschema.validators.validator_for(schema_document)(schema_document)
    errors = [
        f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)
    ]
    assert errors == []
