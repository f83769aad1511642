"""Incidents: a failing enforced check or a breached SLO, per product and cause.

One incident per product and cause while it lasts (the partial unique index on its key);
the owner acknowledges and resolves it, and the evaluation resolves it when the cause clears.
Its times give the time to acknowledge and to resolve.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, text

from governance.store.schema.tables import metadata
from governance.store.schema.types import UTCDateTime

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_key", String(700), nullable=False),  # "orders|check|not_null(id)"
    Column("product_id", String(200), nullable=False),
    Column("domain_id", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # check | slo
    Column("ref", String(450), nullable=False),  # the check (with its column) or the SLO
    Column("title", Text, nullable=False),
    Column("detail", Text, nullable=False),  # the newest evaluation's word on the cause
    Column("state", String(20), nullable=False),  # open | acknowledged | resolved
    Column("opened_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(300)),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", String(300)),  # an email, or "meshgov" when the cause cleared
    Column("resolution", Text),
    Index("ix_incidents_product_id", "product_id"),
    Index("ix_incidents_domain_state", "domain_id", "state"),
    Index(
        "uq_incidents_open_key",
        "incident_key",
        unique=True,
        sqlite_where=text("state != 'resolved'"),
        postgresql_where=text("state != 'resolved'"),
    ),
)
