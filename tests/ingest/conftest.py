"""A running `meshgov ingest-server` over a registered mesh, and tokens to push with.

The server is the real command in a subprocess (as users run it), on a free port, over a
SQLite store in tmp_path by default; `start_server` takes a store URL and the server's
options for the tests that need PostgreSQL, small limits or a kill.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from governance.service import MeshgovService
from tests.ingest.workspace import ADMIN, workspace_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class IngestServer:
    """A served workspace: its URL, the service on the same store, and its process."""

    url: str
    workspace: Path
    service: MeshgovService
    process: subprocess.Popen[bytes]
    options: list[str] = field(default_factory=list)
    log: Path | None = None

    def token(
        self, *, domain: str | None = None, product: str | None = None, name: str = "test"
    ) -> str:
        """A new token's secret, created by the mesh's admin."""
        principal = self.service.board.principal(ADMIN, [])
        _, secret = self.service.tokens.create(principal, name=name, domain=domain, product=product)
        return secret

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM: a graceful stop."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        """Start the server again on the same port and store."""
        self.stop()
        self.process = _launch(self.workspace, self.url.rsplit(":", 1)[1], self.options, self.log)
        wait_ready(self.url, self.process, self.log)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""


def _launch(root: Path, port: str, options: list[str], log: Path | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "governance.cli", "ingest-server", "--port", port]
    env = {**os.environ, "MESHGOV_WORKSPACE": str(root)}
    env.pop("MESHGOV_DB_URL", None)
    sink = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [*command, *options], cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT
    )


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path | None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            shown = log.read_text(errors="replace") if log else ""
            raise AssertionError(f"ingest-server exited with {process.returncode}:\n{shown}")
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"ingest-server did not get ready at {url}")


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:
    """Start servers: `start_server(store_url=None, options=[...])` -> IngestServer."""
    started: list[IngestServer] = []

    def start(store_url: str | None = None, options: list[str] | None = None) -> IngestServer:
        root = tmp_path / f"workspace{len(started)}"
        root.mkdir()
        url = store_url or f"sqlite:///{root / 'meshgov.db'}"
        service = workspace_for(root, url)
        port = str(free_port())
        log = root / "server.log"
        process = _launch(root, port, options or [], log)
        server = IngestServer(
            f"http://127.0.0.1:{port}", root, service, process, options or [], log
        )
        started.append(server)
        wait_ready(server.url, process, log)
        return server

    yield start
    for server in started:
        server.stop()
        server.service.store.dispose()


@pytest.fixture
def ingest_server(start_server) -> IngestServer:
    """A server over SQLite with the fixture mesh: orders (sales), revenue (finance)."""
    return start_server()
