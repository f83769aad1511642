"""The demo fed through the ingest server: its evidence pushed over HTTP, as teams' tools would.

A real `ingest-server` app runs on a free local port for the length of the feed. Each
domain gets a token, and each product one for its GX results: GX validation results go to
`/api/v1/results/great_expectations`, every OpenLineage event to `/api/v1/lineage` and every
OTLP export request to `/v1/logs`, each with the token of the domain whose product it is
about. What no client pushes (audit logs, OpenSLO, SLI events) is collected from files.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from governance.clients.http import IngestClient
from governance.demo.board_story import PLATFORM_ADMIN
from governance.demo.workspace import workspace_settings
from governance.ingest.app import Limits, build_app
from governance.service import MeshgovService

PUSHED = {"great_expectations", "openlineage", "otlp_logs"}
SENDERS = 8  # concurrent requests, as several pipelines would send


@contextmanager
def running_server(service: MeshgovService) -> Iterator[str]:
    """An ingest server over `service` on a free local port; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        build_app(service, Limits(rate_limit=0), workers=0),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="meshgov-demo-ingest", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the demo's ingest server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def push_demo(service: MeshgovService, root: Path) -> Counter[str]:
    """Push the demo's GX, OpenLineage and OTLP evidence; collect the rest from files.

    Returns how many requests went to each endpoint.
    """
    admin = service.board.principal(PLATFORM_ADMIN.username, [])
    directory, domains = service.push.directory()
    tokens = {
        domain: service.tokens.create(admin, name=f"demo-{domain}", domain=domain)[1]
        for domain in sorted(set(domains.values()))
    }
    fallback = tokens[min(tokens)]  # evidence of no product: any domain may report it
    sent: Counter[str] = Counter()
    sources = workspace_settings()["sources"]
    with running_server(service) as url, ThreadPoolExecutor(SENDERS) as pool:
        jobs = []
        for source in sources:
            folder = root / source["path"]
            if source["type"] == "great_expectations":
                product = source["product"]
                token = service.tokens.create(admin, name=f"demo-{product}-gx", product=product)[1]
                for path in sorted(folder.rglob("*.json")):
                    jobs.append(
                        (url, token, "/api/v1/results/great_expectations", path.read_bytes())
                    )
            elif source["type"] == "openlineage":
                for line in _lines(folder):
                    domain = domains.get(_event_product(line, directory) or "")
                    jobs.append((url, tokens.get(domain or "", fallback), "/api/v1/lineage", line))
            elif source["type"] == "otlp_logs":
                for line in _lines(folder):
                    domain = domains.get(_logs_product(line) or "")
                    jobs.append((url, tokens.get(domain or "", fallback), "/v1/logs", line))
        for path in pool.map(_send, jobs):
            sent[path] += 1
    for source in sources:
        if source["type"] not in PUSHED:
            service.collection.collect(
                source["type"],
                [root / source["path"]],
                source.get("product"),
                options=source.get("options"),
            )
    return sent


def _lines(folder: Path) -> Iterator[bytes]:
    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            if line.strip():
                yield line


_CLIENTS = threading.local()


def _send(job: tuple[str, str, str, bytes]) -> str:
    """One request through meshgov's own client (keep-alive per sender thread and token)."""
    url, token, path, body = job
    clients: dict[str, IngestClient] = getattr(_CLIENTS, "by_token", None) or {}
    _CLIENTS.by_token = clients
    client = clients.get(token) or clients.setdefault(token, IngestClient(url, token))
    client.post(path, body, "application/json")
    return path


def _event_product(line: bytes, directory: Any) -> str | None:
    """The product an OpenLineage event writes (its first output the mesh knows)."""
    event = json.loads(line)
    for output in event.get("outputs") or []:
        name = output.get("name", "")
        product = directory.product_for(f"{output.get('namespace', '')}/{name}", name)
        if product:
            return product
    return None


def _logs_product(line: bytes) -> str | None:
    """The data_product resource attribute of an OTLP export request."""
    for resource_logs in json.loads(line).get("resourceLogs") or []:
        for attribute in (resource_logs.get("resource") or {}).get("attributes") or []:
            if attribute.get("key") == "data_product":
                return (attribute.get("value") or {}).get("stringValue")
    return None
