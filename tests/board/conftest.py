"""A small mesh with roles, on each backend, for the board's workflow."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from governance.config import Workspace
from governance.engine.policies import DEFAULT_POLICY_RULES
from governance.service import MeshgovService
from governance.store import Store

MESH = Path(__file__).parents[1] / "fixtures" / "mesh"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ROLES = {
    "default": "consumer",
    "admin": ["admin@example.com"],
    "board_member": ["chair@example.com", "sec@example.com", "group:board"],
    "domain_owner": {
        "sales": ["ana@example.com"],
        "finance": ["fin@example.com", "chair@example.com"],
    },
}


def make_service(root: Path, store: Store, settings: dict | None = None) -> MeshgovService:
    """A service over `store` whose meshgov.yaml holds the roles (and `settings`)."""
    document = {"name": "Test mesh", "roles": ROLES, **(settings or {})}
    (root / "meshgov.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    workspace = Workspace(root=root, db_url=store.url, settings=document)
    return MeshgovService(workspace, store=store)


@pytest.fixture
def board(store: Store, tmp_path: Path) -> MeshgovService:
    """The fixture mesh (orders in sales, revenue in finance) registered and evaluated."""
    shutil.copytree(MESH, tmp_path / "mesh")
    shutil.copytree(DEFAULT_POLICY_RULES / "global", tmp_path / "policy_rules" / "global")
    service = make_service(tmp_path, store)
    assert service.registration.register([tmp_path / "mesh"]).ok
    service.evaluation.evaluate(NOW)
    return service
