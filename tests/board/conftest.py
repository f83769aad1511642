"""A small mesh with roles, on each backend, for the board's workflow."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from governance.config import Workspace
from governance.engine.policies import DEFAULT_POLICY_RULES
from governance.model.records import CheckResult
from governance.service import MeshgovService
from governance.store import Store

MESH = Path(__file__).parents[1] / "fixtures" / "mesh"
HANG = "hang"  # a reply that never comes (until the test ends)
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


@dataclass
class Receiver:
    """A webhook endpoint: what it received, and the replies it gives in order (then 200)."""

    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    replies: list[int | str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
            )
            reply = state.replies.pop(0) if state.replies else 200
            if reply == HANG:
                state.release.wait(10)  # longer than any client timeout; released at teardown
                return
            # Like some real services, echo the path in errors: the client must not repeat it.
            answer = b"ok" if reply == 200 else f"no_service for {self.path}".encode()
            self.send_response(int(reply))
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    # A short poll keeps shutdown() at teardown from costing half a second per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def orders_check(name: str, status: str, at: datetime) -> CheckResult:
    """A GX result of the orders suite on order_id, as a collector would record it."""
    return CheckResult(
        product_id="orders", port=None, source_tool="great_expectations", suite="orders.suite",
        check=name, column="order_id", success=status == "pass", status=status,
        unexpected_count=None, unexpected_percent=None, element_count=None, run_time=at,
        source="suite.json",
    )  # fmt: skip
