"""Collector warnings: what a collector read but could not use, kept with the file's outcome.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 13:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collector_files") as batch:
        batch.add_column(sa.Column("warnings", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("collector_files") as batch:
        batch.drop_column("warnings")
