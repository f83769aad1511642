"""Incidents on the product and domain pages: what is open, and how fast owners answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from governance.service import MeshgovService

RECENT_DAYS = 30  # resolved incidents shown beside the active ones
COLUMNS = {
    "id": "#",
    "state": "state",
    "product_id": "product",
    "title": "incident",
    "detail": "now",
    "opened_at": "opened (UTC)",
    "acknowledged_by": "acknowledged by",
    "resolved_by": "resolved by",
}


def render_incidents(
    service: MeshgovService, product_id: str | None = None, domain_id: str | None = None
) -> None:
    """Counts and median response times, then active incidents and those resolved lately."""
    st.subheader("Incidents")
    times = service.incidents.response_times(product_id, domain_id)
    cols = st.columns(3)
    cols[0].metric("Open incidents", times.open + times.acknowledged, border=True)
    cols[1].metric(
        "Median time to acknowledge", _hours(times.median_hours_to_acknowledge), border=True
    )
    cols[2].metric("Median time to resolve", _hours(times.median_hours_to_resolve), border=True)
    since = datetime.now(UTC) - timedelta(days=RECENT_DAYS)
    rows = service.incidents.list(product_id, domain_id, active_only=False, since=since)
    if not rows:
        st.caption("No incident open, and none resolved in the last 30 days.")
        return
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)
    if product_id is not None:
        frame = frame.drop(columns=["product"])
    st.dataframe(frame, hide_index=True, width="stretch")
    st.caption(
        "A failing check (not a warning) or a breached SLO opens an incident; the owner "
        "answers with `meshgov incident ack|resolve`, and it resolves itself when the cause clears."
    )


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g} h"
