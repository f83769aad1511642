"""Who may push: bearer tokens (verified through the service, cached briefly) and rate limits."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from governance.model.tokens import TokenScope

TOKEN_CACHE_SECONDS = 5.0  # a revoked token stops working within this long


class Unauthorised(Exception):
    """No bearer token, or one the store does not know (or has revoked)."""


def bearer(header: str | None) -> str:
    """The secret of an `Authorization: Bearer ...` header."""
    if not header:
        raise Unauthorised("send an Authorization: Bearer <token> header (meshgov token create)")
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorised("the Authorization header must be `Bearer <token>`")
    return secret.strip()


class TokenCache:
    """Scopes of secrets seen lately, so a busy client costs one store read every few seconds."""

    def __init__(self, verify: Callable[[str], TokenScope | None]) -> None:
        self._verify = verify
        self._seen: dict[str, tuple[float, TokenScope | None]] = {}

    def cached(self, secret: str) -> tuple[bool, TokenScope | None]:
        """(found, scope) without touching the store."""
        entry = self._seen.get(_digest(secret))
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def verify(self, secret: str) -> TokenScope | None:
        """Ask the store (blocking: call it off the event loop) and remember the answer."""
        scope = self._verify(secret)
        if len(self._seen) > 10_000:  # unknown secrets must not grow it without end
            self._seen.clear()
        self._seen[_digest(secret)] = (time.monotonic() + TOKEN_CACHE_SECONDS, scope)
        return scope


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per ingest token: `rate` requests per second, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, max(burst, 1)
        self._buckets: dict[str, _Bucket] = {}

    def wait(self, key: str) -> int:
        """0 when the request may go ahead, else the seconds to wait (Retry-After)."""
        if self.rate <= 0:
            return 0
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))
