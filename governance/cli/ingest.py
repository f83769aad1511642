"""`meshgov ingest-server`: the backend OpenLineage, OTLP, GX, dbt and Soda clients push to."""

from __future__ import annotations

from typing import Annotated

import typer

from governance.cli.common import WorkspaceOption, open_service
from governance.ingest import (
    DEFAULT_BURST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_PORT,
    DEFAULT_RATE_LIMIT,
    DEFAULT_WORKERS,
)

commands = typer.Typer()


@commands.command("ingest-server")
def ingest_server(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    max_body_bytes: Annotated[
        int,
        typer.Option(
            "--max-body-bytes",
            min=1,
            help="Largest request body, before and after gzip (413 above it).",
        ),
    ] = DEFAULT_MAX_BODY_BYTES,
    rate_limit: Annotated[
        float,
        typer.Option(
            "--rate-limit", min=0, help="Requests per second per token (429 above it); 0: none."
        ),
    ] = DEFAULT_RATE_LIMIT,
    burst: Annotated[
        int, typer.Option(min=1, help="Requests a token may send at once before the rate applies.")
    ] = DEFAULT_BURST,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Worker processes that parse and write beside the server process (they "
            "write in turn on SQLite); 0: parse and write on a thread of the server process.",
        ),
    ] = DEFAULT_WORKERS,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn's log level.")] = "info",
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log every request (costly under load).")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Serve push ingestion: POST /api/v1/lineage, /v1/logs, /api/v1/results/{gx,dbt,soda}.

    Clients authenticate with a bearer token (`meshgov token create`). Every request is
    answered after its evidence is committed. The event loop speaks HTTP; worker processes
    parse and write (--workers). Stop it with Ctrl-C or SIGTERM.
    """
    # Imported here: the server's stack (uvicorn, starlette) is not needed by other commands.
    from governance.ingest.app import Limits
    from governance.ingest.server import serve

    service = open_service(workspace)
    limits = Limits(max_body_bytes=max_body_bytes, rate_limit=rate_limit, burst=burst)
    serve(
        service,
        host=host,
        port=port,
        limits=limits,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
    )
