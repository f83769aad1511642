"""Fixtures: every store test, and every test of the demo mesh, runs on SQLite and PostgreSQL.

The demo fixtures live in tests/demo_stores.py; the server helpers in tests/pg_server.py.

PostgreSQL comes from MESHGOV_TEST_PG_URL (CI sets it; default the local server). When no
server answers, the PostgreSQL variants skip with the reason shown; in CI (CI=true) they
fail instead, because there a missing server is a broken pipeline, not a choice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.config import Workspace
from governance.service import MeshgovService
from governance.store import Store
from tests import pg_server

FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = ["tests.gx_runs", "tests.demo_stores"]


@pytest.fixture(scope="session")
def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    return pg_server.unreachable_reason()


@pytest.fixture
def pg_url(pg_available: str | None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    pg_server.require(pg_available)
    name = pg_server.create_database("meshgov_test")
    try:
        yield pg_server.database_url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'meshgov.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An initialised, empty store on each backend."""
    store = Store(store_url)
    store.init()
    yield store
    store.dispose()


@pytest.fixture
def service(store: Store, tmp_path: Path) -> MeshgovService:
    """The facade over an empty store, with a workspace in tmp_path."""
    workspace = Workspace(root=tmp_path, db_url=store.url)
    return MeshgovService(workspace, store=store)


@pytest.fixture
def mesh_dir() -> Path:
    """A small valid mesh: two products (orders → revenue) and their contracts."""
    return FIXTURES / "mesh"
