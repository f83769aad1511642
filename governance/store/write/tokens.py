"""Writes of ingest tokens: a new token (its hash only) and its revocation.

Each function runs in the caller's transaction; who may create or revoke a token, and what
the governance log says about it, is the service's (governance/service/tokens.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, update

from governance.store.schema.token_tables import ingest_tokens


def insert_token(
    connection: Connection,
    *,
    token_id: str,
    name: str,
    domain: str,
    product: str | None,
    secret_sha256: str,
    created_at: datetime,
    created_by: str,
) -> None:
    """Keep a new token: its scope, who made it, and the SHA-256 of its secret."""
    connection.execute(
        insert(ingest_tokens),
        {
            "token_id": token_id,
            "name": name,
            "domain": domain,
            "product_id": product,
            "secret_sha256": secret_sha256,
            "created_at": created_at,
            "created_by": created_by,
        },
    )


def revoke_token(connection: Connection, token_id: str, *, at: datetime, by: str) -> bool:
    """Mark a live token revoked; False when it is unknown or was revoked already."""
    done = connection.execute(
        update(ingest_tokens)
        .where(ingest_tokens.c.token_id == token_id, ingest_tokens.c.revoked_at.is_(None))
        .values(revoked_at=at, revoked_by=by)
    )
    return done.rowcount == 1
