"""Ingest tokens: the bearer tokens of push ingestion, kept as the SHA-256 of their secret.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from governance.store.schema.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_tokens",
        sa.Column("token_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_ingest_tokens")),
    )
    with op.batch_alter_table("ingest_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_tokens_secret_sha256", ["secret_sha256"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("ingest_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_tokens_secret_sha256")
    op.drop_table("ingest_tokens")
