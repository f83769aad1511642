"""The demo mesh on each backend: built once per session, copied privately for tests that change it.

The demo is loaded once per backend into the session's shared workspace, and its store is
kept pristine beside it (a copy of the SQLite folder, or on PostgreSQL the loaded database
itself, which the shared workspace only ever reads through a clone). A private copy takes
the workspace's files and a copy of that pristine store (a `CREATE DATABASE … TEMPLATE`
clone that the copy's meshgov.yaml points at), so it always starts from the demo's story,
never from what an earlier test wrote into the shared store.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Connection, Engine, create_engine, text

from governance.config import STORE_DIR, WORKSPACE_FILE, resolve_workspace
from governance.service import MeshgovService
from tests import pg_server

DEMO_BACKENDS = ("sqlite", "postgresql")
CopyDemo = Callable[[Path, Path], Path]


@dataclass(frozen=True)
class PristineStore:
    """Where a demo's store was kept as it was right after loading."""

    sqlite_folder: Path | None = None
    database: str | None = None


@dataclass
class DemoTemplates:
    """Pristine stores by the workspaces that share them, and the databases made."""

    pristine: dict[Path, PristineStore] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)

    def clone_database(self, template: str) -> str:
        """A new database copied from `template`, dropped at the end of the session."""
        clone = pg_server.create_database("meshgov_demo_copy", template=template)
        self.databases.append(clone)
        return pg_server.database_url(clone)

    def copy(self, source: Path, target: Path) -> Path:
        """A private copy of the demo workspace `source` (store included) at `target`."""
        pristine = self.pristine[source.resolve()]
        # The evidence paths stored are the shared workspace's: a copy reads the same files.
        shutil.copytree(source, target, ignore=_store_folder(source))
        if pristine.sqlite_folder:
            shutil.copytree(pristine.sqlite_folder, target / STORE_DIR)
        if pristine.database:
            point_store_at(target, self.clone_database(pristine.database))
        self.pristine[target.resolve()] = pristine
        return target


def _store_folder(root: Path) -> Callable[[str, list[str]], list[str]]:
    def ignore(folder: str, names: list[str]) -> list[str]:
        return [STORE_DIR] if Path(folder) == root else []

    return ignore


def point_store_at(root: Path, url: str) -> None:
    """Set the workspace's store URL in its meshgov.yaml, as a team does for PostgreSQL."""
    path = root / WORKSPACE_FILE
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    settings.setdefault("store", {})["url"] = url
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def _load_demo(root: Path, as_of: datetime) -> None:
    from governance.demo import board_story

    service = MeshgovService.open(root)
    service.init()
    assert service.registration.register([root / "products"]).ok
    assert service.collection.collect_configured().ok
    service.evaluation.backfill(14, now=as_of)
    evaluation = service.evaluation.evaluate(now=as_of)
    assert not evaluation.refusals
    board_story.play(service, evaluation.as_of)
    service.store.dispose()


@pytest.fixture(scope="session")
def demo_templates() -> Iterator[DemoTemplates]:
    """The session's pristine demos; drops their PostgreSQL databases at the end."""
    templates = DemoTemplates()
    yield templates
    for name in reversed(templates.databases):
        pg_server.drop_database(name)


@pytest.fixture(scope="session", params=DEMO_BACKENDS)
def demo_workspace(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    demo_templates: DemoTemplates,
    pg_available: str | None,
) -> Path:
    """The demo mesh, built and loaded once per session on each backend."""
    from governance.demo import build_demo, demo_clock

    backend = request.param
    if backend == "postgresql":
        pg_server.require(pg_available)
    root = tmp_path_factory.mktemp(f"demo-{backend}") / "meshgov-demo"
    today, as_of = demo_clock()  # as `meshgov demo` does: the same stories at any hour
    build_demo(root, seed=7, days=30, today=today)
    if backend == "postgresql":
        database = pg_server.create_database("meshgov_demo_template")
        demo_templates.databases.append(database)
        point_store_at(root, pg_server.database_url(database))
        _load_demo(root, as_of)
        point_store_at(root, demo_templates.clone_database(database))
        pristine = PristineStore(database=database)
    else:
        _load_demo(root, as_of)
        kept = tmp_path_factory.mktemp("demo-pristine-sqlite") / STORE_DIR
        shutil.copytree(root / STORE_DIR, kept)
        pristine = PristineStore(sqlite_folder=kept)
    demo_templates.pristine[root.resolve()] = pristine
    return root


@pytest.fixture(scope="session")
def copy_demo(demo_templates: DemoTemplates) -> CopyDemo:
    """copy_demo(demo_workspace, target): a private demo, on the same backend, to change."""
    return demo_templates.copy


def store_engine(workspace: Path) -> Engine:
    """An engine on the workspace's own store, for tests that tamper with it behind meshgov."""
    return create_engine(resolve_workspace(workspace).db_url)


def without_log_guard(connection: Connection) -> None:
    """Switch off PostgreSQL's trigger guard of governance_log, as a superuser attacker can."""
    if connection.dialect.name == "postgresql":
        # Ordinary triggers do not fire for a session in replica mode.
        connection.execute(text("SET session_replication_role = replica"))
