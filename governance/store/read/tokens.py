"""Reads of ingest tokens: the server's lookup by hash, one token, the list.

Also the two registry reads creating a token needs: is the domain known, whose is a product.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from governance.model.tokens import TokenInfo, TokenScope
from governance.store.schema.tables import domains, products
from governance.store.schema.token_tables import ingest_tokens

_SCOPE = (
    ingest_tokens.c.token_id,
    ingest_tokens.c.name,
    ingest_tokens.c.domain,
    ingest_tokens.c.product_id,
)


def live_scope(connection: Connection, secret_sha256: str) -> TokenScope | None:
    """The scope of the live token with this secret hash; None if unknown or revoked.

    One lookup on the unique index: the ingest server makes it for each request it has
    not cached.
    """
    row = connection.execute(
        select(*_SCOPE).where(
            ingest_tokens.c.secret_sha256 == secret_sha256,
            ingest_tokens.c.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    return TokenScope(row.token_id, row.name, row.domain, row.product_id)


def token(connection: Connection, token_id: str) -> TokenInfo | None:
    """One token by its id, revoked or not; None when there is none."""
    row = connection.execute(
        select(ingest_tokens).where(ingest_tokens.c.token_id == token_id)
    ).first()
    return _info(row) if row is not None else None


def tokens(connection: Connection, *, include_revoked: bool = False) -> list[TokenInfo]:
    """Tokens by domain, product, then creation (live ones only, unless `include_revoked`)."""
    query = select(ingest_tokens).order_by(
        ingest_tokens.c.domain,
        ingest_tokens.c.product_id.is_not(None),
        ingest_tokens.c.product_id,
        ingest_tokens.c.created_at,
        ingest_tokens.c.token_id,
    )
    if not include_revoked:
        query = query.where(ingest_tokens.c.revoked_at.is_(None))
    return [_info(row) for row in connection.execute(query)]


def token_id_taken(connection: Connection, token_id: str) -> bool:
    """Whether some token (revoked ones too) already has this id."""
    found = connection.scalar(
        select(ingest_tokens.c.token_id).where(ingest_tokens.c.token_id == token_id)
    )
    return found is not None


def domain_registered(connection: Connection, domain: str) -> bool:
    """Whether the registry knows this domain (it does once one of its products registered)."""
    return connection.scalar(select(domains.c.id).where(domains.c.id == domain)) is not None


def domain_ids(connection: Connection) -> list[str]:
    """The ids of every registered domain, sorted (to name the choices in a refusal)."""
    return list(connection.scalars(select(domains.c.id).order_by(domains.c.id)))


def product_domain(connection: Connection, product_id: str) -> str | None:
    """The domain a registered product belongs to; None when it is not registered."""
    return connection.scalar(select(products.c.domain_id).where(products.c.id == product_id))


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        token_id=row.token_id,
        name=row.name,
        domain=row.domain,
        product=row.product_id,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )
