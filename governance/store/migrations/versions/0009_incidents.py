"""Incidents: a failing enforced check or a breached SLO, per product and cause.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 03:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from governance.store.schema.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_key", sa.String(length=700), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("domain_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=450), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=300), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=300), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_product_id", ["product_id"], unique=False)
        batch_op.create_index("ix_incidents_domain_state", ["domain_id", "state"], unique=False)
        batch_op.create_index(
            "uq_incidents_open_key",
            ["incident_key"],
            unique=True,
            sqlite_where=sa.text("state != 'resolved'"),
            postgresql_where=sa.text("state != 'resolved'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("uq_incidents_open_key")
        batch_op.drop_index("ix_incidents_domain_state")
        batch_op.drop_index("ix_incidents_product_id")
    op.drop_table("incidents")
