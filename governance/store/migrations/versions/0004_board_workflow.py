"""Board workflow: review items, decisions, access requests and grants, the governance log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 06:43:27.632860
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from governance.store.schema.types import JSONDocument, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REFUSE_CHANGES_FUNCTION = """
CREATE OR REPLACE FUNCTION governance_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'governance_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("port", sa.String(length=200), nullable=False),
        sa.Column("classification", sa.String(length=50), nullable=True),
        sa.Column("requester", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=300), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_id", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
    )
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_requests_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "governance_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_governance_log")),
    )
    op.create_table(
        "governance_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_log_head")),
    )
    op.create_table(
        "policy_file_state",
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_policy_file_state")),
    )
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_key", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("domain_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", JSONDocument, nullable=False),
        sa.Column("subject", JSONDocument, nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("tier", sa.String(length=50), nullable=True),
        sa.Column("decider", sa.String(length=20), nullable=False),
        sa.Column("decision_asked", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("assignee", sa.String(length=300), nullable=True),
        sa.Column("requested_by", sa.String(length=300), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index("ix_review_items_product_id", ["product_id"], unique=False)
        batch_op.create_index("ix_review_items_state", ["state"], unique=False)
        batch_op.create_index(
            "uq_review_items_open_key",
            ["item_key"],
            unique=True,
            sqlite_where=sa.text("state != 'closed'"),
            postgresql_where=sa.text("state != 'closed'"),
        )

    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("port", sa.String(length=200), nullable=False),
        sa.Column("grantee", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("reassess_at", UTCDateTime(), nullable=False),
        sa.Column("decision_id", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name=op.f("fk_access_grants_request_id_access_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_grants_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "decisions",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=300), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("effects", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["review_items.id"], name=op.f("fk_decisions_item_id_review_items")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_decisions")),
        sa.UniqueConstraint("record_id", name=op.f("uq_decisions_record_id")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_item_id"), ["item_id"], unique=False)

    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["review_items.id"], name=op.f("fk_review_events_item_id_review_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_events_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("item_id", sa.Integer(), nullable=True))

    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consumers", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accesses", sa.Integer(), nullable=True))
        batch_op.create_index("ix_health_snapshots_evaluation_id", ["evaluation_id"])
    # Pages read recent windows: keep those reads bounded as history grows.
    op.create_index("ix_check_daily_day", "check_daily", ["day"])
    op.create_index("ix_domain_snapshots_day", "domain_snapshots", ["day"])

    # The chain starts from a genesis hash of zeros; appends lock and advance this row.
    op.execute("INSERT INTO governance_log_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    if op.get_bind().dialect.name == "postgresql":
        # The log is append-only for everyone but a superuser who disables the trigger.
        op.execute(REFUSE_CHANGES_FUNCTION)
        op.execute(
            "CREATE TRIGGER governance_log_append_only BEFORE UPDATE OR DELETE ON governance_log "
            "FOR EACH ROW EXECUTE FUNCTION governance_log_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER governance_log_no_truncate BEFORE TRUNCATE ON governance_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION governance_log_refuse_change()"
        )


def downgrade() -> None:
    op.drop_index("ix_domain_snapshots_day", "domain_snapshots")
    op.drop_index("ix_check_daily_day", "check_daily")
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_health_snapshots_evaluation_id")
        batch_op.drop_column("accesses")
        batch_op.drop_column("consumers")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS governance_log_no_truncate ON governance_log")
        op.execute("DROP TRIGGER IF EXISTS governance_log_append_only ON governance_log")
        op.execute("DROP FUNCTION IF EXISTS governance_log_refuse_change()")
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.drop_column("item_id")
        batch_op.drop_column("decision_id")

    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_events_item_id"))

    op.drop_table("review_events")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_item_id"))

    op.drop_table("decisions")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_grants_product_id"))

    op.drop_table("access_grants")
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_review_items_open_key",
            sqlite_where=sa.text("state != 'closed'"),
            postgresql_where=sa.text("state != 'closed'"),
        )
        batch_op.drop_index("ix_review_items_state")
        batch_op.drop_index("ix_review_items_product_id")

    op.drop_table("review_items")
    op.drop_table("policy_file_state")
    op.drop_table("governance_log_head")
    op.drop_table("governance_log")
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_requests_product_id"))

    op.drop_table("access_requests")
