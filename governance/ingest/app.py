"""The ingest server's routes: authenticate, bound, parse, write (grouped), answer.

Every refusal is JSON `{"error": ...}` naming the problem (OTLP clients get a google.rpc.Status
in their own encoding instead). What is accepted is answered only after it is committed.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from governance.errors import MeshgovError, OutOfScope, StoreNotInitialised
from governance.ingest import (
    DEFAULT_BURST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_RATE_LIMIT,
    HEALTH_PATH,
    READY_PATH,
    otlp,
)
from governance.ingest.bodies import BodyRefused, declared_size, decoded, read_bounded
from governance.ingest.guard import RateLimiter, TokenCache, Unauthorised, bearer
from governance.ingest.results import RESULT_TOOLS, result_parts
from governance.ingest.writer import GroupWriter
from governance.model.tokens import TokenScope
from governance.service import MeshgovService
from governance.service.push import Delivery

log = logging.getLogger("meshgov.ingest")
# Bodies above this are parsed on a worker thread, so the loop goes on answering small ones.
LARGE_BODY_BYTES = 256 * 1024


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


def build_app(service: MeshgovService, limits: Limits = Limits()) -> Starlette:
    """The ASGI app over one service; its writer thread lives as long as the app serves."""
    tokens = TokenCache(service.tokens.verify)
    rates = RateLimiter(limits.rate_limit, limits.burst)
    state: dict[str, GroupWriter] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["writer"] = GroupWriter(service.push.write)
        # What exists at start-up is never garbage: keep it out of the collector's walks, and
        # collect the young generation less often (parsed records hold no cycles).
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(50_000, 50, 100)
        try:
            yield
        finally:
            state.pop("writer").close()
            gc.set_threshold(*thresholds)
            gc.unfreeze()

    async def authorised(request: Request) -> TokenScope:
        try:
            secret = bearer(request.headers.get("authorization"))
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

    async def body(request: Request) -> bytes:
        declared_size(request.headers.get("content-length"), limits.max_body_bytes)
        raw = await read_bounded(request.stream(), limits.max_body_bytes)
        return decoded(raw, request.headers.get("content-encoding"), limits.max_body_bytes)

    async def accept(
        collector: str,
        content: bytes,
        scope: TokenScope,
        shown: str,
        options: dict[str, Any] | None = None,
    ) -> tuple[Delivery, Any]:
        """Parse, check the scope, write; the delivery and its committed outcome."""
        writer = state["writer"]
        parse = service.push.parse
        try:
            if len(content) > LARGE_BODY_BYTES:  # seconds of parsing: keep serving meanwhile
                delivery = await run_in_threadpool(parse, collector, content, scope, shown, options)
            else:
                delivery = parse(collector, content, scope, shown, options)
        except OutOfScope as exc:
            log.warning("refused %s: %s", shown, exc)
            await writer.submit(service.push.refusal(collector, scope, shown, str(exc)))
            raise Refusal(403, str(exc)) from None
        return delivery, await writer.submit(delivery)

    async def lineage(request: Request) -> Response:
        scope = await authorised(request)
        content = await body(request)
        shown = f"POST /api/v1/lineage ({scope.token_id})"
        delivery, outcome = await accept("openlineage", content, scope, shown)
        return _summary(outcome)

    async def logs(request: Request) -> Response:
        media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        protobuf = media == "application/x-protobuf"
        if not protobuf and media != "application/json":
            message = (
                f"Content-Type {media or 'none'!r}: send application/x-protobuf or application/json"
            )
            return _otlp_error(message, 415, protobuf)
        try:
            scope = await authorised(request)
            content = await body(request)
            if protobuf and len(content) > LARGE_BODY_BYTES:
                content = await run_in_threadpool(otlp.protobuf_to_json, content)
            elif protobuf:
                content = otlp.protobuf_to_json(content)
            shown = f"POST /v1/logs ({scope.token_id})"
            delivery, outcome = await accept("otlp_logs", content, scope, shown)
        except otlp.OtlpDecodeError as exc:
            return _otlp_error(str(exc), 400, protobuf)
        except (Refusal, BodyRefused) as exc:
            response = _otlp_error(str(exc), exc.status, protobuf)
            response.headers.update(getattr(exc, "headers", {}))
            return response
        except Exception as exc:
            log.exception("could not write pushed logs")
            return _otlp_error(f"the store could not take it: {type(exc).__name__}", 503, protobuf)
        if outcome.status == "refused":
            return _otlp_error(outcome.reason or "no log record could be read", 400, protobuf)
        rejected = delivery.problems
        payload, media = otlp.logs_response(
            rejected, outcome.reason if rejected else None, protobuf=protobuf
        )
        return Response(payload, 200, media_type=media)

    async def results(request: Request) -> Response:
        tool = request.path_params["tool"]
        collector = RESULT_TOOLS.get(tool)
        if collector is None:
            known = ", ".join(sorted(RESULT_TOOLS))
            raise Refusal(404, f"no results endpoint for {tool!r}; tools: {known}")
        scope = await authorised(request)
        content = await body(request)
        artifact, options = await result_parts(request, content, limits.max_body_bytes)
        shown = f"POST /api/v1/results/{tool} ({scope.token_id})"
        delivery, outcome = await accept(collector, artifact, scope, shown, options)
        return _summary(outcome)

    async def health(_request: Request) -> Response:
        return _json(200, {"status": "ok"})

    async def ready(_request: Request) -> Response:
        try:
            await run_in_threadpool(service.store.check_ready)
        except StoreNotInitialised as exc:
            return _json(503, {"status": "not ready", "error": str(exc)})
        except Exception as exc:  # unreachable: the driver's own error, said plainly
            return _json(503, {"status": "not ready", "error": f"{type(exc).__name__}: {exc}"})
        return _json(200, {"status": "ready"})

    routes = [
        Route("/api/v1/lineage", _guarded(lineage), methods=["POST"]),
        Route("/v1/logs", logs, methods=["POST"]),
        Route("/api/v1/results/{tool}", _guarded(results), methods=["POST"]),
        Route(HEALTH_PATH, health, methods=["GET"]),
        Route(READY_PATH, ready, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _guarded(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """Turn refusals into JSON answers; a store that cannot be reached into a 503."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except Refusal as exc:
            return _json(exc.status, {"error": exc.message}, exc.headers)
        except BodyRefused as exc:
            return _json(exc.status, {"error": str(exc)})
        except MeshgovError as exc:
            return _json(400, {"error": str(exc)})
        except Exception as exc:
            log.exception("could not write pushed evidence")
            return _json(503, {"error": f"the store could not take it: {type(exc).__name__}"})

    return guarded


def _summary(outcome: Any) -> Response:
    """201 with what was read and new, or 400 with the collector's reason."""
    if outcome.status == "refused":
        payload = {"error": outcome.reason, "position": outcome.position}
        return _json(400, payload)
    payload = {
        "status": outcome.status,
        "records_read": outcome.records_read,
        "records_new": outcome.records_new,
        "problems": [outcome.reason] if outcome.reason else [],
        "warnings": list(outcome.warnings),
    }
    return _json(201, payload)


def _json(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(body, status, headers=headers, media_type="application/json")


def _otlp_error(message: str, status: int, protobuf: bool) -> Response:
    payload, media = otlp.error_status(message, status, protobuf=protobuf)
    return Response(payload, status, media_type=media)
