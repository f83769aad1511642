"""The operations sections of the product page: runs, logs, audit trail, lineage graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from governance.service import MeshgovService
from governance.store.read import product_queries


def render_operations(service: MeshgovService, product_id: str) -> None:
    """Pipeline runs, log error rate and recent errors, audit trail."""
    runs, logs, audit = st.tabs(["Pipeline runs", "Logs", "Audit trail"])
    with runs:
        rows = service.read_model(product_queries.recent_runs, product_id)
        if rows:
            failed = sum(1 for r in rows if r["state"] in ("failed", "aborted"))
            st.caption(f"Newest {len(rows)} runs; {failed} did not complete.")
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        else:
            st.caption("No pipeline runs collected for this product.")
    with logs:
        now = datetime.now(UTC)
        rate = service.read_model(product_queries.log_error_rate, product_id, 30, now)
        if rate:
            st.altair_chart(error_rate_chart(rate), width="stretch", alt="Log error rate per day")
        else:
            st.caption("No logs collected for this product.")
        errors = service.read_model(product_queries.recent_errors, product_id)
        if errors:
            st.markdown("**Recent errors**")
            st.dataframe(pd.DataFrame(errors), hide_index=True)
    with audit:
        since = datetime.now(UTC) - timedelta(days=30)
        summary = service.read_model(product_queries.audit_summary, product_id, since)
        cols = st.columns(3)
        cols[0].metric("Readers (30 d)", summary["readers"])
        cols[1].metric("Reads (30 d)", summary["reads"])
        cols[2].metric("Changes (30 d)", summary["changes"])
        trail = service.read_model(product_queries.audit_trail, product_id)
        if trail:
            st.dataframe(pd.DataFrame(trail), hide_index=True)
        else:
            st.caption("No audit events collected for this product.")


def error_rate_chart(rate: Sequence[Mapping[str, Any]]) -> alt.Chart:
    """Share of log records at ERROR or above, per day."""
    frame = pd.DataFrame(list(rate))
    frame["day"] = pd.to_datetime(frame["day"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title="Day"),
            y=alt.Y("error_rate:Q", title="Error rate", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("day:T", title="Day"),
                alt.Tooltip("error_rate:Q", title="Error rate", format=".1%"),
                alt.Tooltip("errors:Q", title="Errors"),
                alt.Tooltip("records:Q", title="Records"),
            ],
        )
        .properties(height=200)
    )


def lineage_dot(product_id: str, lineage: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """A Graphviz graph of the product with its upstream and downstream neighbours."""

    def quoted(name: str) -> str:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph lineage {", "rankdir=LR;", "node [shape=box, style=rounded];"]
    lines.append(f'{quoted(product_id)} [style="rounded,filled", fillcolor="#dbe9f6"];')
    for edge in lineage.get("upstream", []):
        lines.append(f"{quoted(edge['upstream_product'])} -> {quoted(product_id)};")
    for edge in lineage.get("downstream", []):
        lines.append(f"{quoted(product_id)} -> {quoted(edge['downstream_product'])};")
    for source in lineage.get("sources", []):
        name = f"{source['contract_id']} (source)"
        lines.append(f"{quoted(name)} [shape=cylinder];")
        lines.append(f"{quoted(name)} -> {quoted(product_id)};")
    lines.append("}")
    return "\n".join(lines)
