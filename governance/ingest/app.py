"""The ingest server's routes: authenticate, bound, hand to the intake, answer.

Every refusal is JSON `{"error": ...}` naming the problem (OTLP clients get a google.rpc.Status
in their own encoding instead). What is accepted is answered only after it is committed.
The two busiest routes (OpenLineage events, OTLP logs) are served at the ASGI level
(exchange.py); the results uploads, the probes and every other path go through Starlette.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from governance.errors import MeshgovError, StoreNotInitialised
from governance.ingest import (
    DEFAULT_BURST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_RATE_LIMIT,
    DEFAULT_WORKERS,
    HEALTH_PATH,
    READY_PATH,
    otlp,
)
from governance.ingest.bodies import BodyRefused
from governance.ingest.exchange import ClientGone, Exchange, Receive, Scope, Send, as_json
from governance.ingest.guard import RateLimiter, TokenCache, Unauthorised, bearer
from governance.ingest.intake import Answer, Intake, Job, ThreadIntake
from governance.ingest.results import RESULT_TOOLS, result_parts
from governance.ingest.worker import ProcessIntake
from governance.model.tokens import TokenScope
from governance.service import MeshgovService

log = logging.getLogger("meshgov.ingest")

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    """How much one request may send, and how often one token may send."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    rate_limit: float = DEFAULT_RATE_LIMIT
    burst: int = DEFAULT_BURST


class Refusal(Exception):
    """An answer other than success: status, sentence, and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class IngestApp:
    """The ASGI app: POSTs to the busy routes go straight to their handlers, the rest to
    Starlette (which also serves the lifespan, and 405 for other methods on those routes).
    """

    def __init__(self, starlette: Starlette, direct: dict[str, Handler]) -> None:
        self.starlette, self._direct = starlette, direct

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            handler = self._direct.get(scope["path"])
            if handler is not None:
                await handler(scope, receive, send)
                return
        await self.starlette(scope, receive, send)


class _Endpoint:
    """An ASGI handler as a Starlette route endpoint (a plain function would get a Request)."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._handler(scope, receive, send)


def build_app(
    service: MeshgovService,
    limits: Limits = Limits(),
    *,
    workers: int = DEFAULT_WORKERS,
    log_level: str = "info",
) -> IngestApp:
    """The ASGI app over one service; its intake lives as long as the app serves.

    Parsing and writing run in `workers` worker processes (worker.py); 0 keeps them on a
    thread of this process (one core in all: the demo, small meshes, debugging).
    """
    tokens = TokenCache(service.tokens.verify)
    rates = RateLimiter(limits.rate_limit, limits.burst)
    root, db_url = service.workspace.root, service.workspace.db_url
    intake: Intake = (
        ProcessIntake(root, db_url, workers, log_level) if workers else ThreadIntake(service.push)
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await intake.start()
        # What exists at start-up is never garbage: keep it out of the collector's walks, and
        # collect the young generation less often (requests hold no cycles).
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(50_000, 50, 100)
        try:
            yield
        finally:
            await intake.close()
            gc.set_threshold(*thresholds)
            gc.unfreeze()

    async def authorised(header: str | None) -> TokenScope:
        try:
            secret = bearer(header)
        except Unauthorised as exc:
            raise Refusal(401, str(exc), {"WWW-Authenticate": "Bearer"}) from None
        found, scope = tokens.cached(secret)
        if not found:
            scope = await run_in_threadpool(tokens.verify, secret)
        if scope is None:
            raise Refusal(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
        wait = rates.wait(scope.token_id)
        if wait:
            raise Refusal(
                429,
                f"{scope.describe()} is over its rate limit of {limits.rate_limit:g} requests/s",
                {"Retry-After": str(wait)},
            )
        return scope

    async def lineage(scope: Scope, receive: Receive, send: Send) -> None:
        exchange = Exchange(scope, receive, send)
        try:
            token = await authorised(exchange.headers.get("authorization"))
            content = await exchange.body(limits.max_body_bytes)
            shown = f"POST /api/v1/lineage ({token.token_id})"
            status, payload, headers = _summary(
                await intake.submit(Job("openlineage", content, token, shown))
            )
        except ClientGone:
            return
        except Exception as exc:  # every failure is answered, see _refused
            status, payload, headers = _refused(exc)
        await exchange.answer_json(status, payload, headers)

    async def logs(scope: Scope, receive: Receive, send: Send) -> None:
        exchange = Exchange(scope, receive, send)
        media = exchange.media_type()
        protobuf = media == otlp.PROTOBUF
        if not protobuf and media != otlp.JSON:
            message = (
                f"Content-Type {media or 'none'!r}: send application/x-protobuf or application/json"
            )
            await _otlp_error(exchange, 415, message, protobuf)
            return
        try:
            token = await authorised(exchange.headers.get("authorization"))
            content = await exchange.body(limits.max_body_bytes)
            shown = f"POST /v1/logs ({token.token_id})"
            answer = await intake.submit(Job("otlp_logs", content, token, shown, None, protobuf))
        except ClientGone:
            return
        except Exception as exc:  # every failure is answered, see _refused
            status, payload, headers = _refused(exc)
            await _otlp_error(exchange, status, payload["error"], protobuf, headers)
            return
        outcome = answer.outcome
        if answer.status or outcome is None:
            await _otlp_error(exchange, answer.status or 503, answer.message, protobuf)
        elif outcome.status == "refused":
            reason = outcome.reason or "no log record could be read"
            await _otlp_error(exchange, 400, reason, protobuf)
        else:
            rejected = answer.problems
            body, media = otlp.logs_response(
                rejected, outcome.reason if rejected else None, protobuf=protobuf
            )
            await exchange.answer(200, body, media)

    async def results(request: Request) -> Response:
        tool = request.path_params["tool"]
        collector = RESULT_TOOLS.get(tool)
        try:
            if collector is None:
                known = ", ".join(sorted(RESULT_TOOLS))
                raise Refusal(404, f"no results endpoint for {tool!r}; tools: {known}")
            token = await authorised(request.headers.get("authorization"))
            content = await Exchange(request.scope, request.receive).body(limits.max_body_bytes)
            artifact, options = await result_parts(request, content, limits.max_body_bytes)
            shown = f"POST /api/v1/results/{tool} ({token.token_id})"
            status, payload, headers = _summary(
                await intake.submit(Job(collector, artifact, token, shown, options))
            )
        except Exception as exc:  # every failure is answered, see _refused
            status, payload, headers = _refused(exc)
        return _json(status, payload, headers)

    async def health(_request: Request) -> Response:
        return _json(200, {"status": "ok"})

    async def ready(_request: Request) -> Response:
        problem = intake.ready()
        if problem is not None:
            return _json(503, {"status": "not ready", "error": problem})
        try:
            await run_in_threadpool(service.store.check_ready)
        except StoreNotInitialised as exc:
            return _json(503, {"status": "not ready", "error": str(exc)})
        except Exception as exc:  # unreachable: the driver's own error, said plainly
            return _json(503, {"status": "not ready", "error": f"{type(exc).__name__}: {exc}"})
        return _json(200, {"status": "ready"})

    routes = [
        Route("/api/v1/lineage", _Endpoint(lineage), methods=["POST"]),
        Route("/v1/logs", _Endpoint(logs), methods=["POST"]),
        Route("/api/v1/results/{tool}", results, methods=["POST"]),
        Route(HEALTH_PATH, health, methods=["GET"]),
        Route(READY_PATH, ready, methods=["GET"]),
    ]
    direct = {"/api/v1/lineage": lineage, "/v1/logs": logs}
    return IngestApp(Starlette(routes=routes, lifespan=lifespan), direct)


def _refused(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A failure as an answer: refusals as they are, a store that is down as a 503."""
    if isinstance(exc, Refusal):
        return exc.status, {"error": exc.message}, exc.headers
    if isinstance(exc, BodyRefused):
        return exc.status, {"error": str(exc)}, {}
    if isinstance(exc, MeshgovError):
        return 400, {"error": str(exc)}, {}
    log.error("could not take pushed evidence", exc_info=exc)
    return 503, {"error": f"the store could not take it: {type(exc).__name__}"}, {}


def _summary(answer: Answer) -> tuple[int, dict[str, Any], dict[str, str]]:
    """201 with what was read and new; 400 with the collector's reason; 403 or 503."""
    outcome = answer.outcome
    if answer.status or outcome is None:
        return answer.status or 503, {"error": answer.message}, {}
    if outcome.status == "refused":
        return 400, {"error": outcome.reason, "position": outcome.position}, {}
    payload = {
        "status": outcome.status,
        "records_read": outcome.records_read,
        "records_new": outcome.records_new,
        "problems": [outcome.reason] if outcome.reason else [],
        "warnings": list(outcome.warnings),
    }
    return 201, payload, {}


def _json(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(as_json(payload), status, headers=headers, media_type="application/json")


async def _otlp_error(
    exchange: Exchange,
    status: int,
    message: str,
    protobuf: bool,
    headers: dict[str, str] | None = None,
) -> None:
    body, media = otlp.error_status(message, status, protobuf=protobuf)
    await exchange.answer(status, body, media, headers)
