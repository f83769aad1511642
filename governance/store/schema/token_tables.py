"""Tables of push ingestion: the bearer tokens clients send evidence with.

Only a token's SHA-256 is kept, never the secret: a copy of the store lets nobody push.
The unique index on the hash is what the ingest server's one lookup per request uses.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from governance.store.schema.tables import metadata
from governance.store.schema.types import UTCDateTime

ingest_tokens = Table(
    "ingest_tokens",
    metadata,
    Column("token_id", String(20), primary_key=True),  # "tok-" + 8 hex characters
    Column("name", String(100), nullable=False),
    Column("domain", String(200), nullable=False),
    Column("product_id", String(200)),  # None: a domain token, good for any of its products
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(300), nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", String(300)),
    Index("ix_ingest_tokens_secret_sha256", "secret_sha256", unique=True),
)
