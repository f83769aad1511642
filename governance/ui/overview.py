"""The mesh overview page: KPIs, products per domain, the pass-rate trend, the product table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from governance.service import MeshOverview
from governance.store.read.read_models import QUALITY_WINDOW_DAYS
from governance.ui.components import (
    NO_EVIDENCE,
    current_service,
    day_label,
    open_product,
    open_service,
    owner_label,
    pass_rate_by_day,
    pass_rate_chart,
    percent,
    product_url,
    products_per_domain_chart,
)
from governance.ui.overview_health import render_health

TABLE_KEY = "overview_products"
PAGE_SIZE = 100


@st.cache_data(ttl=60, show_spinner=False)
def _overview(root: str, db_url: str) -> MeshOverview:
    """The overview's quality reads, cached a minute: many viewers, one query."""
    return open_service(root, db_url).overview()


def overview_page() -> None:
    """The mesh at a glance: what exists, who owns it, and what its quality evidence says."""
    service = current_service()
    mesh = _overview(str(service.workspace.root), service.workspace.db_url)
    st.title("Mesh overview")
    if not mesh.products:
        st.info(
            "No products are registered yet. Run `meshgov register <folder>` on your product "
            "descriptors, or `meshgov demo` to load the demo mesh."
        )
        return
    render_health(service)
    st.divider()
    st.subheader("Quality evidence")
    render_kpis(mesh)
    left, right = st.columns(2)
    with left:
        st.subheader("Products per domain")
        st.altair_chart(
            products_per_domain_chart(products_per_domain(mesh)),
            width="stretch",
            alt="Bar chart of products per domain",
        )
    with right:
        render_trend(mesh)
    render_product_table(mesh.products)


def render_kpis(mesh: MeshOverview) -> None:
    """Products, domains, mean pass rate over products with evidence, products without."""
    rates = [p["pass_rate"] for p in mesh.products if p["pass_rate"] is not None]
    without = len(mesh.products) - len(rates)
    mean = sum(rates) / len(rates) if rates else None
    products, domains, quality, missing = st.columns(4)
    products.metric("Products", len(mesh.products), border=True)
    domains.metric("Domains", len(mesh.domains), border=True)
    quality.metric(
        "Mean quality pass rate",
        percent(mean),
        border=True,
        help=(
            f"Mean of each product's check pass rate over its last {QUALITY_WINDOW_DAYS} days "
            f"of evidence, over the {len(rates)} product(s) that have evidence. A first health "
            "figure from quality evidence only; the health score replaces it."
        ),
    )
    missing.metric(
        "Products without evidence",
        without,
        border=True,
        help="No quality checks collected: shown as 'no evidence', never counted as healthy.",
    )


def products_per_domain(mesh: MeshOverview) -> pd.DataFrame:
    """Product counts per domain name and evidence state (every domain listed, even empty)."""
    names = {d["id"]: d["name"] or d["id"] for d in mesh.domains}
    counts = {(name, NO_EVIDENCE): 0 for name in names.values()}
    for product in mesh.products:
        name = names.get(product["domain_id"], product["domain_id"])
        state = NO_EVIDENCE if product["pass_rate"] is None else "with evidence"
        counts[(name, state)] = counts.get((name, state), 0) + 1
    return pd.DataFrame(
        [{"domain": d, "evidence": e, "products": n} for (d, e), n in counts.items()],
        columns=["domain", "evidence", "products"],
    )


def render_trend(mesh: MeshOverview) -> None:
    """The mesh pass rate per day, optionally one line per domain."""
    st.subheader("Quality pass rate over time")
    if not mesh.daily_pass_rate:
        st.info(f"{NO_EVIDENCE.capitalize()}: no quality checks have been collected yet.")
        return
    by_domain = st.toggle("One line per domain", key="overview_trend_by_domain")
    # The rows are already summed per domain and day (in SQL): group them by day, or keep
    # the domains apart.
    daily = [{**row, "product_id": row["domain_id"]} for row in mesh.daily_pass_rate]
    domain_of = {d["id"]: d["id"] for d in mesh.domains} if by_domain else None
    trend = pass_rate_by_day(daily, domain_of)
    st.altair_chart(
        pass_rate_chart(trend, color="domain" if by_domain else None),
        width="stretch",
        alt="Line chart of the mesh quality pass rate per day",
    )
    st.caption("Passed checks / all checks collected that day, summed over products.")


def product_table(products: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per product; no evidence first (it needs attention), then worst pass rate first."""
    ordered = sorted(
        products,
        key=lambda p: (p["pass_rate"] is not None, p["pass_rate"] or 0.0, p["id"]),
    )
    return pd.DataFrame(
        [
            {
                "id": p["id"],
                "link": product_url(p["id"]),
                "name": p["name"],
                "domain": p["domain_id"],
                "owner": owner_label(p, contact=False),
                "status": p["status"],
                "tier": p["tier"] or "—",
                "pass_rate": percent(p["pass_rate"]),
                "checks": p["checks"],
                "last_evidence": day_label(p["last_evidence"]),
            }
            for p in ordered
        ],
        columns=[
            "id",
            "link",
            "name",
            "domain",
            "owner",
            "status",
            "tier",
            "pass_rate",
            "checks",
            "last_evidence",
        ],
    )


def render_product_table(products: Sequence[dict[str, Any]]) -> None:
    """The product table; a product id links to its page, selecting a row opens it here."""
    st.subheader("Products")
    table = product_table(products)
    if len(table) > PAGE_SIZE:
        # A thousand rows cost the browser and the server; the worst come first anyway.
        total = len(table)
        starts = list(range(0, total, PAGE_SIZE))
        start = st.selectbox(
            "Rows",
            starts,
            format_func=lambda i: f"{i + 1}–{min(i + PAGE_SIZE, total)} of {total}",
            key="overview_products_page",
            width=240,
        )
        table = table.iloc[start : start + PAGE_SIZE].reset_index(drop=True)
    event = st.dataframe(
        table,
        key=TABLE_KEY,
        hide_index=True,
        height="content" if len(table) <= 25 else 720,
        on_select="rerun",
        selection_mode="single-row",
        column_order=[c for c in table.columns if c != "id"],
        column_config={
            "link": st.column_config.LinkColumn(
                "Product", display_text=r"product=(.*)$", help="Open the product page"
            ),
            "name": "Name",
            "domain": "Domain",
            "owner": "Owner",
            "status": "Status",
            "tier": "Tier",
            "pass_rate": st.column_config.TextColumn(
                f"Pass rate ({QUALITY_WINDOW_DAYS} d)",
                help=f"Checks passed over the product's last {QUALITY_WINDOW_DAYS} days of evidence",
            ),
            "checks": st.column_config.NumberColumn(f"Checks ({QUALITY_WINDOW_DAYS} d)"),
            "last_evidence": "Last evidence",
        },
    )
    st.caption(
        "Products without evidence first, then the worst pass rate. Select a row to open it."
    )
    rows = event.selection.rows if event else []
    if rows:
        open_product(str(table.iloc[rows[0]]["id"]))
