"""Fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from MESHGOV_TEST_PG_URL (CI sets it; default the local server). When no
server answers, the PostgreSQL variants skip with the reason shown; in CI (CI=true) they
fail instead, because there a missing server is a broken pipeline, not a choice.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from governance.config import Workspace
from governance.service import MeshgovService
from governance.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = ["tests.gx_runs"]
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_admin_url() -> str:
    return os.environ.get("MESHGOV_TEST_PG_URL", DEFAULT_PG_URL)


def _pg_unreachable_reason() -> str | None:
    try:
        engine = create_engine(_pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no usable server
        return (
            f"PostgreSQL not reachable at {make_url(_pg_admin_url())!r}: {exc.__class__.__name__}"
        )
    return None


@pytest.fixture(scope="session")
def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    return _pg_unreachable_reason()


@pytest.fixture
def pg_url(pg_available: str | None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if pg_available:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {pg_available}")
        pytest.skip(pg_available)
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"meshgov_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo mesh, built and loaded once per session into a SQLite store."""
    from governance.demo import board_story, build_demo

    root = tmp_path_factory.mktemp("demo") / "meshgov-demo"
    build_demo(root, seed=7, days=30)
    service = MeshgovService.open(root)
    service.init()
    assert service.register([root / "products"]).ok
    assert service.collect_configured().ok
    service.backfill(14)
    evaluation = service.evaluate()
    assert not evaluation.refusals
    board_story.play(service, evaluation.as_of)
    service.store.dispose()
    return root
