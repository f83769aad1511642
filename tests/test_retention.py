"""Retention: `meshgov prune` removes raw evidence past the cutoff and nothing a page reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Table, func, insert, select
from typer.testing import CliRunner

from collectors.parse_worker import CHECK_COLUMNS
from governance.cli import app
from governance.config import Workspace
from governance.errors import WorkspaceError
from governance.model.records import (
    AuditEvent,
    CheckResult,
    LineageObservation,
    LogRecord,
    PipelineRun,
    Record,
    SliSample,
)
from governance.service import MeshgovService
from governance.service.retention import DEFAULT_RAW_DAYS, cutoff_for, raw_days
from governance.store import Store
from governance.store.schema.board_tables import (
    decisions,
    governance_log,
    governance_log_head,
    review_items,
)
from governance.store.schema.engine_tables import (
    domain_snapshots,
    evaluations,
    health_snapshots,
    policy_results,
    product_facts,
    slo_status,
    waivers,
)
from governance.store.schema.tables import (
    audit_events,
    check_daily,
    check_results,
    collector_files,
    collector_runs,
    log_daily,
    log_records,
    metadata,
    observed_lineage,
    pipeline_runs,
    sli_samples,
    source_files,
)
from governance.store.write import ledger
from governance.store.write.checks import write_prepared_checks
from governance.store.write.evidence import write_records
from governance.store.write.upsert import sqlite_datetime

NOW = datetime.now(UTC)
DAYS = 30  # raw evidence one a day, 1..30 days ago
OLDER_THAN = 10  # the cutoff is midnight 10 days ago: days 11..30 go, 1..10 stay
PRUNED = (
    check_results,
    log_records,
    sli_samples,
    audit_events,
    pipeline_runs,
    observed_lineage,
    collector_files,
    product_facts,
    policy_results,
    slo_status,
)
LOG = (governance_log, governance_log_head)  # grows by the prune's entry
KEPT = [t for t in metadata.sorted_tables if t not in PRUNED and t not in LOG]


# --- the setting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "days"),
    [
        ({}, DEFAULT_RAW_DAYS),
        ({"retention": {}}, DEFAULT_RAW_DAYS),
        ({"retention": {"raw_days": 30}}, 30),
    ],
)
def test_raw_days_comes_from_meshgov_yaml(settings, days):
    assert raw_days(settings) == days


@pytest.mark.parametrize(
    "retention",
    [{"raw_days": 0}, {"raw_days": -5}, {"raw_days": "400"}, {"raw_days": True}, {"raw_days": 1.5}],
)
def test_a_bad_raw_days_names_the_key(retention):
    with pytest.raises(WorkspaceError, match=r"retention\.raw_days"):
        raw_days({"retention": retention})


@pytest.mark.parametrize("retention", [400, {"raw_day": 400}])
def test_a_bad_retention_mapping_names_the_key(retention):
    with pytest.raises(WorkspaceError, match="retention"):
        raw_days({"retention": retention})


def test_the_cutoff_is_midnight_utc_so_whole_days_go():
    now = datetime(2025, 3, 10, 17, 45, tzinfo=UTC)
    assert cutoff_for(10, now) == datetime(2025, 2, 28, tzinfo=UTC)


# --- on each backend --------------------------------------------------------------------


def raw_records(days: int = DAYS, product: str = "orders") -> list[Record]:
    """One record of each timed kind per day, `days` days back from NOW."""
    records: list[Record] = []
    for back in range(1, days + 1):
        when = NOW - timedelta(days=back)
        records += [
            CheckResult(
                product,
                "out",
                "great_expectations",
                "suite",
                "not_null",
                "id",
                back % 3 != 0,
                "passed" if back % 3 else "failed",
                0,
                0.0,
                100,
                when,
                "gx.json",
            ),
            LogRecord(
                product, when, 9 + back % 12, None, f"log {back}", None, None, None, None, "l.json"
            ),
            AuditEvent(
                product, when, "ana@example.com", "SELECT", "orders.out", True, "jsonl", "a.jsonl"
            ),
            SliSample(product, "freshness", when, "sli_events", "s.jsonl", good=9.0, total=10.0),
            PipelineRun(product, "build", f"run-{back}", "success", when, when, "dbt", "run.json"),
            LineageObservation(
                "raw", product, f"ds{back}", "build", when, "openlineage", "ol.json"
            ),
        ]
    return records


def seed(store: Store) -> None:
    """Raw evidence over 30 days, two evaluations (old and new), and the board's rows."""
    with store.begin() as connection:
        write_records(connection, raw_records())
        runs = [(NOW - timedelta(days=back)) for back in (20, 2)]
        for when in runs:
            run_id = connection.execute(
                insert(collector_runs).returning(collector_runs.c.id),
                _collector_run(when),
            ).scalar_one()
            connection.execute(
                insert(collector_files),
                {"collector_run_id": run_id, "path": "gx.json", "status": "ok"}
                | {"records_read": 1, "records_new": 1},
            )
        connection.execute(
            insert(source_files),
            {"collector": "great_expectations", "product_key": "orders", "path": "gx.json"}
            | {"content_sha256": "0" * 64, "collected_at": NOW},
        )
        for back in (20, 2):  # an old evaluation and the newest
            _evaluation(connection, NOW - timedelta(days=back))
        item = connection.execute(
            insert(review_items).returning(review_items.c.id), _review_item()
        ).scalar_one()
        connection.execute(insert(decisions), _decision(item))
        connection.execute(
            insert(waivers),
            {"policy_id": "owner-present", "product_id": "orders", "reason": "r"}
            | {"status": "approved", "requested_by": "a", "created_at": NOW - timedelta(days=25)},
        )
        ledger.append(connection, actor="ana", action="decision.recorded", subject="item:1")


def _collector_run(when: datetime) -> dict[str, Any]:
    return {
        "run_id": when.isoformat()[:36], "collector": "great_expectations", "source": "gx/",
        "status": "ok", "files_read": 1, "files_unchanged": 0, "files_skipped": 0,
        "files_refused": 0, "records_read": 1, "records_new": 1,
        "started_at": when, "finished_at": when,
    }  # fmt: skip


def _evaluation(connection: Connection, as_of: datetime) -> None:
    evaluation_id = connection.execute(
        insert(evaluations).returning(evaluations.c.id),
        {"as_of": as_of, "started_at": as_of, "finished_at": as_of, "products": 1}
        | {"policies": 1, "refusals": [], "policy_digest": "0" * 64},
    ).scalar_one()
    key = {"evaluation_id": evaluation_id, "product_id": "orders"}
    connection.execute(insert(product_facts), key | {"facts": {"checks": 1}})
    connection.execute(
        insert(policy_results),
        key
        | {"policy_id": "owner-present", "outcome": "pass", "severity": "blocker"}
        | {"level": "bronze", "lifecycle": "enforced", "message": "ok", "facts": {}},
    )
    connection.execute(
        insert(slo_status),
        key
        | {"slo": "fresh", "source": "declared", "budgeting_method": "Occurrences"}
        | {"target": 0.99, "period_days": 28.0, "status": "healthy"},
    )
    snapshot = {"day": as_of.date(), "evaluation_id": evaluation_id}
    connection.execute(
        insert(health_snapshots),
        snapshot
        | {"product_id": "orders", "domain_id": "sales", "score": 80.0, "grade": "B"}
        | {"level": "bronze", "compliant": 1, "dimensions": {}, "explanation": {}},
    )
    connection.execute(
        insert(domain_snapshots),
        snapshot
        | {"domain_id": "sales", "products": 1, "mean_score": 80.0, "compliant": 1}
        | {"levels": {"bronze": 1}, "slos_breached": 0},
    )


def _review_item() -> dict[str, Any]:
    old = NOW - timedelta(days=25)
    return {
        "item_key": "blocker:orders:owner-present", "kind": "blocker", "product_id": "orders",
        "title": "t", "summary": "s", "evidence": [], "subject": {}, "severity": "blocker",
        "decider": "board", "decision_asked": "d", "state": "closed", "opened_at": old,
        "due_at": old, "updated_at": old, "version": 1,
    }  # fmt: skip


def _decision(item_id: int) -> dict[str, Any]:
    return {
        "number": 1, "record_id": "GDR-0001", "item_id": item_id, "kind": "blocker",
        "title": "t", "outcome": "approved", "rationale": "r", "decided_by": "ben",
        "decided_at": NOW - timedelta(days=25), "effects": {},
    }  # fmt: skip


def contents(connection: Connection, table: Table) -> list[tuple[Any, ...]]:
    """A table's rows in a stable order, for before/after comparisons."""
    return sorted(tuple(row) for row in connection.execute(select(table)))


def counts(store: Store, tables: tuple[Table, ...] = PRUNED) -> dict[str, int]:
    with store.read() as connection:
        return {t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


def kept_contents(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.read() as connection:
        return {t.name: contents(connection, t) for t in KEPT}


def test_prune_removes_raw_rows_past_the_cutoff_and_keeps_what_pages_read(store, tmp_path):
    seed(store)
    workspace = Workspace(root=tmp_path, db_url=store.url)
    before, kept_before = counts(store), kept_contents(store)
    with store.read() as connection:
        log_before = ledger.verify(connection).entries

    dry = MeshgovService(workspace, store).retention.prune(
        actor="ops", older_than=OLDER_THAN, dry_run=True, now=NOW
    )
    assert counts(store) == before and kept_contents(store) == kept_before  # nothing deleted

    report = MeshgovService(workspace, store).retention.prune(
        actor="ops", older_than=OLDER_THAN, now=NOW, batch_rows=7
    )
    removed = dict(report.counts)
    assert removed == dry.counts == {
        "product_facts": 1, "policy_results": 1, "slo_status": 1,
        "collector_files": 1, "observed_lineage": 20, "pipeline_runs": 20,
        "audit_events": 20, "sli_samples": 20, "log_records": 20, "check_results": 20,
    }  # fmt: skip
    after = counts(store)
    assert {name: before[name] - after[name] for name in before} == removed
    cutoff = report.cutoff
    with store.read() as connection:
        assert connection.scalar(select(func.min(check_results.c.run_time))) >= cutoff
        assert connection.scalar(select(func.min(log_records.c.time))) >= cutoff
        assert connection.scalar(select(func.min(sli_samples.c.time))) >= cutoff
        assert connection.scalar(select(func.min(observed_lineage.c.last_seen))) >= cutoff
        # The newest evaluation keeps its details; every evaluation row and snapshot stays.
        newest = connection.scalar(select(func.max(evaluations.c.id)))
        assert set(connection.scalars(select(policy_results.c.evaluation_id))) == {newest}
        entries = ledger.entries(connection)
        assert ledger.verify(connection).ok
    assert kept_contents(store) == kept_before  # roll-ups, snapshots, board, watermarks
    assert len(entries) == log_before + 1
    assert (entries[-1].action, entries[-1].actor, entries[-1].subject) == (
        "evidence.pruned",
        "ops",
        "store",
    )
    assert entries[-1].payload["counts"] == removed
    assert entries[-1].payload["cutoff"] == cutoff.isoformat()
    assert report.log_seq == entries[-1].seq


def test_the_newest_evaluation_keeps_its_details_however_old(store, tmp_path):
    seed(store)
    workspace = Workspace(root=tmp_path, db_url=store.url)
    report = MeshgovService(workspace, store).retention.prune(actor="ops", older_than=1, now=NOW)
    assert report.counts["policy_results"] == 1  # the old one's; the newest is 2 days old
    assert counts(store, (policy_results, product_facts, slo_status)) == {
        "policy_results": 1,
        "product_facts": 1,
        "slo_status": 1,
    }


def test_evidence_older_than_a_prune_is_not_collected_again(store, tmp_path):
    """A changed file is read again whole: its pruned rows must not be counted twice."""
    seed(store)
    MeshgovService(Workspace(tmp_path, store.url), store).retention.prune(
        actor="ops", older_than=OLDER_THAN, now=NOW
    )
    before = counts(store)
    with store.read() as connection:
        rollups = contents(connection, check_daily), contents(connection, log_daily)
    [fresh] = [r for r in raw_records(1, product="fresh") if isinstance(r, CheckResult)]
    with store.begin() as connection:
        new = write_records(connection, [*raw_records(), fresh])
    # Of 30 days of "orders" evidence, days 11..30 were pruned and are skipped, days 1..10
    # are stored already; only the new product's check is new.
    assert new == {fresh.check_key}
    assert counts(store) == before | {"check_results": before["check_results"] + 1}
    with store.read() as connection:
        daily = contents(connection, check_daily)
        assert [r for r in daily if r[0] == "orders"] == rollups[0]
        assert contents(connection, log_daily) == rollups[1]


def test_prepared_check_rows_older_than_a_prune_are_not_written(tmp_path):
    """The SQLite parse pipeline's path (rows prepared by a worker) respects the horizon too."""
    store = Store(f"sqlite:///{tmp_path / 'meshgov.db'}")
    store.init()
    seed(store)
    MeshgovService(Workspace(tmp_path, store.url), store).retention.prune(
        actor="ops", older_than=OLDER_THAN, now=NOW
    )
    checks = [r for r in raw_records() if isinstance(r, CheckResult)]
    rows, rollup = [], []
    for r in checks:
        run_time = sqlite_datetime(r.run_time)
        values = {c: None for c in CHECK_COLUMNS} | {
            "check_key": r.check_key, "product_id": r.product_id, "source_tool": r.source_tool,
            "suite": r.suite, "check_name": r.check, "success": int(r.success),
            "status": r.status, "run_time": run_time, "source": r.source, "details": "{}",
            "collected_at": sqlite_datetime(NOW),
        }  # fmt: skip
        rows.append(tuple(values[c] for c in CHECK_COLUMNS))
        rollup.append((r.product_id, run_time[:10], r.source_tool, r.success))
    with store.read() as connection:
        daily = contents(connection, check_daily)
    with store.begin() as connection:
        assert write_prepared_checks(connection, CHECK_COLUMNS, rows, rollup) == set()
    with store.read() as connection:
        assert contents(connection, check_daily) == daily
    store.dispose()


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def cli(store, tmp_path, monkeypatch):
    """Run meshgov on a seeded store of the backend under test."""
    seed(store)
    monkeypatch.setenv("MESHGOV_DB_URL", store.url)
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(tmp_path))
    # The cutoff is a midnight: a run that crosses one after NOW was taken must not move it.
    monkeypatch.setattr("governance.service.retention.utcnow", lambda: NOW)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_prune_command_dry_run_then_prune_then_verify(cli, store):
    before = counts(store)
    dry = cli("prune", "--older-than", str(OLDER_THAN), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.output)
    assert planned["dry_run"] and planned["log_seq"] is None
    assert planned["counts"]["check_results"] == 20 and counts(store) == before

    done = cli("prune", "--older-than", str(OLDER_THAN), "--as", "ops@example.com")
    assert done.exit_code == 0, done.output
    assert "removed 124 row(s)" in done.output and "check_results" in done.output
    assert counts(store)["check_results"] == before["check_results"] - 20
    verified = cli("audit", "verify", "--json")
    assert verified.exit_code == 0 and json.loads(verified.output)["ok"]
    log = cli("audit", "log", "--subject", "store", "--json")
    [entry] = [json.loads(line) for line in log.output.splitlines()]
    assert (entry["action"], entry["actor"]) == ("evidence.pruned", "ops@example.com")


def test_prune_defaults_to_the_configured_period_and_refuses_a_bad_one(cli, store, tmp_path):
    (tmp_path / "meshgov.yaml").write_text("retention:\n  raw_days: 25\n")
    result = cli("prune", "--dry-run", "--json")
    assert json.loads(result.output)["counts"]["check_results"] == 5  # days 26..30
    (tmp_path / "meshgov.yaml").write_text("retention:\n  raw_days: soon\n")
    refused = cli("prune")
    assert refused.exit_code == 2 and "retention.raw_days" in refused.output
    assert cli("prune", "--older-than", "0").exit_code == 2


def test_the_horizon_read_before_every_write_finds_prunes_by_index(tmp_path):
    """Every write transaction reads the prune horizon; a long governance log is not scanned."""
    store = Store(f"sqlite:///{tmp_path / 'horizon.db'}")
    store.init()
    with store.read() as connection:
        raw = connection.connection.driver_connection
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT payload FROM governance_log WHERE action = ?", ("x",)
        ).fetchall()
    assert any("USING INDEX ix_governance_log_action" in row[-1] for row in plan), plan
    store.dispose()
