"""One HTTP exchange at the ASGI level: headers, a bounded body, an answer.

The busiest endpoints (OpenLineage events and OTLP logs, one request per event or batch)
are served with this rather than through Starlette's request and response objects, whose
routing, middleware and object building cost as much per request as the HTTP server itself
(benchmarks/README.md, "Push ingestion").
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from governance.ingest.bodies import declared_size, decoded, read_bounded

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ClientGone(Exception):
    """The client disconnected before its body arrived."""


class Exchange:
    """A request's headers and body, and its one answer."""

    def __init__(self, scope: Scope, receive: Receive, send: Send | None = None) -> None:
        self.path = scope["path"]
        self.headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        self._receive, self._send = receive, send

    def media_type(self) -> str:
        """The Content-Type without parameters, lower case ('' when none)."""
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    async def body(self, limit: int) -> bytes:
        """The body, unzipped, at most `limit` bytes before and after (BodyRefused above)."""
        declared_size(self.headers.get("content-length"), limit)
        raw = await read_bounded(self._chunks(), limit)
        return decoded(raw, self.headers.get("content-encoding"), limit)

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return

    async def answer(
        self, status: int, body: bytes, media: str, headers: dict[str, str] | None = None
    ) -> None:
        """Send the status, headers and body."""
        assert self._send is not None
        raw = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
        raw += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
        await self._send({"type": "http.response.start", "status": status, "headers": raw})
        await self._send({"type": "http.response.body", "body": body})

    async def answer_json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Answer with a JSON object."""
        await self.answer(status, as_json(payload), "application/json", headers)


def as_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
