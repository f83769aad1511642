"""Evidence: what the store holds that facts are built from, and the windows it is read over.

The store reads it in bulk for the whole mesh (governance/store/read/fact_queries.py); the
engine builds every product's facts from it without touching the store
(governance/engine/facts.py). The windows are shared: the store reads this far back, and
the facts say how far back they looked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

QUALITY_WINDOW = timedelta(days=7)
RUNS_WINDOW = timedelta(days=30)
LOGS_WINDOW = timedelta(days=7)
AUDIT_WINDOW = timedelta(days=30)
SLO_LOOKBACK = timedelta(days=90)  # the longest SLO period read from the store

# Rows of one kind of evidence, by product id.
ProductRows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Evidence:
    """Everything the store holds that facts are built from, read in bulk for the mesh."""

    products: dict[str, dict[str, Any]]
    ports: ProductRows
    contracts: dict[str, dict[str, Any]]
    lineage: list[dict[str, Any]]
    observed_lineage: list[dict[str, Any]]
    check_window: dict[str, dict[str, int]]
    check_names: ProductRows
    latest_checks: ProductRows
    runs: ProductRows
    last_success: dict[str, datetime]
    logs: dict[str, dict[str, int]]
    audit: dict[str, dict[str, Any]]
    slos: ProductRows
    slis: ProductRows
    collected: dict[str, datetime]
    waivers: ProductRows
    open_items: dict[str, int]
