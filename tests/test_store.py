"""The metrics store: migrations, time handling, and the SQLite defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from governance.config import resolve_workspace
from governance.errors import StoreNotInitialised
from governance.store import Store
from governance.store.database import head_revision
from governance.store.schema.tables import domains, metadata


def test_migrations_build_exactly_the_declared_schema(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_init_is_idempotent_and_reports_the_revision(store_url):
    store = Store(store_url)
    assert store.init() == (None, head_revision())
    assert store.init() == (head_revision(), head_revision())
    tables = set(inspect(store.engine).get_table_names())
    assert {"domains", "products", "ports", "lineage_edges", "contracts"} <= tables
    assert {"check_results", "collector_runs", "check_daily"} <= tables
    store.dispose()


def test_an_uninitialised_store_is_refused_with_the_fix(store_url):
    store = Store(store_url)
    with pytest.raises(StoreNotInitialised, match="run `meshgov init`"):
        store.check_ready()
    store.dispose()


def test_times_go_in_as_any_zone_and_come_back_utc(store):
    local = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.begin() as connection:
        connection.execute(domains.insert().values(id="d", name="D", created_at=local))
    with store.read() as connection:
        stored = connection.scalar(select(domains.c.created_at))
    assert stored == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(store):
    with pytest.raises(Exception, match="naive datetime"):
        with store.begin() as connection:
            connection.execute(
                domains.insert().values(id="d", name="D", created_at=datetime(2026, 1, 1))
            )


def test_default_store_is_sqlite_in_wal_mode_inside_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    monkeypatch.delenv("MESHGOV_WORKSPACE", raising=False)
    workspace = resolve_workspace(tmp_path)
    store = Store(workspace.db_url)
    store.init()
    assert (tmp_path / ".meshgov" / "meshgov.db").exists()
    with store.read() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
    store.dispose()


def test_workspace_resolution_order(tmp_path, monkeypatch):
    env_ws, cwd_ws = tmp_path / "env", tmp_path / "cwd"
    env_ws.mkdir()
    cwd_ws.mkdir()
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    monkeypatch.chdir(cwd_ws)
    monkeypatch.delenv("MESHGOV_WORKSPACE", raising=False)
    assert resolve_workspace().root == cwd_ws
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(env_ws))
    assert resolve_workspace().root == env_ws
    assert resolve_workspace(tmp_path).root == tmp_path
    (env_ws / "meshgov.yaml").write_text("store:\n  url: sqlite:////elsewhere/x.db\n")
    assert resolve_workspace().db_url == "sqlite:////elsewhere/x.db"
    monkeypatch.setenv("MESHGOV_DB_URL", "postgresql+psycopg://u@h/db")
    assert resolve_workspace().db_url == "postgresql+psycopg://u@h/db"


def test_checking_a_missing_sqlite_store_creates_nothing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / '.meshgov' / 'meshgov.db'}")
    with pytest.raises(StoreNotInitialised):
        store.check_ready()
    assert list(tmp_path.iterdir()) == []


def test_migration_0002_keeps_the_per_file_log_of_a_0001_store(store_url):
    from alembic import command

    from governance.store.database import _alembic_config, sqlite_file

    store = Store(store_url)
    if sqlite_file(store_url):
        sqlite_file(store_url).parent.mkdir(parents=True, exist_ok=True)
    config = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO collector_runs (run_id, collector, source, status, reason,"
                " records_read, records_new, started_at, finished_at) VALUES"
                " ('r1', 'great_expectations', '/a.json', 'refused', 'not valid JSON', 0, 0,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
                " ('r1', 'great_expectations', '/b.json', 'ok', NULL, 4, 4,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    assert store.init() == ("0001", head_revision())
    with store.read() as connection:
        runs = connection.execute(
            text("SELECT source, status, error, files_read, files_refused FROM collector_runs")
        ).all()
        files = connection.execute(
            text("SELECT path, status, reason, records_new FROM collector_files ORDER BY path")
        ).all()
    assert sorted(map(tuple, runs)) == [
        ("/a.json", "failed", "not valid JSON", 0, 1),
        ("/b.json", "ok", None, 1, 0),
    ]
    assert [tuple(f) for f in files] == [
        ("/a.json", "refused", "not valid JSON", 0),
        ("/b.json", "ok", None, 4),
    ]
    store.dispose()
