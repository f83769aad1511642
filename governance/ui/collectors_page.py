"""Collectors: is this dashboard telling the truth? Runs, refusals, orphans and stale evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from governance.service.collection import Source
from governance.store.read.catalog_queries import (
    FRESHNESS_KINDS,
    STALE_AFTER,
    ProductFreshness,
    SourceRun,
    UnattributedEvidence,
    evidence_freshness,
    last_run_per_source,
    unattributed_evidence,
)
from governance.store.read.collector_queries import Refusal, WarningKind, refusals, warning_kinds
from governance.ui.components import current_service, product_url, time_label

RUNS_KEY = "collectors_runs"
REFUSALS_KEY = "collectors_refusals"
WARNINGS_KEY = "collectors_warnings"
UNATTRIBUTED_KEY = "collectors_unattributed"
FRESHNESS_KEY = "collectors_freshness"
NEVER_RUN = "never run"
NOT_CONFIGURED = "not configured (ad hoc)"
NO_EVIDENCE_OF_KIND = "—"
STALE_HOURS = STALE_AFTER.total_seconds() / 3600
# Row colours for the runs table: what failed must catch the eye before what worked.
STATUS_COLOURS = {"failed": "#f8d7da", "partial": "#fff3cd", NEVER_RUN: "#e2e3e5"}


def collectors_page() -> None:
    """Last run per source, refusals, unattributed evidence and evidence staleness."""
    service = current_service()
    runs = service.read_model(last_run_per_source)
    refused = service.read_model(refusals)
    warned = service.read_model(warning_kinds)
    orphans = service.read_model(unattributed_evidence)
    now = datetime.now(UTC)
    freshness = service.read_model(evidence_freshness, now)
    table = source_table(service.collection.sources(), runs)
    st.title("Collectors")
    st.caption(
        "Is this dashboard telling the truth? What the collectors last read from each source, "
        "what they refused, the evidence no product claims, and evidence that stopped arriving."
    )
    render_kpis(table, refused, orphans, freshness)
    render_runs(table)
    render_refusals(refused)
    render_warnings(warned)
    render_unattributed(orphans)
    render_freshness(freshness, now)


def render_kpis(
    table: pd.DataFrame,
    refused: Sequence[Refusal],
    orphans: Sequence[UnattributedEvidence],
    freshness: Sequence[ProductFreshness],
) -> None:
    """Sources, sources not ok, refused files, unattributed records, stale products."""
    sources, failing, refused_files, unattributed, stale = st.columns(5)
    sources.metric("Sources", len(table), border=True)
    failing.metric(
        "Sources not ok",
        int((table["status"] != "ok").sum()) if len(table) else 0,
        border=True,
        help="Failed, partial or never run in their newest run",
    )
    refused_files.metric(
        "Files with refusals",
        len(refused),
        border=True,
        help="Files refused whole, or with some records refused (newest 200)",
    )
    unattributed.metric(
        "Unattributed records",
        sum(o.records for o in orphans),
        border=True,
        help="Evidence collected but claimed by no product",
    )
    stale.metric(
        "Stale products",
        sum(f.stale for f in freshness),
        border=True,
        help=f"Some kind of evidence older than {STALE_HOURS:.0f} hours",
    )


def source_table(configured: Sequence[Source], runs: Sequence[SourceRun]) -> pd.DataFrame:
    """Every configured source with its newest run; runs of unconfigured sources follow."""
    by_source = {(r.collector, r.source): r for r in runs}
    rows = []
    for source in configured:
        run = by_source.pop((source.collector, source.location), None)
        rows.append(_source_row(source.collector, source.location, source.origin, run))
    for (collector, location), run in sorted(by_source.items()):
        rows.append(_source_row(collector, location, NOT_CONFIGURED, run))
    frame = pd.DataFrame(
        rows,
        columns=[
            "status",
            "collector",
            "source",
            "product",
            "origin",
            "files_read",
            "files_unchanged",
            "files_refused",
            "records_read",
            "records_new",
            "finished",
            "error",
        ],
    )
    # Failed first, then partial, then never run: the rows that need someone.
    rank = {"failed": 0, "partial": 1, NEVER_RUN: 2}
    order = frame["status"].map(lambda s: rank.get(s, 3))
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def _source_row(collector: str, location: str, origin: str, run: SourceRun | None) -> dict:
    return {
        "status": run.status if run else NEVER_RUN,
        "collector": collector,
        "source": location,
        "product": (run.product_id if run else None) or "—",
        "origin": origin,
        "files_read": run.files_read if run else None,
        "files_unchanged": run.files_unchanged if run else None,
        "files_refused": run.files_refused if run else None,
        "records_read": run.records_read if run else None,
        "records_new": run.records_new if run else None,
        "finished": time_label(run.finished_at) if run else "—",
        "error": (run.error if run else None) or "",
    }


def render_runs(table: pd.DataFrame) -> None:
    """The newest run of each source; failed and partial rows highlighted."""
    st.subheader("Last run per source")
    if table.empty:
        st.info("No source is configured and nothing was collected: see `meshgov collect`.")
        return
    bad = table[table["status"].isin(["failed", "partial"])]
    if len(bad):
        st.error(
            f"{len(bad)} source(s) did not read cleanly in their newest run: "
            + ", ".join(f"{row.collector} {row.source} ({row.status})" for row in bad.itertuples())
            + ". Their evidence on the other pages may be missing or old."
        )
    styled = table.style.apply(
        lambda row: [f"background-color: {STATUS_COLOURS.get(row['status'], '')}"] * len(row),
        axis=1,
    )
    st.dataframe(
        styled,
        key=RUNS_KEY,
        hide_index=True,
        height="content" if len(table) <= 25 else 720,
        column_config={
            "status": "Status",
            "collector": "Collector",
            "source": "Source",
            "product": "Product",
            "origin": "Configured in",
            "files_read": st.column_config.NumberColumn("Files read"),
            "files_unchanged": st.column_config.NumberColumn(
                "Unchanged", help="Files whose content had not changed since the last run"
            ),
            "files_refused": st.column_config.NumberColumn("Refused"),
            "records_read": st.column_config.NumberColumn("Records"),
            "records_new": st.column_config.NumberColumn("New records"),
            "finished": "Finished (UTC)",
            "error": "Error",
        },
    )


def render_refusals(refused: Sequence[Refusal]) -> None:
    """Files (or records) collectors refused, with where and why, newest first."""
    st.subheader("Refusals")
    if not refused:
        st.success("No collector refused a file: everything found was read.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "finished": time_label(r.finished_at),
                    "collector": r.collector,
                    "source": r.source,
                    "file": r.path,
                    "refused": "whole file" if r.whole_file else "some records",
                    "position": r.position or "—",
                    "reason": r.reason or "—",
                }
                for r in refused
            ]
        ),
        key=REFUSALS_KEY,
        hide_index=True,
        column_config={
            "finished": "Run finished (UTC)",
            "collector": "Collector",
            "source": "Source",
            "file": "File",
            "refused": "Refused",
            "position": st.column_config.TextColumn(
                "Position", help="The line or record where the (first) problem is"
            ),
            "reason": st.column_config.TextColumn("Reason", width="large"),
        },
    )
    st.caption("Fix the file at the position given; the next collection reads it again.")


def render_warnings(warned: Sequence[WarningKind]) -> None:
    """What collectors read but cannot use, one row per kind: said, never refused."""
    if not warned:
        return
    label = f"Read with warnings: {len(warned)} kind(s) of warning"
    with st.expander(label):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "collector": k.collector,
                        "warning": k.warning,
                        "files": k.files,
                        "example": k.example,
                        "last_seen": time_label(k.last_seen),
                    }
                    for k in warned
                ]
            ),
            key=WARNINGS_KEY,
            hide_index=True,
            column_config={
                "collector": "Collector",
                "warning": st.column_config.TextColumn("Read but not used", width="large"),
                "files": st.column_config.NumberColumn(
                    "Files", help="Files whose newest read said this"
                ),
                "example": "Example file",
                "last_seen": "Last said (UTC)",
            },
        )
        st.caption("These files were read; the parts named here are kept out of the scores.")


def render_unattributed(orphans: Sequence[UnattributedEvidence]) -> None:
    """Evidence no product claims: how much, from where, and how to claim it."""
    st.subheader("Unattributed evidence")
    found = [o for o in orphans if o.records]
    if not found:
        st.success("Every collected record is attributed to a product.")
        return
    st.warning(
        f"{sum(o.records for o in found)} collected record(s) belong to no product, so no "
        "score, SLO or policy counts them. To claim them, declare the datasets they name in "
        "the product's descriptor (`customProperties.datasets`, or the output port's contract "
        "servers), or declare the source under `customProperties.evidence` (or give it a "
        "`product:` in meshgov.yaml), then `meshgov register` and collect again."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "kind": o.kind,
                    "records": o.records,
                    "examples": "; ".join(f"{source} ({n})" for source, n in o.examples),
                }
                for o in found
            ]
        ),
        key=UNATTRIBUTED_KEY,
        hide_index=True,
        column_config={
            "kind": "Evidence",
            "records": st.column_config.NumberColumn("Records"),
            "examples": st.column_config.TextColumn("Largest sources (records)", width="large"),
        },
    )


def freshness_table(freshness: Sequence[ProductFreshness]) -> pd.DataFrame:
    """One row per product: hours since the newest evidence of each kind, and a stale flag."""
    rows = []
    for product in freshness:
        row: dict = {
            "product": product.product_id,
            "link": product_url(product.product_id),
            "domain": product.domain_id,
            "stale": "⚠ stale: " + ", ".join(product.stale_kinds) if product.stale else "fresh",
        }
        if product.hours_since_last is None:
            row["stale"] = "no evidence"
        for age in product.ages:
            row[age.kind] = (
                NO_EVIDENCE_OF_KIND if age.hours is None else _age_label(age.hours, age.stale)
            )
        rows.append(row)
    rows.sort(key=lambda row: not row["stale"].startswith("⚠"))  # stale first, order kept
    columns = ["product", "link", "domain", "stale", *FRESHNESS_KINDS]
    return pd.DataFrame(rows, columns=columns)


def _age_label(hours: float, stale: bool) -> str:
    text = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} d"
    return f"⚠ {text}" if stale else text


def freshness_chart(freshness: Sequence[ProductFreshness]) -> alt.LayerChart:
    """Hours since the newest evidence, per product and kind, against the stale threshold."""
    data = pd.DataFrame(
        [
            {"product": p.product_id, "kind": a.kind, "hours": a.hours, "stale": a.stale}
            for p in freshness
            for a in p.ages
            if a.hours is not None
        ],
        columns=["product", "kind", "hours", "stale"],
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("hours:Q", title="Hours since the newest evidence"),
            y=alt.Y("product:N", title="Product", sort="-x"),
            yOffset=alt.YOffset("kind:N"),
            color=alt.Color("kind:N", title="Evidence"),
            opacity=alt.condition("datum.stale", alt.value(1.0), alt.value(0.55)),
            tooltip=[
                alt.Tooltip("product:N", title="Product"),
                alt.Tooltip("kind:N", title="Evidence"),
                alt.Tooltip("hours:Q", title="Hours", format=".1f"),
                alt.Tooltip("stale:N", title="Stale"),
            ],
        )
    )
    threshold = (
        alt.Chart(pd.DataFrame({"hours": [STALE_HOURS]}))
        .mark_rule(color="#d62728", strokeDash=[4, 4])
        .encode(x="hours:Q")
    )
    height = max(280, 18 * len(freshness) * 2)
    return alt.layer(bars, threshold).properties(height=height)


def render_freshness(freshness: Sequence[ProductFreshness], now: datetime) -> None:
    """Per product, how old each kind of evidence is; stale products first."""
    st.subheader("Evidence staleness")
    if not freshness:
        st.info("No products are registered yet.")
        return
    stale = [f.product_id for f in freshness if f.stale]
    if stale:
        st.warning(
            f"Evidence stopped arriving for {', '.join(stale)}: the newest "
            f"{'/'.join(sorted({k for f in freshness for k in f.stale_kinds}))} evidence is "
            f"older than {STALE_HOURS:.0f} hours, so scores and SLOs describe the past. "
            "Check the product's pipelines and the collector sources above."
        )
    st.altair_chart(
        freshness_chart(freshness),
        width="stretch",
        alt="Bar chart of hours since the newest evidence per product and evidence kind",
    )
    table = freshness_table(freshness)
    st.dataframe(
        table,
        key=FRESHNESS_KEY,
        hide_index=True,
        height="content" if len(table) <= 25 else 720,
        column_order=[c for c in table.columns if c != "product"],
        column_config={
            "link": st.column_config.LinkColumn(
                "Product", display_text=r"product=(.*)$", help="Open the product page"
            ),
            "domain": "Domain",
            "stale": "Freshness",
            "checks": "Checks",
            "runs": "Pipeline runs",
            "logs": "Logs",
            "sli": "SLI samples",
        },
    )
    st.caption(
        f"Age of each kind's newest evidence at {time_label(now)} UTC; stale after "
        f"{STALE_HOURS:.0f} hours. '{NO_EVIDENCE_OF_KIND}': never collected for the product."
    )
