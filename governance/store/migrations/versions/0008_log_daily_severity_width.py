"""log_daily.severity widened to 20 characters: "UNSPECIFIED" (a log record with no
severityNumber) is 11, and PostgreSQL refused the whole write of such a record's batch.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_daily", schema=None) as batch_op:
        batch_op.alter_column(
            "severity", existing_type=sa.String(length=10), type_=sa.String(length=20)
        )


def downgrade() -> None:
    with op.batch_alter_table("log_daily", schema=None) as batch_op:
        batch_op.alter_column(
            "severity", existing_type=sa.String(length=20), type_=sa.String(length=10)
        )
