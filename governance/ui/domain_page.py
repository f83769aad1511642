"""The domain page: its products, scores and trend, compliance, open items, owners."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from governance.store.read import overview_queries
from governance.ui.components import current_service, owner_label, product_url
from governance.ui.incidents_panel import render_incidents
from governance.ui.movement import render_domain_movement
from governance.ui.overview_health import mesh_trend_chart

DOMAIN_QUERY_PARAM = "domain"
DOMAIN_KEY = "domain_choice"


def domain_page() -> None:
    """One domain at a glance, chosen by `?domain=` or the selector."""
    service = current_service()
    names = service.read_model(overview_queries.domain_names)
    st.title("Domain")
    if not names:
        st.info("No domains yet: register product descriptors with `meshgov register`.")
        return
    requested = st.query_params.get(DOMAIN_QUERY_PARAM)
    if requested in names:
        st.session_state[DOMAIN_KEY] = requested
    chosen = st.selectbox(
        "Domain", sorted(names), key=DOMAIN_KEY, format_func=lambda d: names[d], width=360
    )
    st.query_params[DOMAIN_QUERY_PARAM] = chosen
    products = service.read_model(overview_queries.product_health, chosen)
    registered = service.products(chosen)
    open_items = service.read_model(overview_queries.open_item_count, chosen)
    cols = st.columns(4)
    cols[0].metric("Products", len(registered), border=True)
    mean = sum(p["score"] for p in products) / len(products) if products else None
    cols[1].metric(
        "Mean health", f"{mean:.1f}" if mean is not None else "not evaluated", border=True
    )
    compliant = sum(1 for p in products if p["compliant"])
    cols[2].metric("Compliant", f"{compliant} of {len(products)}", border=True)
    cols[3].metric("Open review items", open_items, border=True)
    owners = sorted({owner_label(p) for p in registered})
    st.caption("Owners: " + ", ".join(owners))
    trend = service.read_model(overview_queries.health_trend, chosen)
    if len(trend) > 1:
        st.subheader("Health over time")
        st.altair_chart(mesh_trend_chart(trend), width="stretch", alt="Domain health per day")
    render_domain_movement(service, chosen)
    render_incidents(service, domain_id=chosen)
    st.subheader("Products")
    scored = {p["product_id"]: p for p in products}
    table = pd.DataFrame(
        [
            {
                "link": product_url(p["id"]),
                "name": p["name"],
                "score": scored.get(p["id"], {}).get("score"),
                "grade": scored.get(p["id"], {}).get("grade", "not evaluated"),
                "level": scored.get(p["id"], {}).get("level", "—"),
                "compliant": bool(scored.get(p["id"], {}).get("compliant")),
                "slos_breached": scored.get(p["id"], {}).get("slos_breached", 0),
                "open_items": scored.get(p["id"], {}).get("open_items", 0),
                "owner": owner_label(p, contact=False),
            }
            for p in registered
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "link": st.column_config.LinkColumn("Product", display_text=r"product=(.*)$"),
            "name": "Name",
            "score": st.column_config.ProgressColumn(
                "Health", min_value=0, max_value=100, format="%.1f"
            ),
            "grade": "Grade",
            "level": "Trust level",
            "compliant": st.column_config.CheckboxColumn("Compliant"),
            "slos_breached": st.column_config.NumberColumn("SLOs breached"),
            "open_items": st.column_config.NumberColumn("Open items"),
            "owner": "Owner",
        },
    )
    items = service.board.queue(domain_id=chosen)
    if items:
        st.subheader("Open review items")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "#": i["id"],
                        "kind": i["kind"],
                        "state": i["state"],
                        "title": i["title"],
                        "due": i["due_at"].date(),
                    }
                    for i in items
                ]
            ),
            hide_index=True,
        )
