"""The demo mesh on each backend: built once per session, copied privately for tests that change it.

The demo is loaded once per backend into a pristine *template* (a folder, plus a database on
PostgreSQL) that no test touches. The session's shared workspace and every private copy
are copies of that template: a folder copy, and on PostgreSQL a `CREATE DATABASE … TEMPLATE`
clone that the copy's meshgov.yaml points at. So a copy always starts from the demo's
story, never from what an earlier test wrote into the shared store.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Connection, Engine, create_engine, text

from governance.config import WORKSPACE_FILE, resolve_workspace
from governance.service import MeshgovService
from tests import pg_server

DEMO_BACKENDS = ("sqlite", "postgresql")
CopyDemo = Callable[[Path, Path], Path]


@dataclass
class DemoTemplates:
    """Pristine demo workspaces by the workspaces copied from them, and the databases made."""

    templates: dict[Path, tuple[Path, str | None]] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)

    def copy(self, source: Path, target: Path) -> Path:
        """A private copy of the demo workspace `source` (store included) at `target`."""
        template, database = self.templates[source.resolve()]
        shutil.copytree(template, target)
        if database:
            clone = pg_server.create_database("meshgov_demo_copy", template=database)
            self.databases.append(clone)
            point_store_at(target, pg_server.database_url(clone))
        self.templates[target.resolve()] = (template, database)
        return target


def point_store_at(root: Path, url: str) -> None:
    """Set the workspace's store URL in its meshgov.yaml, as a team does for PostgreSQL."""
    path = root / WORKSPACE_FILE
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    settings.setdefault("store", {})["url"] = url
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def _load_demo(root: Path) -> None:
    from governance.demo import board_story

    service = MeshgovService.open(root)
    service.init()
    assert service.register([root / "products"]).ok
    assert service.collect_configured().ok
    service.backfill(14)
    evaluation = service.evaluate()
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
    from governance.demo import build_demo

    backend = request.param
    database = None
    if backend == "postgresql":
        pg_server.require(pg_available)
    template = tmp_path_factory.mktemp(f"demo-template-{backend}") / "meshgov-demo"
    build_demo(template, seed=7, days=30)
    if backend == "postgresql":
        database = pg_server.create_database("meshgov_demo_template")
        demo_templates.databases.append(database)
        point_store_at(template, pg_server.database_url(database))
    _load_demo(template)
    demo_templates.templates[template.resolve()] = (template, database)
    shared = tmp_path_factory.mktemp(f"demo-{backend}") / template.name
    return demo_templates.copy(template, shared)


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
