"""Evidence of every kind: runs, lineage, logs, audit, SLOs, SLIs; per-source run log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 04:37:50.167835
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from governance.store.schema.types import JSONDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Redundant with ix_check_results_product_run_time, and costly on every insert.
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.drop_index("ix_check_results_product_id")
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=300), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("source_tool", sa.String(length=50), nullable=False),
        sa.Column("event_id", sa.String(length=300), nullable=True),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_audit_events_event_key")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_product_time", ["product_id", "time"], unique=False)

    op.create_table(
        "log_daily",
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", "day", "severity", name=op.f("pk_log_daily")),
    )
    op.create_table(
        "log_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_key", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("severity_number", sa.Integer(), nullable=True),
        sa.Column("severity_text", sa.String(length=50), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("span_id", sa.String(length=16), nullable=True),
        sa.Column("run_id", sa.String(length=200), nullable=True),
        sa.Column("service", sa.String(length=300), nullable=True),
        sa.Column("attributes", JSONDocument, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_records")),
        sa.UniqueConstraint("record_key", name=op.f("uq_log_records_record_key")),
    )
    with op.batch_alter_table("log_records", schema=None) as batch_op:
        batch_op.create_index("ix_log_records_product_time", ["product_id", "time"], unique=False)

    op.create_table(
        "observed_lineage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("edge_key", sa.String(length=64), nullable=False),
        sa.Column("upstream_product", sa.String(length=200), nullable=True),
        sa.Column("downstream_product", sa.String(length=200), nullable=True),
        sa.Column("dataset", sa.String(length=1000), nullable=False),
        sa.Column("job", sa.String(length=500), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("source_tool", sa.String(length=50), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observed_lineage")),
        sa.UniqueConstraint("edge_key", name=op.f("uq_observed_lineage_edge_key")),
    )
    with op.batch_alter_table("observed_lineage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_observed_lineage_downstream_product"),
            ["downstream_product"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_observed_lineage_upstream_product"), ["upstream_product"], unique=False
        )

    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_key", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("job", sa.String(length=500), nullable=False),
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("source_tool", sa.String(length=50), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
        sa.UniqueConstraint("run_key", name=op.f("uq_pipeline_runs_run_key")),
    )
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pipeline_runs_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "sli_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sample_key", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("indicator", sa.String(length=500), nullable=False),
        sa.Column("slo", sa.String(length=300), nullable=True),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("good", sa.Float(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("labels", JSONDocument, nullable=False),
        sa.Column("source_tool", sa.String(length=50), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sli_samples")),
        sa.UniqueConstraint("sample_key", name=op.f("uq_sli_samples_sample_key")),
    )
    with op.batch_alter_table("sli_samples", schema=None) as batch_op:
        batch_op.create_index("ix_sli_samples_product_time", ["product_id", "time"], unique=False)

    op.create_table(
        "slo_definitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slo_key", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("indicator", sa.String(length=500), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("window", sa.String(length=50), nullable=False),
        sa.Column("budgeting_method", sa.String(length=30), nullable=False),
        sa.Column("source_tool", sa.String(length=50), nullable=False),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slo_definitions")),
        sa.UniqueConstraint("slo_key", name=op.f("uq_slo_definitions_slo_key")),
    )
    with op.batch_alter_table("slo_definitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slo_definitions_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "source_files",
        sa.Column("collector", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("product_key", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("collector", "product_key", "path", name=op.f("pk_source_files")),
    )
    op.create_table(
        "collector_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collector_run_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("records_read", sa.Integer(), nullable=False),
        sa.Column("records_new", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collector_run_id"],
            ["collector_runs.id"],
            name=op.f("fk_collector_files_collector_run_id_collector_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collector_files")),
    )
    with op.batch_alter_table("collector_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collector_files_collector_run_id"), ["collector_run_id"], unique=False
        )

    # collector_runs held one row per file; it becomes one row per source, and the
    # per-file detail moves to collector_files (each old row keeps its file there).
    with op.batch_alter_table("collector_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        for counter in ("files_read", "files_unchanged", "files_skipped", "files_refused"):
            batch_op.add_column(
                sa.Column(counter, sa.Integer(), nullable=False, server_default="0")
            )
    op.execute(
        "INSERT INTO collector_files (collector_run_id, path, status, reason, content_sha256,"
        " records_read, records_new) SELECT id, source, status, reason, content_sha256,"
        " records_read, records_new FROM collector_runs"
    )
    op.execute(
        "UPDATE collector_runs SET"
        " files_read = CASE WHEN status = 'ok' THEN 1 ELSE 0 END,"
        " files_unchanged = CASE WHEN status = 'unchanged' THEN 1 ELSE 0 END,"
        " files_skipped = CASE WHEN status = 'skipped' THEN 1 ELSE 0 END,"
        " files_refused = CASE WHEN status = 'refused' THEN 1 ELSE 0 END,"
        " error = reason,"
        " status = CASE WHEN status = 'refused' THEN 'failed' ELSE 'ok' END"
    )
    with op.batch_alter_table("collector_runs", schema=None) as batch_op:
        for counter in ("files_read", "files_unchanged", "files_skipped", "files_refused"):
            batch_op.alter_column(counter, server_default=None)
        batch_op.drop_column("content_sha256")
        batch_op.drop_column("reason")


def downgrade() -> None:
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.create_index("ix_check_results_product_id", ["product_id"], unique=False)
    with op.batch_alter_table("collector_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.TEXT(), nullable=True))
        batch_op.add_column(sa.Column("content_sha256", sa.VARCHAR(length=64), nullable=True))
        batch_op.drop_column("files_refused")
        batch_op.drop_column("files_skipped")
        batch_op.drop_column("files_unchanged")
        batch_op.drop_column("files_read")
        batch_op.drop_column("error")

    with op.batch_alter_table("collector_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collector_files_collector_run_id"))

    op.drop_table("collector_files")
    op.drop_table("source_files")
    with op.batch_alter_table("slo_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slo_definitions_product_id"))

    op.drop_table("slo_definitions")
    with op.batch_alter_table("sli_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_sli_samples_product_time")

    op.drop_table("sli_samples")
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_product_id"))

    op.drop_table("pipeline_runs")
    with op.batch_alter_table("observed_lineage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observed_lineage_upstream_product"))
        batch_op.drop_index(batch_op.f("ix_observed_lineage_downstream_product"))

    op.drop_table("observed_lineage")
    with op.batch_alter_table("log_records", schema=None) as batch_op:
        batch_op.drop_index("ix_log_records_product_time")

    op.drop_table("log_records")
    op.drop_table("log_daily")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_product_time")

    op.drop_table("audit_events")
