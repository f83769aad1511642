"""The demo mesh: the stories it tells through the service, and how faithful its evidence is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent
from openlineage.client.generated import (
    error_message_run,
    job_type_job,
    nominal_time_run,
    output_statistics_output_dataset,
    schema_dataset,
)
from openlineage.client.serde import Serde
from sqlalchemy import select
from typer.testing import CliRunner

from collectors.great_expectations import parse_gx_time
from governance.cli import app
from governance.demo import build_demo, demo_clock
from governance.demo.data import break_rows, daily_batch, run_time
from governance.demo.evidence import (
    GxValidator,
    ValidationOutcome,
    evaluate_expectation,
    fingerprint,
    synthesised_validation,
)
from governance.demo.lineage import run_events
from governance.demo.mesh import PRODUCTS
from governance.demo.spec import DemoProduct
from governance.demo.timeline import job_day
from governance.demo.workspace import workspace_settings
from governance.service import MeshgovService
from governance.store.schema.tables import sli_samples

PERSONAL_UNCLASSIFIED = {"email", "ip_address", "search_query"}
# Tests of the evidence files alone: the files are the same whichever store loaded them.
FILES_ONLY = pytest.mark.parametrize("demo_workspace", ["sqlite"], indirect=True, scope="session")


@pytest.fixture(scope="module")
def demo(demo_workspace: Path) -> Iterator[MeshgovService]:
    """The service over the session's demo workspace."""
    service = MeshgovService.open(demo_workspace)
    yield service
    service.store.dispose()


def _upstream(service: MeshgovService, product_id: str) -> set[str]:
    lineage = service.product_detail(product_id).lineage
    return {edge["upstream_product"] for edge in lineage["upstream"]}


def _result_files(root: Path, product_id: str) -> list[Path]:
    """A product's GX result files, oldest first (the time folder sorts chronologically)."""
    validations = root / "evidence" / product_id / "gx" / "uncommitted" / "validations"
    return sorted(validations.rglob("*.json"), key=lambda p: p.parent.name)


def _demo_today(root: Path) -> date:
    """The `today` the session's demo was built for: its newest simulated run day."""
    days = [
        datetime.strptime(path.parent.name, "%Y%m%dT%H%M%S.%fZ").date()
        for path in (root / "evidence").rglob("*.json")
    ]
    return max(days)


# --- the mesh, as people see it


def test_mesh_spans_the_music_domains(demo: MeshgovService) -> None:
    products = demo.products()
    domains = {p["domain_id"] for p in products}
    assert len(products) >= 10
    assert len(domains) >= 4
    assert {"artists", "users", "podcasts", "listening", "finance"} <= domains


def test_artist_payments_is_fed_by_onboarding_and_payment_events(demo: MeshgovService) -> None:
    assert _upstream(demo, "artist-payments") == {"artist-onboarding", "payment-events"}


def test_user_profiles_serves_a_table_and_a_stream(demo: MeshgovService) -> None:
    outputs = [p for p in demo.product_detail("user-profiles").ports if p["kind"] == "output"]
    assert {p["name"]: p["type"] for p in outputs} == {
        "monthly-summary": "tables",
        "profile-updates": "topic",
    }


def test_podcast_listeners_reads_profiles_and_the_podcast_catalog(demo: MeshgovService) -> None:
    assert {"user-profiles", "podcast-catalog"} <= _upstream(demo, "podcast-listeners")


def test_playlist_recommendations_has_no_owner(demo: MeshgovService) -> None:
    detail = demo.product_detail("playlist-recommendations")
    assert detail.product["owner"] is None
    assert detail.product["team"], "the team exists; nobody in it is the owner"


def test_deprecated_catalog_is_still_consumed(demo: MeshgovService) -> None:
    detail = demo.product_detail("artist-catalog-v1")
    assert detail.product["status"] == "deprecated"
    consumers = {edge["downstream_product"] for edge in detail.lineage["downstream"]}
    assert "playlist-recommendations" in consumers


def test_search_history_holds_unclassified_personal_data(demo: MeshgovService) -> None:
    (contract,) = demo.product_detail("user-search-history").contracts
    classification = {c["name"]: c["classification"] for c in contract["columns"]}
    assert PERSONAL_UNCLASSIFIED <= classification.keys()
    assert all(classification[name] is None for name in PERSONAL_UNCLASSIFIED)


def test_every_other_column_is_classified(demo: MeshgovService) -> None:
    unclassified = [
        (product["id"], column["name"])
        for product in demo.products()
        for contract in demo.product_detail(product["id"]).contracts
        for column in contract["columns"]
        if column["classification"] is None
    ]
    assert sorted(unclassified) == sorted(
        ("user-search-history", name) for name in PERSONAL_UNCLASSIFIED
    )


def test_podcast_catalog_stops_being_fresh(demo: MeshgovService) -> None:
    last = {p["id"]: p["last_evidence"] for p in demo.overview().products}
    stale = last.pop("podcast-catalog")
    assert all(day is not None and day - stale >= timedelta(days=5) for day in last.values())


def test_artist_payments_quality_degrades(demo: MeshgovService) -> None:
    days = list(demo.product_detail("artist-payments").daily_pass_rate)
    days.sort(key=lambda r: r["day"])

    def pass_rate(rows: list[dict]) -> float:
        return sum(r["passed"] for r in rows) / sum(r["checks"] for r in rows)

    assert pass_rate(days[:10]) >= 0.9
    assert pass_rate(days[-5:]) <= pass_rate(days[:10]) - 0.3


def test_a_normal_product_has_thirty_days_of_evidence(demo: MeshgovService) -> None:
    days = {r["day"] for r in demo.product_detail("play-events").daily_pass_rate}
    assert len(days) == 30
    assert max(days) - min(days) == timedelta(days=29)


def test_most_days_pass_for_healthy_products(demo: MeshgovService) -> None:
    """Everyday noise: realistic, occasional failures, never a wall of red."""
    figures = {p["id"]: p["pass_rate"] for p in demo.overview().products}
    for product_id in ("artist-catalog", "user-profiles", "play-events", "payment-events"):
        checks = demo.export_checks(product_id)
        assert sum(c["success"] for c in checks) / len(checks) >= 0.9, product_id
        assert figures[product_id] is not None


# --- runs, logs, lineage, audit trail and SLOs tell the same stories


def _day(timestamp: str | None) -> date:
    assert timestamp is not None
    return datetime.fromisoformat(timestamp).date()


def test_every_product_runs_nightly_but_the_stalled_ingest(
    demo: MeshgovService, demo_workspace: Path
) -> None:
    today = _demo_today(demo_workspace)
    month = {today - timedelta(days=n) for n in range(30)}
    landed: dict[str, set[date]] = {p.id: set() for p in PRODUCTS}
    for run in demo.export("runs"):
        assert run["product"] in landed, run  # every run is attributed
        if run["state"] == "success":
            landed[run["product"]].add(_day(run["ended_at"]))
    stalled = landed.pop("podcast-catalog")
    assert all(days == month for days in landed.values())
    assert stalled == {day for day in month if (today - day).days >= 6}


def test_artist_payments_fails_and_logs_errors_as_it_degrades(
    demo: MeshgovService, demo_workspace: Path
) -> None:
    today = _demo_today(demo_workspace)

    def days_ago(timestamp: str | None) -> int:
        return (today - _day(timestamp)).days

    runs = demo.export("runs", "artist-payments")
    failed = [days_ago(r["ended_at"]) for r in runs if r["state"] == "failed"]
    recent_failures = sum(ago < 10 for ago in failed)
    assert recent_failures >= 10  # from the fourth bad night on, every first attempt fails
    assert recent_failures > sum(ago >= 10 for ago in failed)
    assert all(r["state"] in ("success", "failed") for r in runs)

    logs = demo.export("logs", "artist-payments")
    errors = [days_ago(r["time"]) for r in logs if r["severity_text"] == "ERROR"]
    late, early, before = (
        sum(ago < 5 for ago in errors),
        sum(5 <= ago < 10 for ago in errors),
        sum(ago >= 10 for ago in errors),
    )
    assert late > early > before  # errors grow with the decline


def test_logs_name_their_product_and_run(demo: MeshgovService) -> None:
    logs = demo.export("logs")
    run_ids = {r["run_id"] for r in demo.export("runs")}
    assert {r["product"] for r in logs} == {p.id for p in PRODUCTS}
    assert all(r["service"] == f"{r['product']}-pipeline" for r in logs)
    assert {r["run_id"] for r in logs} <= run_ids  # every record joins its OpenLineage run
    bodies = {(r["product"], r["severity_text"], r["body"]) for r in logs}
    assert any(
        p == "playlist-recommendations" and s == "WARN" and "deprecated product" in b
        for p, s, b in bodies
    )
    assert any(p == "user-search-history" and "no classification" in b for p, _, b in bodies)


def _client_event(event: dict[str, Any]) -> RunEvent:
    """The same RunEvent built with openlineage-python's own classes."""
    producer = event["producer"]
    run_facets: dict[str, Any] = {}
    if "errorMessage" in event["run"]["facets"]:
        message = event["run"]["facets"]["errorMessage"]["message"]
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=message, programmingLanguage="python", producer=producer
        )
    nominal = event["run"]["facets"]["nominalTime"]["nominalStartTime"]
    run_facets["nominalTime"] = nominal_time_run.NominalTimeRunFacet(
        nominalStartTime=nominal, producer=producer
    )
    job_type = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="AIRFLOW", jobType="TASK", producer=producer
    )
    outputs = []
    for output in event["outputs"]:
        facets, output_facets = {}, {}
        if "schema" in output["facets"]:
            fields = [
                schema_dataset.SchemaDatasetFacetFields(
                    name=f["name"], type=f["type"], description=f["description"]
                )
                for f in output["facets"]["schema"]["fields"]
            ]
            facets["schema"] = schema_dataset.SchemaDatasetFacet(fields=fields, producer=producer)
        if "outputStatistics" in output["outputFacets"]:
            rows = output["outputFacets"]["outputStatistics"]["rowCount"]
            output_facets["outputStatistics"] = (
                output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                    rowCount=rows, producer=producer
                )
            )
        outputs.append(
            OutputDataset(
                namespace=output["namespace"],
                name=output["name"],
                facets=facets,
                outputFacets=output_facets,
            )
        )
    return RunEvent(
        eventType=event["eventType"],
        eventTime=event["eventTime"],
        run=Run(runId=event["run"]["runId"], facets=run_facets),
        job=Job(
            namespace=event["job"]["namespace"],
            name=event["job"]["name"],
            facets={"jobType": job_type},
        ),
        inputs=[InputDataset(namespace=i["namespace"], name=i["name"]) for i in event["inputs"]],
        outputs=outputs,
        producer=producer,
    )


def test_run_events_are_what_openlineage_python_writes() -> None:
    """Plain dicts at run time; the client, a test dependency only, serialises the same."""
    today = date(2026, 5, 4)
    payments = next(p for p in PRODUCTS if p.id == "artist-payments")
    job = job_day(payments, today, today, seed=7)
    assert job is not None and [a.failed for a in job.attempts] == [True, True, False]
    outcome = ValidationOutcome(job.landed, 312, ())
    events = run_events(job, PRODUCTS, outcome)
    assert [e["eventType"] for e in events] == ["START", "FAIL"] * 2 + ["START", "COMPLETE"]
    for event in events:
        assert json.loads(Serde.to_json(_client_event(event))) == event
    assert events[-1]["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 312


@FILES_ONLY
def test_log_lines_are_otlp_json(demo_workspace: Path) -> None:
    """Each line is an ExportLogsServiceRequest that OTLP's own JSON codec reads back as is."""
    # The codec comes with the SDK's OTLP JSON file exporter (a test dependency).
    from opentelemetry.proto_json.collector.logs.v1.logs_service import ExportLogsServiceRequest

    newest = max((demo_workspace / "evidence" / "otel").glob("logs-*.jsonl"))
    lines = newest.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= len(PRODUCTS) - 1  # every product that ran, a line per task
    for line in lines:
        request = ExportLogsServiceRequest.from_json(line)
        assert json.loads(request.to_json()) == json.loads(line)


def test_observed_lineage_is_the_declared_lineage(demo: MeshgovService) -> None:
    lineage = demo.export("lineage")
    declared = {
        (r["upstream_product"], r["downstream_product"]) for r in lineage if r["kind"] == "declared"
    }
    observed = {
        (r["upstream_product"], r["downstream_product"]) for r in lineage if r["kind"] == "observed"
    }
    assert {edge for edge in observed if edge[0] is not None} == declared
    # Feeds of source systems belong to no product: seen, and shown as unclaimed.
    served = {port.contract.id for p in PRODUCTS for port in p.outputs}
    fed_by_systems = {p.id for p in PRODUCTS if any(i.contract_id not in served for i in p.inputs)}
    assert {down for up, down in observed if up is None} == fed_by_systems
    assert all(r["downstream_product"] is not None for r in lineage)


def test_the_deprecated_catalog_is_read_by_the_recommender_every_night(
    demo: MeshgovService,
) -> None:
    reads = [r for r in demo.export("audit", "artist-catalog-v1") if r["read_only"]]
    account = "svc-playlist-recommendations@harmonia-mesh.iam.gserviceaccount.com"
    nights = {_day(r["time"]) for r in reads if r["actor"] == account}
    assert len(nights) == 30


def test_popular_products_have_many_readers(demo: MeshgovService) -> None:
    audit = demo.export("audit")
    assert all(r["product"] is not None for r in audit)  # every resource is a known dataset

    def readers(product_id: str) -> set[str]:
        return {r["actor"] for r in audit if r["product"] == product_id and r["read_only"]}

    assert len(readers("artist-catalog")) >= 20
    assert len(readers("artist-catalog-v1")) <= 5
    assert len(readers("play-events")) > len(readers("royalty-reports"))
    changes = [r for r in audit if not r["read_only"]]
    assert any(r["actor"].startswith("svc-") for r in changes)  # pipelines write nightly
    owners = {m.username for p in PRODUCTS for m in p.team if m.role == "owner"}
    assert owners & {r["actor"] for r in changes}  # and owners now and then


def test_gold_products_have_slos(demo: MeshgovService) -> None:
    slos = demo.export("slos")
    gold = {p.id for p in PRODUCTS if p.tier == "gold"}
    assert gold <= {s["product"] for s in slos}
    assert {s["budgeting_method"] for s in slos} == {"Occurrences", "Timeslices"}
    assert all(s["window"] == "28d" and 0 < s["target"] < 1 for s in slos)


def test_slis_show_the_stalled_and_the_degrading_product_breaching(
    demo: MeshgovService, demo_workspace: Path
) -> None:
    today = _demo_today(demo_workspace)
    with demo.store.read() as connection:
        samples = connection.execute(select(sli_samples)).all()
    targets = {s["name"]: s["target"] for s in demo.export("slos")}
    assert {s.slo for s in samples} == set(targets)

    def attainment(slo: str, last_days: int = 28) -> float:
        chosen = [s for s in samples if s.slo == slo and (today - s.time.date()).days < last_days]
        return sum(s.good for s in chosen) / sum(s.total for s in chosen)

    assert attainment("podcast-catalog-freshness") < targets["podcast-catalog-freshness"]
    assert attainment("podcast-catalog-freshness", last_days=5) == 0
    # Timeslices: a day is good when 99% of its rows are valid; the decline spoils the days.
    valid_days = [
        s.good / s.total >= 0.99
        for s in samples
        if s.slo == "artist-payments-valid-rows" and (today - s.time.date()).days < 28
    ]
    assert sum(valid_days) / len(valid_days) < targets["artist-payments-valid-rows"]
    healthy = ("artist-catalog-freshness", "play-events-availability", "payment-events-freshness")
    assert all(attainment(slo) >= targets[slo] for slo in healthy)


def test_collecting_again_adds_nothing(demo_workspace: Path) -> None:
    service = MeshgovService.open(demo_workspace)
    try:
        kinds = ("checks", "runs", "logs", "audit", "lineage", "slos")
        before = {kind: service.export(kind) for kind in kinds}
        report = service.collection.collect_configured()
        assert report.ok
        assert report.records_new == 0
        assert {kind: service.export(kind) for kind in kinds} == before
    finally:
        service.store.dispose()


# --- the evidence is what GX writes


@FILES_ONLY
@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.id)
def test_latest_day_was_validated_by_real_gx(demo_workspace: Path, product: DemoProduct) -> None:
    """The newest file is GX's own; the evaluator reaches the same results on the same batch."""
    import great_expectations as gx

    files = _result_files(demo_workspace, product.id)
    latest = json.loads(files[-1].read_text())
    assert latest["meta"]["great_expectations_version"] == gx.__version__
    assert "meshgov_demo" not in latest["meta"]
    assert {"validation_id", "checkpoint_id", "run_id"} <= latest["meta"].keys()
    assert all("meshgov_demo" in json.loads(f.read_text())["meta"] for f in files[:-1])

    moment = parse_gx_time(latest["meta"]["run_id"]["run_time"])
    assert moment is not None
    frame = daily_batch(product, moment.date(), _demo_today(demo_workspace), seed=7)
    # Same fingerprint: the batch rebuilt here is the very batch GX validated.
    assert fingerprint(frame) == latest["meta"]["batch_markers"]["pandas_data_fingerprint"]
    evaluated = synthesised_validation(latest, product, frame, moment)
    for real, ours in zip(latest["results"], evaluated["results"], strict=True):
        assert (real["success"], real["result"]) == (ours["success"], ours["result"])
    assert evaluated["statistics"] == latest["statistics"]


@FILES_ONLY
def test_synthesised_days_have_gx_shape(demo_workspace: Path) -> None:
    files = _result_files(demo_workspace, "artist-payments")
    real, synthesised = (json.loads(f.read_text()) for f in (files[-1], files[-2]))
    assert list(synthesised) == list(real)
    assert set(synthesised["meta"]) == set(real["meta"]) | {"meshgov_demo"}
    for ours, theirs in zip(synthesised["results"], real["results"], strict=True):
        assert ours["expectation_config"] == theirs["expectation_config"]  # same suite, same ids
        assert list(ours) == list(theirs)
        assert set(ours["result"]) == set(theirs["result"])
    run = synthesised["meta"]["run_id"]["run_time"]
    assert synthesised["meta"]["validation_time"] == run
    assert files[-2].parent.name == datetime.fromisoformat(run).strftime("%Y%m%dT%H%M%S.%fZ")


@pytest.fixture(scope="module")
def validator() -> GxValidator:
    """One real GX context for the module."""
    return GxValidator()


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.id)
def test_evaluator_matches_gx_on_broken_batches(
    validator: GxValidator, product: DemoProduct
) -> None:
    """Every expectation failing at once, then a partial load: GX and the evaluator agree."""
    day = date(2026, 3, 14)
    rng = np.random.default_rng(11)
    frame = daily_batch(product, day, day, seed=11)
    for expectation in product.suite:
        if expectation.column:
            frame = break_rows(frame, expectation, 3, rng)
    partial = break_rows(frame, product.suite[-1], 0, rng)  # the suite ends with a row count
    for batch in (frame.reset_index(drop=True), partial):
        moment = run_time(product, day, seed=11)
        real = validator.validate(product, batch, moment)
        assert not real["success"]
        for entry in real["results"]:
            config = entry["expectation_config"]
            expectation = next(
                e
                for e in product.suite
                if (e.type, e.column) == (config["type"], config["kwargs"].get("column"))
            )
            assert evaluate_expectation(expectation, batch) == (entry["success"], entry["result"])


# --- building the demo


def _outcomes(root: Path) -> dict[str, list[tuple]]:
    outcomes = {}
    for path in sorted((root / "evidence").rglob("*.json")):
        document = json.loads(path.read_text())
        outcomes[path.relative_to(root).as_posix()] = [
            (
                document["suite_name"],
                r["expectation_config"]["type"],
                r["expectation_config"]["kwargs"].get("column"),
                r["success"],
                r["result"].get("unexpected_count"),
            )
            for r in document["results"]
        ]
    return outcomes


def _telemetry_files(root: Path) -> list[Path]:
    """Every evidence file besides GX's (whose ids GX draws anew), relative to `root`."""
    return sorted(
        p.relative_to(root)
        for p in (root / "evidence").rglob("*")
        if p.is_file() and "gx" not in p.relative_to(root / "evidence").parts
    )


def test_same_seed_same_demo(tmp_path: Path) -> None:
    today = date(2026, 5, 4)
    first, second = tmp_path / "first", tmp_path / "second"
    assert build_demo(first, seed=3, days=12, today=today) == build_demo(
        second, seed=3, days=12, today=today
    )
    described = sorted(p.relative_to(first) for p in first.glob("**/*.yaml"))
    described = [p for p in described if p.parts[0] not in ("evidence", "policy_rules")]
    assert len(described) == 1 + 12 + 13 + 6  # meshgov.yaml, products, their contracts, systems
    for relative in described:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    assert _outcomes(first) == _outcomes(second)
    assert len(_outcomes(first)) == 11 * 12 + 6  # podcast-catalog stopped 6 days ago
    telemetry = _telemetry_files(first)
    kinds = {p.parts[1] for p in telemetry}
    assert kinds == {"openlineage", "otel", "audit", "slo", "sli"}
    assert telemetry == _telemetry_files(second)
    for relative in telemetry:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_another_seed_tells_the_same_stories_with_other_numbers(tmp_path: Path) -> None:
    today = date(2026, 5, 4)
    build_demo(tmp_path / "a", seed=3, days=12, today=today)
    build_demo(tmp_path / "b", seed=4, days=12, today=today)
    assert _outcomes(tmp_path / "a") != _outcomes(tmp_path / "b")
    audit = Path("evidence") / "audit" / "warehouse-2026-05-04.jsonl"
    assert (tmp_path / "a" / audit).read_bytes() != (tmp_path / "b" / audit).read_bytes()


def test_demo_rebuilds_in_place_from_a_clean_store(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    runner = CliRunner()
    arguments = ["demo", "--no-serve", "--workspace", str(root), "--days", "3"]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    (root / "notes.md").write_text("mine")
    second = runner.invoke(app, arguments)
    assert second.exit_code == 0, second.output
    assert (root / "notes.md").read_text() == "mine"  # only what the demo wrote is replaced

    service = MeshgovService.open(root)
    try:
        log = service.collector_log()
        # A fresh store: every file of the rebuild was new to it, none "unchanged".
        assert len({row["run_id"] for row in log}) == 1  # one collection run...
        assert len(log) == len(workspace_settings()["sources"])  # ...with a row per source
        assert all(row["status"] == "ok" and row["files_unchanged"] == 0 for row in log)
        assert all(f["status"] == "ok" for row in log for f in row["files"])
        assert len(service.products()) == len(PRODUCTS)
    finally:
        service.store.dispose()
    assert not any(
        (root / "evidence" / "podcast-catalog" / "gx" / "uncommitted" / "validations").iterdir()
    )


@pytest.mark.parametrize(
    ("clock", "night", "judged"),
    [
        ("2026-05-04T02:10:00", "2026-05-03", "2026-05-03T23:59:59.999999"),
        ("2026-05-04T00:00:00", "2026-05-03", "2026-05-03T23:59:59.999999"),
        ("2026-05-04T08:00:00", "2026-05-04", "2026-05-04T08:00:00"),
        ("2026-05-04T21:30:00", "2026-05-04", "2026-05-04T21:30:00"),
    ],
)
def test_before_the_night_ends_the_demo_is_yesterdays(clock, night, judged) -> None:
    now = datetime.fromisoformat(clock).replace(tzinfo=UTC)
    today, as_of = demo_clock(now)
    assert today.isoformat() == night
    assert as_of == datetime.fromisoformat(judged).replace(tzinfo=UTC)


def test_a_demo_built_in_the_small_hours_holds_no_evidence_from_the_future(tmp_path) -> None:
    now = datetime(2026, 5, 4, 2, 10, tzinfo=UTC)  # before most nightly jobs have run
    today, as_of = demo_clock(now)
    build_demo(tmp_path, seed=7, days=3, today=today)
    runs = [
        parse_gx_time(json.loads(f.read_text())["meta"]["run_id"]["run_time"])
        for product in PRODUCTS
        for f in _result_files(tmp_path, product.id)
    ]
    assert runs and max(runs) <= as_of
    assert max(runs).date() == today


def test_refuses_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match=str(tmp_path)):
        build_demo(tmp_path, days=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


def test_refuses_a_workspace_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "meshgov.yaml").write_text("name: production mesh\n")
    (tmp_path / "products").mkdir()
    with pytest.raises(ValueError, match="not a meshgov demo workspace"):
        build_demo(tmp_path, days=1)
    assert (tmp_path / "products").is_dir()
