"""Ingest tokens: the scope a verified bearer token grants, and a token as it is listed.

A domain token lets its holder write one domain's evidence; a product token one product's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TokenScope:
    """A verified bearer token: who it was issued to and what it may write.

    A domain token writes evidence of any product of `domain`; a product token only of
    `product` (which belongs to `domain`). The secret itself is never kept, only its hash.
    """

    token_id: str  # public id, e.g. "tok-3f9a1c2b"; shown in logs and `meshgov token list`
    name: str  # what its creator called it, e.g. "airflow-sales"
    domain: str
    product: str | None = None  # None: any product of the domain

    def describe(self) -> str:
        """E.g. "token tok-3f9a1c2b (airflow-sales, domain sales)"."""
        what = f"product {self.product}" if self.product else f"domain {self.domain}"
        return f"token {self.token_id} ({self.name}, {what})"


@dataclass(frozen=True)
class TokenInfo:
    """An ingest token as `meshgov token list` shows it: never its secret, nor its hash."""

    token_id: str
    name: str
    domain: str
    product: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def revoked(self) -> bool:
        """Whether the token was revoked (the server then refuses it)."""
        return self.revoked_at is not None

    @property
    def scope(self) -> TokenScope:
        """What the token lets its holder write."""
        return TokenScope(self.token_id, self.name, self.domain, self.product)

    def as_dict(self) -> dict[str, Any]:
        """The token as plain data (for JSON output)."""
        return {
            "token_id": self.token_id,
            "name": self.name,
            "domain": self.domain,
            "product": self.product,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by": self.revoked_by,
        }
