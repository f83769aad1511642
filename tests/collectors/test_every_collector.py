"""Every collector in one workspace: collected three times, the store stays the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from governance.cli import app
from governance.config import Workspace
from governance.service import MeshgovService
from governance.store.schema.tables import (
    audit_events,
    check_daily,
    check_results,
    log_daily,
    log_records,
    observed_lineage,
    pipeline_runs,
    sli_samples,
    slo_definitions,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
# Bookkeeping columns that may move between runs without the evidence changing.
VOLATILE = {"id", "collected_at", "updated_at"}
TABLES = (
    check_results,
    check_daily,
    pipeline_runs,
    observed_lineage,
    log_records,
    log_daily,
    audit_events,
    slo_definitions,
    sli_samples,
)

OTLP_LINE = {
    "resourceLogs": [
        {
            "resource": {
                "attributes": [
                    {"key": "service.name", "value": {"stringValue": "orders-pipeline"}},
                    {"key": "data_product", "value": {"stringValue": "orders"}},
                ]
            },
            "scopeLogs": [
                {
                    "scope": {"name": "orders.load"},
                    "logRecords": [
                        {
                            "timeUnixNano": "1795491063000331776",
                            "severityNumber": 17,
                            "severityText": "ERROR",
                            "body": {"stringValue": "load failed"},
                            "traceId": "2630fb17b65e2bc25388a92fb504c41f",
                            "spanId": "5660a33a85eb946f",
                        }
                    ],
                }
            ],
        }
    ]
}
SLI_LINES = [
    {
        "product": "orders",
        "slo": "freshness",
        "indicator": "fresh_loads",
        "time": "2026-11-20T06:00:00Z",
        "good": 23,
        "total": 24,
    },
    {
        "product": "orders",
        "slo": "freshness",
        "indicator": "fresh_loads",
        "time": "2026-11-21T06:00:00Z",
        "good": 24,
        "total": 24,
    },
]


@pytest.fixture
def workspace(tmp_path: Path, store, mesh_dir: Path, gx_validation_json: Path) -> MeshgovService:
    evidence = tmp_path / "evidence"
    for name in ("dbt", "soda", "openlineage", "openslo", "prometheus", "audit_logs"):
        shutil.copytree(FIXTURES / name, evidence / name)
    (evidence / "gx").mkdir()
    shutil.copy(gx_validation_json, evidence / "gx" / "orders.json")
    (evidence / "otlp").mkdir()
    (evidence / "otlp" / "logs.jsonl").write_text(json.dumps(OTLP_LINE) + "\n")
    (evidence / "sli").mkdir()
    (evidence / "sli" / "samples.jsonl").write_text(
        "".join(json.dumps(x) + "\n" for x in SLI_LINES)
    )
    sources = [
        {"type": "great_expectations", "path": "evidence/gx", "product": "orders"},
        {"type": "dbt", "path": "evidence/dbt/v6"},
        {"type": "soda", "path": "evidence/soda/scan_results*.json"},
        {"type": "openlineage", "path": "evidence/openlineage/*.jsonl"},
        {"type": "otlp_logs", "path": "evidence/otlp"},
        {"type": "audit_logs", "path": "evidence/audit_logs/cloudtrail.json"},
        {"type": "audit_logs", "path": "evidence/audit_logs/pgaudit.log"},
        {"type": "openslo", "path": "evidence/openslo", "product": "orders"},
        {"type": "sli_events", "path": "evidence/sli"},
        {"type": "prometheus", "path": "evidence/prometheus/metrics.prom"},
    ]
    settings = {"name": "every collector", "sources": sources}
    # The OpenLineage fixture's datasets, claimed by the two registered products.
    mesh = tmp_path / "mesh"
    shutil.copytree(mesh_dir, mesh)
    for product, dataset in (
        ("orders", "shop.public.orders"),
        ("revenue", "analytics.revenue_daily"),
    ):
        descriptor = mesh / "products" / f"{product}.yaml"
        document = yaml.safe_load(descriptor.read_text())
        document.setdefault("customProperties", []).append(
            {"property": "datasets", "value": [dataset]}
        )
        descriptor.write_text(yaml.safe_dump(document))
    (tmp_path / "meshgov.yaml").write_text(yaml.safe_dump(settings))
    service = MeshgovService(Workspace(root=tmp_path, db_url=store.url, settings=settings), store)
    assert service.registration.register([mesh]).ok
    return service


def dump(service: MeshgovService) -> dict[str, list]:
    with service.store.read() as connection:
        return {
            table.name: sorted(
                (
                    json.dumps(
                        {k: v for k, v in row._mapping.items() if k not in VOLATILE},
                        sort_keys=True,
                        default=str,
                    )
                    for row in connection.execute(select(table))
                ),
            )
            for table in TABLES
        }


def test_three_collections_give_the_same_store(workspace):
    first = workspace.collection.collect_configured()
    assert all(s.error is None for s in first.sources), [s.error for s in first.sources]
    state = dump(workspace)
    assert all(state[t.name] for t in TABLES), [t for t, v in state.items() if not v]
    lineage = workspace.export("lineage")
    assert {(e["upstream_product"], e["downstream_product"], e["kind"]) for e in lineage} == {
        ("orders", "revenue", "declared"),
        ("orders", "revenue", "observed"),
    }
    refused = {o.path for s in first.sources for o in s.outcomes if o.status == "refused"}
    for _ in range(2):
        again = workspace.collection.collect_configured()
        assert again.records_new == 0
        statuses = {o.path: o.status for s in again.sources for o in s.outcomes}
        # what could not be read is tried (and reported) again; the rest is not even opened
        assert {p for p, status in statuses.items() if status == "refused"} == refused
        assert {status for p, status in statuses.items() if p not in refused} <= {
            "unchanged",
            "skipped",
        }, statuses
        assert dump(workspace) == state


def test_only_the_changed_file_is_read_again(workspace):
    workspace.collection.collect_configured()
    samples = workspace.workspace.root / "evidence" / "sli" / "samples.jsonl"
    extra = {**SLI_LINES[1], "time": "2026-11-22T06:00:00Z"}
    samples.write_text(samples.read_text() + json.dumps(extra) + "\n")
    report = workspace.collection.collect_configured()
    read = [o.path for s in report.sources for o in s.outcomes if o.status == "ok"]
    assert read == [str(samples)]
    assert report.records_new == 1


def test_collect_json_summary_for_scripts(workspace, monkeypatch):
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(workspace.workspace.root))
    monkeypatch.setenv("MESHGOV_DB_URL", workspace.store.url)
    result = CliRunner().invoke(app, ["collect", "--json"], catch_exceptions=False)
    summary = json.loads(result.stdout)
    assert {s["collector"] for s in summary["sources"]} >= {"dbt", "soda", "openlineage"}
    assert summary["records_new"] > 0
    assert result.exit_code == (0 if summary["ok"] else 1)
    for source in summary["sources"]:
        assert set(source["files"]) == {"ok", "partial", "unchanged", "skipped", "refused"}
