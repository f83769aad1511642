"""The trust panel of the product page: score, grade, level and why, SLOs, waivers, access."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from governance.errors import NotEvaluated, PermissionDenied
from governance.service import MeshgovService
from governance.store.read import overview_queries
from governance.ui.identity import signed_in

OUTCOME_ORDER = ["fail", "error", "waived", "pass", "not_applicable"]


def render_trust(service: MeshgovService, product_id: str, output_ports: Sequence[str]) -> None:
    """Why the product scores what it does, and what a consumer can rely on."""
    try:
        explained = service.evaluation.explain(product_id)
    except NotEvaluated:
        st.info("Not evaluated yet: run `meshgov evaluate` to score this product.")
        return
    score = explained["score"]
    cols = st.columns(3)
    cols[0].metric("Health score", f"{score['score']:.1f}", border=True)
    cols[1].metric("Grade", score["grade"], border=True)
    cols[2].metric("Trust level", score["level"], border=True)
    if score.get("capped_by"):
        st.error(
            "Score capped: enforced blocker policies fail — " + ", ".join(score["capped_by"]),
            icon=":material/block:",
        )
    st.altair_chart(dimension_chart(score["dimensions"]), width="stretch", alt="Dimension scores")
    for name, dimension in score["dimensions"].items():
        label = "missing: no evidence" if dimension.get("missing") else f"{dimension['value']:.1f}"
        with st.expander(f"{name.capitalize()} — {label} (weight {dimension['weight']:g})"):
            reasons = dimension.get("reasons") or []
            if reasons:
                frame = pd.DataFrame(reasons).rename(columns={"kind": "evidence"})
                st.dataframe(frame, hide_index=True)
            else:
                st.caption("Nothing lowers this dimension.")
    st.subheader("Policies")
    policies = sorted(
        explained["policies"],
        key=lambda r: OUTCOME_ORDER.index(r["outcome"]) if r["outcome"] in OUTCOME_ORDER else 9,
    )
    st.dataframe(
        pd.DataFrame(
            policies,
            columns=["policy_id", "outcome", "severity", "level", "lifecycle", "message"],
        ),
        hide_index=True,
    )
    render_slos(service, product_id, explained["slos"])
    render_waivers(service, product_id)
    render_access_request(service, product_id, output_ports)


def dimension_chart(dimensions: Mapping[str, Mapping[str, Any]]) -> alt.Chart:
    """One bar per dimension, missing ones shown as such."""
    frame = pd.DataFrame(
        [
            {
                "dimension": name,
                "value": d["value"] or 0.0,
                "weight": d["weight"],
                "state": "missing" if d.get("missing") else "measured",
            }
            for name, d in dimensions.items()
        ]
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title="Score", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("dimension:N", title=None, sort=None),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=["measured", "missing"], range=["#4c78a8", "#bab0ac"]),
                title="Evidence",
            ),
            tooltip=["dimension", "value", "weight", "state"],
        )
        .properties(height=180)
    )


def render_slos(
    service: MeshgovService, product_id: str, slos: Sequence[Mapping[str, Any]]
) -> None:
    """SLO status and the error budget's burn-down over the stored days."""
    st.subheader("SLOs")
    if not slos:
        st.caption("No SLO measured for this product.")
        return
    st.dataframe(
        pd.DataFrame(
            slos,
            columns=[
                "slo",
                "status",
                "attainment",
                "target",
                "error_budget_remaining",
                "burn_rate_long",
                "burn_rate_short",
                "time_to_exhaustion_hours",
            ],
        ),
        hide_index=True,
    )
    history = service.read_model(overview_queries.slo_budget_history, product_id)
    if len({h["as_of"].date() for h in history}) > 1:
        frame = pd.DataFrame(history)
        frame["as_of"] = pd.to_datetime(frame["as_of"].map(lambda t: t.replace(tzinfo=None)))
        chart = (
            alt.Chart(frame)
            .mark_line(point=True)
            .encode(
                x=alt.X("as_of:T", title="Day"),
                y=alt.Y(
                    "error_budget_remaining:Q", title="Error budget left", axis=alt.Axis(format="%")
                ),
                color=alt.Color("slo:N", title="SLO"),
                tooltip=["slo", "as_of", "error_budget_remaining", "status"],
            )
            .properties(height=220)
        )
        st.altair_chart(chart, width="stretch", alt="Error budget burn-down per SLO")


def render_waivers(service: MeshgovService, product_id: str) -> None:
    """Waivers of this product, any status."""
    waivers = service.board.waivers(product_id)
    if waivers:
        st.subheader("Waivers")
        st.dataframe(
            pd.DataFrame(
                waivers,
                columns=["id", "policy_id", "status", "expires_at", "decision_id", "reason"],
            ),
            hide_index=True,
        )


def render_access_request(
    service: MeshgovService, product_id: str, output_ports: Sequence[str]
) -> None:
    """'Request access' to one of the product's output ports, for whoever is signed in."""
    if not output_ports:
        return
    with st.expander("Request access", icon=":material/key:"):
        with st.form(f"access_{product_id}"):
            port = st.selectbox("Output port", list(output_ports))
            purpose = st.text_area("Purpose", placeholder="What will the data be used for?")
            if st.form_submit_button("Request access"):
                try:
                    item = service.board.request_access(signed_in(), product_id, port, purpose)
                except (PermissionDenied, ValueError, LookupError) as exc:
                    st.error(str(exc))
                else:
                    who = "the board" if item["decider"] == "board" else "the domain owner"
                    st.success(f"Requested: review item #{item['id']}, decided by {who}.")
