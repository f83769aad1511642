"""Request bodies read within bounds: declared and streamed size, and gzip's expanded size."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from governance.errors import MeshgovError


class BodyRefused(MeshgovError, ValueError):
    """A body the server will not read, with the HTTP status that says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


def declared_size(header: str | None, limit: int) -> None:
    """Refuse a Content-Length over the limit before reading a byte of the body."""
    if header is None:
        return
    try:
        size = int(header)
    except ValueError:
        raise BodyRefused(f"Content-Length {header!r} is not a number", 400) from None
    if size > limit:
        raise BodyRefused(f"the body is {_mib(size)}, over the {_mib(limit)} limit", 413)


async def read_bounded(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The body's bytes, or a 413 as soon as more than `limit` arrive (chunked uploads)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyRefused(f"the body is over the {_mib(limit)} limit", 413)
        parts.append(chunk)
    return b"".join(parts)


def decoded(body: bytes, encoding: str | None, limit: int) -> bytes:
    """The body after its Content-Encoding (gzip, deflate or none), at most `limit` bytes."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise BodyRefused(
            f"Content-Encoding {encoding!r} is not supported; send gzip, deflate or none", 415
        )
    # wbits 47: zlib or gzip, detected from the header (clients label deflate loosely).
    inflater = zlib.decompressobj(47)
    try:
        content = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BodyRefused(f"the body is not valid {encoding}: {exc}", 400) from None
    if len(content) > limit or inflater.unconsumed_tail:
        raise BodyRefused(f"the body expands past the {_mib(limit)} limit when unzipped", 413)
    if not inflater.eof:
        raise BodyRefused(f"the body is not valid {encoding}: it ends too soon", 400)
    return content
