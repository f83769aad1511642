"""The metrics store schema (SQLAlchemy Core). Alembic migrations must produce exactly this."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from governance.store.types import JSONDocument, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

domains = Table(
    "domains",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("domain_id", String(200), ForeignKey("domains.id"), nullable=False, index=True),
    Column("status", String(50), nullable=False),
    Column("version", String(50)),
    Column("tier", String(50)),
    Column("description", Text),
    Column("owner", String(300)),
    Column("owner_name", String(300)),
    Column("team", JSONDocument, nullable=False),
    Column("support", JSONDocument, nullable=False),
    Column("tags", JSONDocument, nullable=False),
    Column("custom_properties", JSONDocument, nullable=False),
    Column("descriptor_path", Text, nullable=False),
    Column("descriptor_sha256", String(64), nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

ports = Table(
    "ports",
    metadata,
    Column(
        "product_id",
        String(200),
        ForeignKey("products.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(10), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("version", String(50), primary_key=True),
    Column("type", String(100)),
    Column("description", Text),
    Column("contract_id", String(200), index=True),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("version", String(50), primary_key=True),
    Column("name", String(300)),
    Column("status", String(50), nullable=False),
    Column("domain", String(200)),
    Column("data_product", String(200)),
    Column("locations", JSONDocument, nullable=False),
    Column("source_path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("document", JSONDocument, nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
)

contract_columns = Table(
    "contract_columns",
    metadata,
    Column("contract_id", String(200), primary_key=True),
    Column("contract_version", String(50), primary_key=True),
    Column("object_name", String(200), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("logical_type", String(50)),
    Column("physical_type", String(100)),
    Column("classification", String(100)),
    Column("required", Boolean, nullable=False),
    Column("primary_key", Boolean, nullable=False),
    Column("description", Text),
    Column("tags", JSONDocument, nullable=False),
    ForeignKeyConstraint(
        ["contract_id", "contract_version"],
        ["contracts.id", "contracts.version"],
        ondelete="CASCADE",
    ),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("upstream_product", String(200), primary_key=True),
    Column("upstream_port", String(200), primary_key=True),
    Column("downstream_product", String(200), primary_key=True),
    Column("downstream_port", String(200), primary_key=True),
    Column("contract_id", String(200), nullable=False),
)

check_results = Table(
    "check_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("check_key", String(64), nullable=False, unique=True),
    # NULL product: evidence nobody claimed yet; kept and counted, never dropped.
    Column("product_id", String(200), index=True),
    Column("port", String(200)),
    Column("source_tool", String(50), nullable=False),
    Column("suite", String(300), nullable=False),
    Column("check_name", String(300), nullable=False),
    Column("column_name", String(300)),
    Column("success", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("unexpected_count", Integer),
    Column("unexpected_percent", Float),
    Column("element_count", Integer),
    Column("run_time", UTCDateTime, nullable=False),
    Column("source", Text, nullable=False),
    Column("details", JSONDocument, nullable=False),
    Column("collected_at", UTCDateTime, nullable=False),
    Index("ix_check_results_product_run_time", "product_id", "run_time"),
)

# Daily rollup that dashboards read, so a page costs the same at 30 or 900 days.
check_daily = Table(
    "check_daily",
    metadata,
    Column("product_id", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("source_tool", String(50), primary_key=True),
    Column("checks", Integer, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
)

collector_runs = Table(
    "collector_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False, index=True),
    Column("collector", String(100), nullable=False),
    Column("source", Text, nullable=False),
    Column("product_id", String(200)),
    Column("content_sha256", String(64)),
    # ok | unchanged | skipped (not evidence) | refused
    Column("status", String(20), nullable=False),
    Column("reason", Text),
    Column("records_read", Integer, nullable=False),
    Column("records_new", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
)
