"""The metrics store schema (SQLAlchemy Core). Alembic migrations must produce exactly this."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

from governance.store.schema.types import JSONDocument, UTCDateTime

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
    # (No index of its own: ix_check_results_product_run_time serves product lookups.)
    Column("product_id", String(200)),
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
    # Pages read a recent window across products (from 0004): a range on day stays bounded.
    Index("ix_check_daily_day", "day"),
)

# One row per source per collector run: what was attempted and how it went.
collector_runs = Table(
    "collector_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False, index=True),
    Column("collector", String(100), nullable=False),
    Column("source", Text, nullable=False),  # the configured path, glob or URL
    Column("product_id", String(200)),
    # ok | partial (some files refused) | failed (nothing could be read)
    Column("status", String(20), nullable=False),
    Column("error", Text),  # why a source failed as a whole (unreachable URL, bad glob...)
    Column("files_read", Integer, nullable=False),
    Column("files_unchanged", Integer, nullable=False),
    Column("files_skipped", Integer, nullable=False),
    Column("files_refused", Integer, nullable=False),
    Column("records_read", Integer, nullable=False),
    Column("records_new", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
)

# One row per file a run looked at (unchanged files included), with refusals' reasons.
collector_files = Table(
    "collector_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "collector_run_id",
        Integer,
        ForeignKey("collector_runs.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("path", Text, nullable=False),
    # ok | unchanged | skipped (not evidence) | refused
    Column("status", String(20), nullable=False),
    Column("position", String(100)),  # line or record where a refusal happened
    Column("reason", Text),
    Column("content_sha256", String(64)),
    Column("records_read", Integer, nullable=False),
    Column("records_new", Integer, nullable=False),
    # What the collector read but could not use (a field, a kind), "; "-joined; not a refusal.
    Column("warnings", Text),
)

# Watermarks: what each collector last read from each file, to skip what did not change.
source_files = Table(
    "source_files",
    metadata,
    # Key order matters: a run loads every watermark of one (collector, product) at once.
    Column("collector", String(100), primary_key=True),
    Column("product_key", String(200), primary_key=True),  # '' when unattributed
    Column("path", String(1000), primary_key=True),
    Column("size", Integer),
    Column("mtime_ns", BigInteger),
    Column("content_sha256", String(64), nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("collected_at", UTCDateTime, nullable=False),
)

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_key", String(64), nullable=False, unique=True),
    Column("product_id", String(200), index=True),
    Column("job", String(500), nullable=False),
    Column("run_id", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("started_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("source_tool", String(50), nullable=False),
    Column("source", Text, nullable=False),
    Column("details", JSONDocument, nullable=False),
    Column("collected_at", UTCDateTime, nullable=False),
)

observed_lineage = Table(
    "observed_lineage",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("edge_key", String(64), nullable=False, unique=True),
    Column("upstream_product", String(200), index=True),
    Column("downstream_product", String(200), index=True),
    Column("dataset", String(1000), nullable=False),
    Column("job", String(500), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("source_tool", String(50), nullable=False),
    Column("source", Text, nullable=False),
)

log_records = Table(
    "log_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_key", String(64), nullable=False, unique=True),
    Column("product_id", String(200)),
    Column("time", UTCDateTime, nullable=False),
    Column("severity_number", Integer),
    Column("severity_text", String(50)),
    Column("body", Text, nullable=False),
    Column("trace_id", String(32)),
    Column("span_id", String(16)),
    Column("run_id", String(200)),
    Column("service", String(300)),
    Column("attributes", JSONDocument, nullable=False),
    Column("source", Text, nullable=False),
    Index("ix_log_records_product_time", "product_id", "time"),
)

# Daily counts per severity band (TRACE..FATAL), what dashboards read.
log_daily = Table(
    "log_daily",
    metadata,
    Column("product_id", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("severity", String(20), primary_key=True),  # "UNSPECIFIED" is 11
    Column("records", Integer, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_key", String(64), nullable=False, unique=True),
    Column("product_id", String(200)),
    Column("time", UTCDateTime, nullable=False),
    Column("actor", String(500), nullable=False),
    Column("action", String(300), nullable=False),
    Column("resource", Text, nullable=False),
    Column("read_only", Boolean, nullable=False),
    Column("source_tool", String(50), nullable=False),
    Column("event_id", String(300)),
    Column("details", JSONDocument, nullable=False),
    Column("source", Text, nullable=False),
    Index("ix_audit_events_product_time", "product_id", "time"),
)

slo_definitions = Table(
    "slo_definitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slo_key", String(64), nullable=False, unique=True),
    Column("product_id", String(200), index=True),
    Column("name", String(300), nullable=False),
    Column("indicator", String(500), nullable=False),
    Column("target", Float, nullable=False),
    Column("window", String(50), nullable=False),
    Column("budgeting_method", String(30), nullable=False),
    Column("source_tool", String(50), nullable=False),
    Column("details", JSONDocument, nullable=False),
    Column("source", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

sli_samples = Table(
    "sli_samples",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sample_key", String(64), nullable=False, unique=True),
    Column("product_id", String(200)),
    Column("indicator", String(500), nullable=False),
    Column("slo", String(300)),
    Column("time", UTCDateTime, nullable=False),
    Column("good", Float),
    Column("total", Float),
    Column("value", Float),
    Column("labels", JSONDocument, nullable=False),
    Column("source_tool", String(50), nullable=False),
    Column("source", Text, nullable=False),
    Index("ix_sli_samples_product_time", "product_id", "time"),
)
