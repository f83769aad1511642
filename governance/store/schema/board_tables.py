"""Tables of the board's workflow: review items, decisions, access, the governance log.

The governance log is append-only and hash-chained (governance/store/write/ledger.py); on
PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on it (migration 0004).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, text

from governance.store.schema.tables import metadata
from governance.store.schema.types import JSONDocument, UTCDateTime

review_items = Table(
    "review_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # What the item is about, e.g. "blocker:orders:owner-present"; one open item per key.
    Column("item_key", String(500), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("product_id", String(200)),  # none for mesh-wide items (a global policy change)
    Column("domain_id", String(200)),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("evidence", JSONDocument, nullable=False),  # [{kind, ref, label, detail}]
    Column("subject", JSONDocument, nullable=False),  # ids the item acts on (waiver, request…)
    Column("severity", String(10), nullable=False),  # blocker | major | minor
    Column("tier", String(50)),
    Column("decider", String(20), nullable=False),  # board | domain_owner
    Column("decision_asked", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("outcome", String(30)),
    Column("assignee", String(300)),
    Column("requested_by", String(300)),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("close_reason", Text),
    Column("version", Integer, nullable=False),  # optimistic concurrency: bumped on each change
    Index("ix_review_items_state", "state"),
    Index("ix_review_items_product_id", "product_id"),
    Index(
        "uq_review_items_open_key",
        "item_key",
        unique=True,
        sqlite_where=text("state != 'closed'"),
        postgresql_where=text("state != 'closed'"),
    ),
)

# Every move, comment and assignment of an item: its history, read by the item page.
review_events = Table(
    "review_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("review_items.id"), nullable=False, index=True),
    Column("time", UTCDateTime, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_state", String(20)),
    Column("to_state", String(20)),
    Column("body", Text),  # a comment's text or a move's reason
)

decisions = Table(
    "decisions",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("record_id", String(20), nullable=False, unique=True),  # GDR-0001
    Column("item_id", Integer, ForeignKey("review_items.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("product_id", String(200)),
    Column("title", Text, nullable=False),
    Column("outcome", String(30), nullable=False),
    Column("rationale", Text, nullable=False),
    Column("decided_by", String(300), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("effects", JSONDocument, nullable=False),  # the waiver or grant it created
)

access_requests = Table(
    "access_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("product_id", String(200), nullable=False, index=True),
    Column("port", String(200), nullable=False),
    Column("classification", String(50)),  # the port's strictest column class when asked
    Column("requester", String(300), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("status", String(20), nullable=False),  # requested | approved | rejected | withdrawn
    Column("requested_at", UTCDateTime, nullable=False),
    Column("decided_by", String(300)),
    Column("decided_at", UTCDateTime),
    Column("decision_id", String(20)),
)

access_grants = Table(
    "access_grants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("access_requests.id"), nullable=False),
    Column("product_id", String(200), nullable=False, index=True),
    Column("port", String(200), nullable=False),
    Column("grantee", String(300), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("reassess_at", UTCDateTime, nullable=False),
    Column("decision_id", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # active | revoked
)

governance_log = Table(
    "governance_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("time", UTCDateTime, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("action", String(50), nullable=False),
    Column("subject", String(500), nullable=False),
    # Canonical JSON text, hashed exactly as stored (a JSON column could re-serialise it).
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # Every evidence write reads the prune horizon by action (retention_queries.pruned_before).
    Index("ix_governance_log_action", "action"),
)

# The newest entry, updated in the same transaction as each append. Appends lock this row,
# which serialises writers; `audit verify` compares it with the chain to detect truncation.
governance_log_head = Table(
    "governance_log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# The global policy files as last seen, so that a changed file opens a review item.
policy_file_state = Table(
    "policy_file_state",
    metadata,
    Column("path", String(500), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)
