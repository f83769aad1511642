"""Initial store: registry, contracts, lineage, check results, collector runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 04:01:00.218553
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from governance.store.schema.types import JSONDocument, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_daily",
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source_tool", sa.String(length=50), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", "day", "source_tool", name=op.f("pk_check_daily")),
    )
    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("check_key", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("port", sa.String(length=200), nullable=True),
        sa.Column("source_tool", sa.String(length=50), nullable=False),
        sa.Column("suite", sa.String(length=300), nullable=False),
        sa.Column("check_name", sa.String(length=300), nullable=False),
        sa.Column("column_name", sa.String(length=300), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("unexpected_count", sa.Integer(), nullable=True),
        sa.Column("unexpected_percent", sa.Float(), nullable=True),
        sa.Column("element_count", sa.Integer(), nullable=True),
        sa.Column("run_time", UTCDateTime(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
        sa.UniqueConstraint("check_key", name=op.f("uq_check_results_check_key")),
    )
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_results_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            "ix_check_results_product_run_time", ["product_id", "run_time"], unique=False
        )

    op.create_table(
        "collector_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("collector", sa.String(length=100), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("records_read", sa.Integer(), nullable=False),
        sa.Column("records_new", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collector_runs")),
    )
    with op.batch_alter_table("collector_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collector_runs_run_id"), ["run_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=True),
        sa.Column("data_product", sa.String(length=200), nullable=True),
        sa.Column("locations", JSONDocument, nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", JSONDocument, nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", "version", name=op.f("pk_contracts")),
    )
    op.create_table(
        "domains",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domains")),
    )
    op.create_table(
        "lineage_edges",
        sa.Column("upstream_product", sa.String(length=200), nullable=False),
        sa.Column("upstream_port", sa.String(length=200), nullable=False),
        sa.Column("downstream_product", sa.String(length=200), nullable=False),
        sa.Column("downstream_port", sa.String(length=200), nullable=False),
        sa.Column("contract_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint(
            "upstream_product",
            "upstream_port",
            "downstream_product",
            "downstream_port",
            name=op.f("pk_lineage_edges"),
        ),
    )
    op.create_table(
        "contract_columns",
        sa.Column("contract_id", sa.String(length=200), nullable=False),
        sa.Column("contract_version", sa.String(length=50), nullable=False),
        sa.Column("object_name", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("logical_type", sa.String(length=50), nullable=True),
        sa.Column("physical_type", sa.String(length=100), nullable=True),
        sa.Column("classification", sa.String(length=100), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("primary_key", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id", "contract_version"],
            ["contracts.id", "contracts.version"],
            name=op.f("fk_contract_columns_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "contract_id",
            "contract_version",
            "object_name",
            "name",
            name=op.f("pk_contract_columns"),
        ),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("domain_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("tier", sa.String(length=50), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=300), nullable=True),
        sa.Column("owner_name", sa.String(length=300), nullable=True),
        sa.Column("team", JSONDocument, nullable=False),
        sa.Column("support", JSONDocument, nullable=False),
        sa.Column("tags", JSONDocument, nullable=False),
        sa.Column("custom_properties", JSONDocument, nullable=False),
        sa.Column("descriptor_path", sa.Text(), nullable=False),
        sa.Column("descriptor_sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_products_domain_id_domains")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_domain_id"), ["domain_id"], unique=False)

    op.create_table(
        "ports",
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("contract_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_ports_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "kind", "name", "version", name=op.f("pk_ports")),
    )
    with op.batch_alter_table("ports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ports_contract_id"), ["contract_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ports_contract_id"))

    op.drop_table("ports")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_domain_id"))

    op.drop_table("products")
    op.drop_table("contract_columns")
    op.drop_table("lineage_edges")
    op.drop_table("domains")
    op.drop_table("contracts")
    with op.batch_alter_table("collector_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collector_runs_run_id"))

    op.drop_table("collector_runs")
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.drop_index("ix_check_results_product_run_time")
        batch_op.drop_index(batch_op.f("ix_check_results_product_id"))

    op.drop_table("check_results")
    op.drop_table("check_daily")
