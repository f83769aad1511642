"""Running the ingest server: uvicorn, one event loop, and its intake (worker processes)."""

from __future__ import annotations

import logging

import uvicorn

from governance.ingest import DEFAULT_WORKERS
from governance.ingest.app import Limits, build_app
from governance.service import MeshgovService


def serve(
    service: MeshgovService,
    *,
    host: str,
    port: int,
    limits: Limits,
    workers: int = DEFAULT_WORKERS,
    log_level: str = "info",
    access_log: bool = False,
) -> None:
    """Serve until SIGINT or SIGTERM; in-flight requests finish and queued writes land first."""
    logging.getLogger("meshgov.ingest").setLevel(log_level.upper())
    config = uvicorn.Config(
        build_app(service, limits, workers=workers, log_level=log_level),
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,  # one line per event would cost more than the event
        server_header=False,
        timeout_graceful_shutdown=30,
    )
    uvicorn.Server(config).run()
