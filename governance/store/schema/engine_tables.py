"""Tables of the engine's judgements: evaluations, results, snapshots, waivers.

An evaluation writes all its rows in one transaction and is marked complete in it, so a
reader that takes the newest complete evaluation never sees a half-written one.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text

from governance.store.schema.tables import metadata
from governance.store.schema.types import JSONDocument, UTCDateTime

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", UTCDateTime, nullable=False),  # the "now" the facts were built for
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("products", Integer, nullable=False),
    Column("policies", Integer, nullable=False),
    Column("refusals", JSONDocument, nullable=False),  # policy files that did not load
    Column("policy_digest", String(64), nullable=False),  # SHA-256 over the policy files
)

product_facts = Table(
    "product_facts",
    metadata,
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), primary_key=True),
    Column("product_id", String(200), primary_key=True),
    Column("facts", JSONDocument, nullable=False),
)

policy_results = Table(
    "policy_results",
    metadata,
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), primary_key=True),
    Column("product_id", String(200), primary_key=True),
    Column("policy_id", String(100), primary_key=True),
    Column("outcome", String(20), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("level", String(10), nullable=False),
    Column("lifecycle", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("facts", JSONDocument, nullable=False),  # the cited facts and their values
)

slo_status = Table(
    "slo_status",
    metadata,
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), primary_key=True),
    Column("product_id", String(200), primary_key=True),
    Column("slo", String(300), primary_key=True),
    Column("source", String(20), nullable=False),
    Column("budgeting_method", String(30), nullable=False),
    Column("target", Float, nullable=False),
    Column("period_days", Float, nullable=False),
    Column("attainment", Float),
    Column("error_budget_remaining", Float),
    Column("burn_rate_long", Float),
    Column("burn_rate_short", Float),
    Column("time_to_exhaustion_hours", Float),
    Column("status", String(20), nullable=False),
)

health_snapshots = Table(
    "health_snapshots",
    metadata,
    Column("product_id", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("domain_id", String(200), nullable=False),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("grade", String(2), nullable=False),
    Column("level", String(10), nullable=False),
    Column("compliant", Integer, nullable=False),  # 1 when no enforced policy fails
    Column("dimensions", JSONDocument, nullable=False),
    Column("explanation", JSONDocument, nullable=False),
    # Who uses the product (audit trail, facts' window): the value side of value × health.
    Column("consumers", Integer),  # from 0004
    Column("accesses", Integer),  # from 0004
    Index("ix_health_snapshots_day_domain", "day", "domain_id"),
    # The newest evaluation's snapshots, whatever the history's length (from 0004).
    Index("ix_health_snapshots_evaluation_id", "evaluation_id"),
)

domain_snapshots = Table(
    "domain_snapshots",
    metadata,
    Column("domain_id", String(200), primary_key=True),  # "*" is the whole mesh
    Column("day", Date, primary_key=True),
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=False),
    Column("products", Integer, nullable=False),
    Column("mean_score", Float, nullable=False),
    Column("compliant", Integer, nullable=False),
    Column("levels", JSONDocument, nullable=False),  # level -> products
    Column("slos_breached", Integer, nullable=False),
    Index("ix_domain_snapshots_day", "day"),  # from 0004: recent days of every domain
)

waivers = Table(
    "waivers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("policy_id", String(100), nullable=False),
    Column("product_id", String(200), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False),  # requested, approved, rejected, revoked
    Column("expires_at", UTCDateTime),
    Column("requested_by", String(300), nullable=False),
    Column("approved_by", String(300)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("decision_id", String(20)),  # the board's decision record (GDR-…), from 0004
    Column("item_id", Integer),  # the review item that asked for it, from 0004
)
