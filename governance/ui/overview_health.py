"""The health half of the mesh overview: KPIs, domains over time, attention, value × health."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from governance.service import MeshgovService
from governance.store.read import overview_queries
from governance.ui.components import open_service, owner_label, product_url

ATTENTION_KEY = "overview_attention"


@st.cache_data(ttl=60, show_spinner=False)
def _health(root: str, db_url: str) -> dict[str, Any]:
    """Everything the health sections read, from snapshots and roll-ups, cached a minute."""
    service = open_service(root, db_url)
    return {
        "products": service.read_model(overview_queries.product_health),
        "open_items": service.read_model(overview_queries.open_item_count),
        "mesh_trend": service.read_model(overview_queries.health_trend),
        "domain_trends": service.read_model(overview_queries.domain_trends),
        "domains": service.read_model(overview_queries.domain_names),
    }


def render_health(service: MeshgovService) -> bool:
    """The health sections; False when nothing is evaluated yet (after saying so)."""
    health = _health(str(service.workspace.root), service.workspace.db_url)
    products = health["products"]
    if not products:
        st.info("No evaluation yet: run `meshgov evaluate` to score the products.")
        return False
    render_kpis(products, health["open_items"])
    left, right = st.columns(2)
    with left:
        st.subheader("Health by domain")
        st.altair_chart(
            domain_heatmap(health["domain_trends"], health["domains"]),
            width="stretch",
            alt="Heatmap of mean health score per domain and day",
        )
    with right:
        st.subheader("Mesh health over time")
        st.altair_chart(
            mesh_trend_chart(health["mesh_trend"]),
            width="stretch",
            alt="Line chart of the mesh's mean health score and compliant share per day",
        )
    left, right = st.columns(2)
    with left:
        render_attention(products)
    with right:
        st.subheader("Value × health")
        st.altair_chart(
            value_health_chart(products, health["domains"]),
            width="stretch",
            alt="Scatter plot of each product's consumers against its health score",
        )
        st.caption(
            "Consumers: distinct people reading the product in the audit trail's window. "
            "Top left — much used, unhealthy — is where investment pays first."
        )
    return True


def render_kpis(products: Sequence[Mapping[str, Any]], open_items: int) -> None:
    """Products, mean health, share compliant, open review items, SLOs breached."""
    count = len(products)
    mean = sum(p["score"] for p in products) / count
    compliant = sum(1 for p in products if p["compliant"]) / count
    breached = sum(p["slos_breached"] for p in products)
    cols = st.columns(5)
    cols[0].metric("Products evaluated", count, border=True)
    cols[1].metric("Mean health", f"{mean:.1f}", border=True, help="Mean health score, 0-100")
    cols[2].metric(
        "Compliant",
        f"{compliant:.0%}",
        border=True,
        help="Share of products with no enforced policy failing",
    )
    cols[3].metric("Open review items", open_items, border=True)
    cols[4].metric(
        "SLOs breached", breached, border=True, help="SLOs breached or with no budget left"
    )


def domain_heatmap(trends: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> alt.Chart:
    """Domain × day, coloured by mean health score."""
    frame = pd.DataFrame(
        [{**t, "domain": names.get(t["domain_id"], t["domain_id"])} for t in trends],
        columns=[
            "domain_id",
            "day",
            "mean_score",
            "products",
            "compliant",
            "slos_breached",
            "domain",
        ],
    )
    frame["day"] = pd.to_datetime(frame["day"])
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X(
                "yearmonthdate(day):O", title="Day", axis=alt.Axis(format="%m-%d", labelAngle=-45)
            ),
            y=alt.Y("domain:N", title="Domain"),
            color=alt.Color(
                "mean_score:Q",
                title="Mean health",
                scale=alt.Scale(scheme="redyellowgreen", domain=[0, 100]),
            ),
            tooltip=[
                alt.Tooltip("domain:N", title="Domain"),
                alt.Tooltip("day:T", title="Day"),
                alt.Tooltip("mean_score:Q", title="Mean health", format=".1f"),
                alt.Tooltip("products:Q", title="Products"),
                alt.Tooltip("compliant:Q", title="Compliant"),
                alt.Tooltip("slos_breached:Q", title="SLOs breached"),
            ],
        )
        .properties(height=240)
    )


def mesh_trend_chart(trend: Sequence[Mapping[str, Any]]) -> alt.Chart:
    """The mesh's mean health per day."""
    frame = pd.DataFrame(list(trend), columns=["day", "mean_score", "products", "compliant"])
    frame["day"] = pd.to_datetime(frame["day"])
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="Day"),
            y=alt.Y("mean_score:Q", title="Mean health", scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("day:T", title="Day"),
                alt.Tooltip("mean_score:Q", title="Mean health", format=".1f"),
                alt.Tooltip("compliant:Q", title="Compliant products"),
                alt.Tooltip("products:Q", title="Products"),
            ],
        )
        .properties(height=240)
    )


def attention_table(products: Sequence[Mapping[str, Any]], limit: int = 10) -> pd.DataFrame:
    """The products that most need attention: capped, breached, with open items, lowest score."""
    ranked = sorted(
        products,
        key=lambda p: (
            not p["capped_by"],
            -p["slos_breached"],
            p["score"],
            -p["open_items"],
            p["product_id"],
        ),
    )[:limit]
    return pd.DataFrame(
        [
            {
                "link": product_url(p["product_id"]),
                "score": p["score"],
                "grade": p["grade"],
                "level": p["level"],
                "why": _why(p),
                "owner": owner_label(p, contact=False),
                "open_items": p["open_items"],
            }
            for p in ranked
        ],
        columns=["link", "score", "grade", "level", "why", "owner", "open_items"],
    )


def _why(product: Mapping[str, Any]) -> str:
    reasons = [f"blocked by {', '.join(product['capped_by'])}"] if product["capped_by"] else []
    if product["slos_breached"]:
        reasons.append(f"{product['slos_breached']} SLO(s) breached")
    if not reasons:
        weakest = min(product["dimensions"].items(), key=lambda kv: kv[1], default=None)
        if weakest:
            reasons.append(f"weakest: {weakest[0]} {weakest[1]:.0f}")
    return "; ".join(reasons)


def render_attention(products: Sequence[Mapping[str, Any]]) -> None:
    """The attention list, linking to each product."""
    st.subheader("Needs attention")
    st.dataframe(
        attention_table(products),
        key=ATTENTION_KEY,
        hide_index=True,
        column_config={
            "link": st.column_config.LinkColumn("Product", display_text=r"product=(.*)$"),
            "score": st.column_config.ProgressColumn(
                "Health", min_value=0, max_value=100, format="%.1f"
            ),
            "grade": "Grade",
            "level": "Trust level",
            "why": "Why",
            "owner": "Owner",
            "open_items": st.column_config.NumberColumn("Open items"),
        },
    )


def value_health_chart(
    products: Sequence[Mapping[str, Any]], names: Mapping[str, str]
) -> alt.Chart:
    """Consumers (value) against health score, one point per product."""
    frame = pd.DataFrame(
        [
            {
                "product": p["product_id"],
                "domain": names.get(p["domain_id"], p["domain_id"]),
                "score": p["score"],
                "consumers": p["consumers"] or 0,
                "accesses": p["accesses"] or 0,
            }
            for p in products
        ],
        columns=["product", "domain", "score", "consumers", "accesses"],
    )
    return (
        alt.Chart(frame)
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X("score:Q", title="Health score", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("consumers:Q", title="Consumers (audit trail)"),
            size=alt.Size("accesses:Q", title="Read accesses"),
            color=alt.Color("domain:N", title="Domain"),
            tooltip=["product", "domain", "score", "consumers", "accesses"],
        )
        .properties(height=260)
    )
