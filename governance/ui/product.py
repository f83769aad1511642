"""The product page: who owns it, its ports and contracts, lineage, and its check results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from governance.errors import UnknownProduct
from governance.service import ProductDetail
from governance.ui.components import (
    NO_EVIDENCE,
    PRODUCT_QUERY_PARAM,
    classification_label,
    current_service,
    day_label,
    member_label,
    owner_label,
    pass_rate_by_day,
    pass_rate_chart,
    percent,
    product_link,
    records_frame,
    support_label,
    time_label,
)
from governance.ui.incidents_panel import render_incidents
from governance.ui.movement import render_movement
from governance.ui.product_operations import lineage_dot, render_operations
from governance.ui.trust import render_trust

CHOICE_KEY = "product_choice"
STATUS_LABELS = {"pass": "✔ pass", "fail": "✘ fail"}
SCHEMA_FIELDS = {
    "object_name": "object",
    "name": "column",
    "logical_type": "logical type",
    "classification": "classification",
    "required": "required",
    "primary_key": "primary key",
}
CHECK_FIELDS = {
    "suite": "suite",
    "check_name": "check",
    "column_name": "column",
    "status": "status",
    "unexpected_count": "unexpected",
    "unexpected_percent": "unexpected %",
    "element_count": "elements",
    "run_time": "run time (UTC)",
}


def product_page() -> None:
    """One product: chosen by the `?product=` query parameter or the selector, kept in sync."""
    service = current_service()
    names = {p["id"]: p["name"] for p in service.products()}
    requested = st.query_params.get(PRODUCT_QUERY_PARAM)
    if requested and requested not in names:
        st.title("Product")
        st.error(
            f"No product {requested!r} is registered in this mesh. Check the link, or choose "
            "a product below (`meshgov export products` lists them)."
        )
        st.session_state[CHOICE_KEY] = None
    elif requested:
        st.session_state[CHOICE_KEY] = requested
    chosen = st.selectbox(
        "Product",
        list(names),
        key=CHOICE_KEY,
        index=None,
        placeholder="Choose a product",
        format_func=lambda product_id: f"{names[product_id]} ({product_id})",
        on_change=_sync_query_param,
        width=480,
    )
    if chosen is None:
        if not requested:
            st.info("Choose a product to see its owner, contract, lineage and checks.")
        return
    # Written on every run: a page link to this same page changes the product on the server
    # but leaves the browser's address bar behind unless the app sends it back.
    st.query_params[PRODUCT_QUERY_PARAM] = chosen
    try:
        detail = service.product_detail(chosen)
    except UnknownProduct as exc:  # unregistered between the list and the read
        st.error(str(exc))
        return
    render_product(detail)


def _sync_query_param() -> None:
    chosen = st.session_state.get(CHOICE_KEY)
    if chosen:
        st.query_params[PRODUCT_QUERY_PARAM] = chosen
    else:
        st.query_params.pop(PRODUCT_QUERY_PARAM, None)


def render_product(detail: ProductDetail) -> None:
    """Every section of the product page."""
    render_header(detail.product)
    st.subheader("Trust")
    outputs = [p["name"] for p in detail.ports if p["kind"] == "output"]
    render_trust(current_service(), detail.product["id"], outputs)
    render_movement(current_service(), detail.product["id"])
    render_incidents(current_service(), product_id=detail.product["id"])
    owner, health = st.columns([2, 1])
    with owner:
        render_ownership(detail.product)
    with health:
        render_quality_figure(detail)
    st.subheader("Ports")
    render_ports(detail.ports)
    st.subheader("Contract")
    render_contracts(detail.contracts)
    st.subheader("Lineage neighbours")
    st.graphviz_chart(lineage_dot(detail.product["id"], detail.lineage))
    render_lineage(detail.lineage)
    st.subheader("Check results")
    render_checks(detail)
    st.subheader("Operations")
    render_operations(current_service(), detail.product["id"])


def render_header(product: dict[str, Any]) -> None:
    """Name, id, domain, status (deprecated as a warning badge), tier, description."""
    st.title(product["name"])
    badges = st.container(horizontal=True)
    with badges:
        st.badge(f"domain: {product['domain_id']}", color="blue")
        if product["status"] == "deprecated":
            st.badge("deprecated", icon=":material/warning:", color="orange")
        else:
            st.badge(product["status"], color="green" if product["status"] == "active" else "gray")
        st.badge(f"tier: {product['tier']}" if product["tier"] else "no tier", color="violet")
        if product.get("version"):
            st.badge(f"v{product['version']}", color="gray")
    st.caption(f"`{product['id']}`")
    if product.get("description"):
        st.write(product["description"])


def render_ownership(product: dict[str, Any]) -> None:
    """Owner (or a visible warning), team, support channels."""
    st.subheader("Ownership")
    owner = owner_label(product)
    if product.get("owner") or product.get("owner_name"):
        st.markdown(f"**Owner:** {owner}")
    else:
        st.warning("No owner: the descriptor names nobody accountable for this product.")
    team = [member_label(member) for member in product.get("team") or []]
    support = [support_label(channel) for channel in product.get("support") or []]
    for title, lines in (("Team", team), ("Support", support)):
        if lines:
            st.markdown(f"**{title}**\n\n" + "\n".join(f"- {line}" for line in lines))
        else:
            st.caption(f"No {title.lower()} listed.")


def render_quality_figure(detail: ProductDetail) -> None:
    """The first health figure: pass rate over the last days of this product's evidence."""
    quality = detail.quality
    st.metric(
        f"Quality pass rate (last {quality.window_days} days of evidence)",
        percent(quality.pass_rate),
        border=True,
        help="A first health figure from quality checks only; the health score replaces it.",
    )
    if quality.pass_rate is None:
        st.caption(f"{NO_EVIDENCE.capitalize()}: no quality checks collected for this product.")
    else:
        st.caption(f"{quality.checks} checks; last evidence {day_label(quality.last_day)}.")


def render_ports(ports: Sequence[dict[str, Any]]) -> None:
    """The ports table."""
    if not ports:
        st.caption("No ports declared.")
        return
    fields = {"kind": "kind", "name": "name", "version": "version", "type": "type"}
    frame = records_frame(ports, {**fields, "contract_id": "contract"})
    st.dataframe(frame, hide_index=True, width="stretch")


def render_contracts(contracts: Sequence[dict[str, Any]]) -> None:
    """Each output contract with its schema; unclassified columns are flagged."""
    if not contracts:
        st.caption("No contract registered for this product's output ports.")
        return
    for contract in contracts:
        name = f"**{contract['name']}** · " if contract.get("name") else ""
        st.markdown(f"{name}`{contract['id']}` v{contract['version']} · {contract['status']}")
        columns = contract.get("columns") or []
        unclassified = [
            f"{c['object_name']}.{c['name']}" for c in columns if not c["classification"]
        ]
        if unclassified:
            st.warning(
                f"{len(unclassified)} column(s) unclassified, with no classification in the "
                "contract: " + ", ".join(unclassified),
                icon=":material/warning:",
            )
        if not columns:
            st.caption("The contract declares no schema.")
            continue
        schema = [
            {**c, "classification": classification_label(c["classification"])} for c in columns
        ]
        frame = records_frame(schema, SCHEMA_FIELDS)
        st.dataframe(frame, hide_index=True, width="stretch")


def render_lineage(lineage: dict[str, list[dict[str, Any]]]) -> None:
    """Upstream and downstream neighbours (product and ports), each linking to its page."""
    sides = {"upstream": "this product reads from", "downstream": "reads from this product"}
    for column, (side, meaning) in zip(st.columns(2), sides.items(), strict=True):
        with column:
            st.markdown(f"**{side.capitalize()}** ({meaning})")
            for edge in lineage.get(side, []):
                neighbour = edge[f"{side}_product"]
                ports = f"{edge['upstream_port']} → {edge['downstream_port']}"
                product_link(neighbour, f"{neighbour} · {ports}")
            if not lineage.get(side):
                st.caption(f"No {side} products.")
            if side == "upstream":
                for source in lineage.get("sources", []):
                    name = source["contract_name"] or source["contract_id"]
                    st.markdown(
                        f"{name} · `{source['contract_id']}` → {source['port']} "
                        "*(source system, not a registered product)*"
                    )


def render_checks(detail: ProductDetail) -> None:
    """The pass-rate trend and the latest run's checks."""
    if not detail.checks:
        st.info(f"{NO_EVIDENCE.capitalize()}: no check results collected for this product.")
        return
    if detail.daily_pass_rate:
        st.altair_chart(
            pass_rate_chart(pass_rate_by_day(detail.daily_pass_rate)),
            width="stretch",
            alt="Line chart of this product's pass rate per day",
        )
    latest = [
        {
            **c,
            "status": STATUS_LABELS.get(c["status"], c["status"]),
            "run_time": time_label(c["run_time"]),
        }
        for c in detail.checks
    ]
    frame = records_frame(latest, CHECK_FIELDS)
    st.markdown("**Latest run** (per suite)")
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder="—",
        column_config={"unexpected %": st.column_config.NumberColumn(format="%.2f %%")},
    )
