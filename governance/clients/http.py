"""Posting artifacts to a meshgov ingest server: `POST {url}/api/v1/results/{tool}`.

`IngestClient` sends one artifact as `application/json`, or several parts (the artifact as
`file`, a dbt `manifest`) as `multipart/form-data`, with `Authorization: Bearer <token>`. The
body is gzipped (`Content-Encoding: gzip`) when asked, or by default when it is large. A busy
or restarting server (429, 502, 503, 504) and a connection that fails are tried again with a
growing wait, or the wait the server asks for in `Retry-After`: the server's idempotency makes
a resend harmless (the natural keys of records make a second copy add nothing).

Anything else is an `UploadError` that names the HTTP status and the server's own `error`
sentence, so a person can act on it.
"""

from __future__ import annotations

import gzip as gzip_codec
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import requests
from urllib3 import encode_multipart_formdata

from governance.errors import MeshgovError

# The tools the endpoint takes; `gx` is the server's alias of great_expectations.
TOOLS = ("great_expectations", "gx", "dbt", "soda")
# Statuses that say "later", not "no": the same request may succeed when tried again.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Statuses that refuse this body (unreadable, outside the token's scope, too large): another
# file may still be accepted, unlike a refused token or an unreachable server.
BODY_REFUSALS = frozenset({400, 403, 413, 415, 422})
# Artifacts compress ~10x; below this size gzip saves less than it costs.
GZIP_ABOVE = 64 * 1024
MAX_ERROR_CHARS = 500


class UploadError(MeshgovError, RuntimeError):
    """The server refused the upload or could not be reached; str() says which and why.

    `status` is the HTTP status (None when no answer came), `error` the server's `error`
    sentence, `answer` the server's whole JSON answer when it sent one.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        error: str | None = None,
        answer: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.answer = answer or {}

    @property
    def body_refused(self) -> bool:
        """True when the server refused this body; another body may still be accepted."""
        return self.status in BODY_REFUSALS


@dataclass(frozen=True)
class Part:
    """One part of a multipart upload: `file` (the artifact) or `manifest` (dbt)."""

    name: str
    content: bytes
    filename: str
    content_type: str = "application/json"


@dataclass(frozen=True)
class IngestAnswer:
    """What the server said about an accepted upload (its 201 JSON answer)."""

    http_status: int
    summary: dict[str, Any]

    @property
    def status(self) -> str:
        """ "ok", or "partial" when some records were refused."""
        return str(self.summary.get("status", "ok"))

    @property
    def records_read(self) -> int:
        """Records the server read from the body."""
        return int(self.summary.get("records_read") or 0)

    @property
    def records_new(self) -> int:
        """Records the store did not hold before (0 for a resend)."""
        return int(self.summary.get("records_new") or 0)

    @property
    def problems(self) -> list[Any]:
        """What the server could not read, each with its reason (and position)."""
        return list(self.summary.get("problems") or [])

    @property
    def warnings(self) -> list[Any]:
        """What the server read but did not store, or guessed."""
        return list(self.summary.get("warnings") or [])


class IngestClient:
    """A client of one ingest server, holding its URL, token and retry settings."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        attempts: int = 5,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        gzip_above: int = GZIP_ABOVE,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not url or not url.startswith(("http://", "https://")):
            raise UploadError(f"the server URL must start with http:// or https://, got {url!r}")
        if not token:
            raise UploadError("no token: pass one (or set MESHGOV_TOKEN); `meshgov token create`")
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_wait = max_wait
        self.gzip_above = gzip_above
        self._sleep = sleep or time.sleep
        self._session = requests.Session()

    def __enter__(self) -> IngestClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections kept open between requests."""
        self._session.close()

    def send_document(
        self, tool: str, document: bytes, *, gzip: bool | None = None
    ) -> IngestAnswer:
        """Post one artifact as `application/json` to the results endpoint of `tool`."""
        return self.post(results_path(tool), document, "application/json", gzip=gzip)

    def send_parts(
        self, tool: str, parts: Sequence[Part], *, gzip: bool | None = None
    ) -> IngestAnswer:
        """Post `parts` (`file`, and for dbt `manifest`) as `multipart/form-data`."""
        fields = {part.name: (part.filename, part.content, part.content_type) for part in parts}
        body, content_type = encode_multipart_formdata(fields)
        return self.post(results_path(tool), body, content_type, gzip=gzip)

    def post(
        self, path: str, body: bytes, content_type: str, *, gzip: bool | None = None
    ) -> IngestAnswer:
        """POST `body` to `path` of the server; gzip None means "when the body is large"."""
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": content_type,
            "Accept": "application/json",
        }
        if gzip or (gzip is None and len(body) > self.gzip_above):
            body = gzip_codec.compress(body, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        target = f"{self.url}{path}"
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                response = self._session.post(
                    target, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise UploadError(
                        f"cannot reach the meshgov server at {self.url} after {attempt} "
                        f"attempt(s): {_connection_failure(exc)}"
                    ) from exc
                self._sleep(self._backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._sleep(self._wait(response, attempt))
                continue
            return _answer(response, target)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff * 2 ** (attempt - 1), self.max_wait)

    def _wait(self, response: requests.Response, attempt: int) -> float:
        """The server's Retry-After when it sends one (capped), else the backoff."""
        asked = retry_after(response.headers.get("Retry-After"))
        return min(asked, self.max_wait) if asked is not None else self._backoff(attempt)


def results_path(tool: str) -> str:
    """The endpoint's path for `tool`, refusing a tool the server does not take."""
    if tool not in TOOLS:
        raise UploadError(f"unknown tool {tool!r}: expected one of {', '.join(TOOLS)}")
    return f"/api/v1/results/{tool}"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _answer(response: requests.Response, target: str) -> IngestAnswer:
    """The server's answer, or an UploadError naming the status and the server's reason."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    summary = answer if isinstance(answer, dict) else {}
    if 200 <= response.status_code < 300:
        if not isinstance(answer, dict):
            raise UploadError(
                f"POST {target}: the server answered {response.status_code} but not with a "
                f"JSON object: {_short(response.text)!r}",
                status=response.status_code,
            )
        return IngestAnswer(response.status_code, summary)
    error = summary.get("error") if isinstance(summary.get("error"), str) else None
    reason = error or _short(response.text) or response.reason or "no reason given"
    if isinstance(summary.get("position"), str) and summary["position"]:
        reason += f" (at {summary['position']})"
    message = f"POST {target}: {response.status_code} {response.reason}: {reason}"
    if response.status_code == 401:
        message += " (check the token: --token or MESHGOV_TOKEN; a revoked token is refused)"
    elif 300 <= response.status_code < 400:
        message += f" (redirected to {response.headers.get('Location')}: check the URL)"
    elif response.status_code in RETRY_STATUSES:
        message += " (tried again; the server is still busy or down)"
    raise UploadError(message, status=response.status_code, error=error, answer=summary)


def _connection_failure(exc: requests.RequestException) -> str:
    """The innermost reason, e.g. "[Errno 111] Connection refused", not requests' whole chain."""
    inner: Any = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", inner)  # urllib3's MaxRetryError wraps the real one
    text = str(inner)
    # urllib3 prefixes "HTTPConnection(host=..., port=...): " which repeats the URL we show.
    return _short(text.split("): ", 1)[-1] if "): " in text else text)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."
