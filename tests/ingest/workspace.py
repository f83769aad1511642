"""A workspace for push tests and the push benchmark: roles, and the fixture mesh registered."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from governance.config import Workspace
from governance.service import MeshgovService
from governance.store import Store

MESH = Path(__file__).parents[1] / "fixtures" / "mesh"
ADMIN = "admin@example.com"
ROLES = {
    "default": "consumer",
    "admin": [ADMIN],
    "domain_owner": {"sales": ["ana@example.com"], "finance": ["fin@example.com"]},
}


def workspace_for(root: Path, store_url: str) -> MeshgovService:
    """A workspace in `root` on `store_url`, with roles, the fixture mesh registered."""
    document = {"name": "Push mesh", "roles": ROLES, "store": {"url": store_url}}
    (root / "meshgov.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    shutil.copytree(MESH, root / "mesh")
    store = Store(store_url)
    store.init()
    service = MeshgovService(Workspace(root=root, db_url=store_url, settings=document), store)
    assert service.registration.register([root / "mesh"]).ok
    return service
