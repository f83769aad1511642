"""Fetching a product's observability endpoint: timeout, retries with backoff, conditional
requests (ETag / If-Modified-Since) so unchanged evidence is not re-read, and a size limit."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from governance.errors import FetchError, MeshgovError

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """A response: the body (None when the server said 304 Not Modified) and its validators."""

    content: bytes | None
    etag: str | None
    last_modified: str | None
    attempts: int


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    options: dict[str, Any] | None = None,
) -> Fetched:
    """GET `url`, retrying server errors and timeouts with exponential backoff."""
    options = options or {}
    timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    retries = int(options.get("retries", DEFAULT_RETRIES))
    backoff = float(options.get("backoff", DEFAULT_BACKOFF))
    max_bytes = int(options.get("max_bytes", DEFAULT_MAX_BYTES))
    headers = {"User-Agent": "meshgov", "Accept": "*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    last_error = "no attempt made"
    for attempt in range(1, retries + 2):
        try:
            return _attempt(url, headers, timeout, max_bytes, attempt)
        except _Retryable as exc:
            last_error = str(exc)
            if attempt <= retries:
                time.sleep(backoff * 2 ** (attempt - 1))
    raise FetchError(f"{url}: gave up after {retries + 1} attempts: {last_error}")


class _Retryable(MeshgovError):
    """A failure worth another try: a timeout, a dropped connection, a 5xx or a 429."""


def _attempt(
    url: str, headers: dict[str, str], timeout: float, max_bytes: int, attempt: int
) -> Fetched:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: {declared} bytes is over the {max_bytes}-byte limit")
            # Read one byte past the limit to tell "exactly at" from "over" without trusting
            # Content-Length, which a server may omit or get wrong.
            content = response.read(max_bytes + 1)
            if len(content) > max_bytes:
                raise FetchError(f"{url}: response is over the {max_bytes}-byte limit")
            return Fetched(
                content,
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                attempt,
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(
                None, headers.get("If-None-Match"), headers.get("If-Modified-Since"), attempt
            )
        if exc.code >= 500 or exc.code == 429:
            raise _Retryable(f"HTTP {exc.code} {exc.reason}") from exc
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except TimeoutError as exc:
        raise _Retryable(f"no answer within {timeout:g} s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _Retryable(f"no answer within {timeout:g} s") from exc
        raise _Retryable(f"cannot connect: {exc.reason}") from exc
    except (ConnectionError, http.client.HTTPException) as exc:
        raise _Retryable(f"connection failed: {type(exc).__name__}: {exc}") from exc
