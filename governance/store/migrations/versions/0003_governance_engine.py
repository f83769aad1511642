"""Governance engine: evaluations, facts, policy results, SLO status, snapshots, waivers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:16:55.647635
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from governance.store.schema.types import JSONDocument, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("policies", sa.Integer(), nullable=False),
        sa.Column("refusals", JSONDocument, nullable=False),
        sa.Column("policy_digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_table(
        "waivers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("policy_id", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("requested_by", sa.String(length=300), nullable=False),
        sa.Column("approved_by", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waivers")),
    )
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waivers_product_id"), ["product_id"], unique=False)

    op.create_table(
        "domain_snapshots",
        sa.Column("domain_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("mean_score", sa.Float(), nullable=False),
        sa.Column("compliant", sa.Integer(), nullable=False),
        sa.Column("levels", JSONDocument, nullable=False),
        sa.Column("slos_breached", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_domain_snapshots_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("domain_id", "day", name=op.f("pk_domain_snapshots")),
    )
    op.create_table(
        "health_snapshots",
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("domain_id", sa.String(length=200), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=2), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("compliant", sa.Integer(), nullable=False),
        sa.Column("dimensions", JSONDocument, nullable=False),
        sa.Column("explanation", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_health_snapshots_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("product_id", "day", name=op.f("pk_health_snapshots")),
    )
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_health_snapshots_day_domain", ["day", "domain_id"], unique=False)

    op.create_table(
        "policy_results",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("policy_id", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("lifecycle", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("facts", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_policy_results_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint(
            "evaluation_id", "product_id", "policy_id", name=op.f("pk_policy_results")
        ),
    )
    op.create_table(
        "product_facts",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("facts", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_product_facts_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "product_id", name=op.f("pk_product_facts")),
    )
    op.create_table(
        "slo_status",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("slo", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("budgeting_method", sa.String(length=30), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("period_days", sa.Float(), nullable=False),
        sa.Column("attainment", sa.Float(), nullable=True),
        sa.Column("error_budget_remaining", sa.Float(), nullable=True),
        sa.Column("burn_rate_long", sa.Float(), nullable=True),
        sa.Column("burn_rate_short", sa.Float(), nullable=True),
        sa.Column("time_to_exhaustion_hours", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_slo_status_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "product_id", "slo", name=op.f("pk_slo_status")),
    )


def downgrade() -> None:
    op.drop_table("slo_status")
    op.drop_table("product_facts")
    op.drop_table("policy_results")
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_health_snapshots_day_domain")

    op.drop_table("health_snapshots")
    op.drop_table("domain_snapshots")
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waivers_product_id"))

    op.drop_table("waivers")
    op.drop_table("evaluations")
