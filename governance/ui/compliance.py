"""The compliance page: products × policies, pass rates and their trend, violations, waivers.

Policy messages cite product data (column names, owners, descriptions), so every message and
cited fact is shown through st.dataframe or chart tooltips, never as Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from governance.model.vocabulary import (
    LEVELS,
    LIFECYCLES,
    SEVERITIES,
    VIOLATION_OUTCOMES,
)
from governance.store.read import compliance_queries as queries
from governance.store.read.judgements import latest_evaluation
from governance.ui.compliance_frames import (
    filter_matrix,
    matrix_chart,
    matrix_frame,
    pass_rate_bars,
    policy_pass_rates,
    policy_trend_chart,
    violations,
)
from governance.ui.components import current_service, time_label

VIOLATIONS_KEY = "compliance_violations"
WAIVERS_KEY = "compliance_waivers"
TREND_POLICIES_KEY = "compliance_trend_policies"
FILTER_KEYS = {
    "domain": "compliance_domains",
    "severity": "compliance_severities",
    "level": "compliance_levels",
    "lifecycle": "compliance_lifecycles",
}
SEARCH_KEY = "compliance_violation_search"
TREND_DEFAULT_POLICIES = 6


def compliance_page() -> None:
    """Which products meet which policies, what fails, and which waivers are in force."""
    service = current_service()
    st.title("Compliance")
    evaluation = service.read_model(latest_evaluation)
    if evaluation is None:
        st.info(
            "Nothing has been evaluated yet: run `meshgov evaluate` in the workspace to judge "
            "every product against the policies."
        )
        return
    matrix = matrix_frame(service.read_model(queries.compliance_matrix))
    st.caption(
        f"Newest evaluation: {time_label(evaluation['as_of'])} UTC, "
        f"{matrix['product'].nunique()} products × {matrix['policy'].nunique()} policies."
    )
    chosen = render_filters(matrix)
    shown = filter_matrix(matrix, **chosen)
    render_kpis(shown)
    if shown.empty:
        st.info("No product × policy result matches these filters.")
    else:
        st.subheader("Products × policies")
        st.altair_chart(
            matrix_chart(shown),
            width="stretch",
            alt="Heatmap of each product's outcome for each policy",
        )
        render_pass_rates(shown, chosen["domains"])
        render_violations(shown)
    now = datetime.now(UTC)
    render_waivers(service.read_model(queries.waiver_states, now))


# --- frames (pure) ----------------------------------------------------------------------


# --- charts -----------------------------------------------------------------------------


# --- sections ---------------------------------------------------------------------------


def render_filters(matrix: pd.DataFrame) -> dict[str, list[str]]:
    """Domain, severity, level and lifecycle pickers; an empty one means all."""
    domain, severity, level, lifecycle = st.columns(4)
    return {
        "domains": domain.multiselect(
            "Domain",
            sorted(matrix["domain"].unique()),
            key=FILTER_KEYS["domain"],
            placeholder="All domains",
        ),
        "severities": severity.multiselect(
            "Severity", list(SEVERITIES), key=FILTER_KEYS["severity"], placeholder="All"
        ),
        "levels": level.multiselect(
            "Level", list(LEVELS), key=FILTER_KEYS["level"], placeholder="All"
        ),
        "lifecycles": lifecycle.multiselect(
            "Lifecycle", list(LIFECYCLES), key=FILTER_KEYS["lifecycle"], placeholder="All"
        ),
    }


def render_kpis(shown: pd.DataFrame) -> None:
    """Products, compliant products, violations and waived results under the filters."""
    enforced_violations = shown[
        shown["outcome"].isin(VIOLATION_OUTCOMES) & (shown["lifecycle"] == "enforced")
    ]
    products = shown["product"].nunique()
    compliant = products - enforced_violations["product"].nunique()
    judged, violating, waived, compliant_col = st.columns(4)
    judged.metric("Products", products, border=True)
    compliant_col.metric(
        "Compliant products",
        compliant,
        border=True,
        help="No enforced policy fails or errors (among the policies the filters keep).",
    )
    violating.metric(
        "Violations",
        int(shown["outcome"].isin(VIOLATION_OUTCOMES).sum()),
        border=True,
        help="Failed or errored results, draft and grace policies included.",
    )
    waived.metric("Waived", int((shown["outcome"] == "waived").sum()), border=True)


def render_pass_rates(shown: pd.DataFrame, domains: Sequence[str]) -> None:
    """Each policy's pass rate now, and per day when more than one day is stored."""
    rates = policy_pass_rates(shown)
    left, right = st.columns(2)
    with left:
        st.subheader("Pass rate per policy")
        if rates.empty:
            st.info("No product is in scope of these policies.")
        else:
            st.altair_chart(
                pass_rate_bars(rates), width="stretch", alt="Bar chart of pass rate per policy"
            )
            st.caption("Passed or waived / products in scope; not applicable is not counted.")
    with right:
        st.subheader("Pass rate over days")
        render_trend(rates, domains)


def render_trend(rates: pd.DataFrame, domains: Sequence[str]) -> None:
    """The chosen policies' pass rate per day (worst ones chosen first)."""
    service = current_service()
    daily = pd.DataFrame(
        service.read_model(queries.policy_pass_rate_by_day, list(domains) or None),
        columns=["day", "policy_id", "judged", "passed", "failed", "errors", "pass_rate"],
    )
    daily = daily[daily["policy_id"].isin(rates["policy"]) & daily["pass_rate"].notna()]
    days = daily["day"].nunique()
    if days <= 1:
        st.info(
            "One day of policy results so far: the trend starts with the next day's "
            "evaluation (the store keeps the newest evaluation of each day)."
        )
        return
    options = list(rates["policy"])
    chosen = st.multiselect(
        "Policies",
        options,
        default=options[:TREND_DEFAULT_POLICIES],
        key=TREND_POLICIES_KEY,
        help="The worst pass rates today are chosen first.",
    )
    trend = daily[daily["policy_id"].isin(chosen)].copy()
    trend["day"] = pd.to_datetime(trend["day"])
    st.altair_chart(
        policy_trend_chart(trend), width="stretch", alt="Line chart of pass rate per day"
    )
    st.caption(f"{days} days stored; one evaluation per day.")


def render_violations(shown: pd.DataFrame) -> None:
    """Failed and errored results with their messages and cited facts, as plain text."""
    st.subheader("Violations")
    search = st.text_input(
        "Search violations",
        key=SEARCH_KEY,
        placeholder="product, policy, message or cited fact",
    )
    found = violations(shown, search)
    if found.empty:
        st.success("No violation matches these filters.")
        return
    st.dataframe(
        found,
        key=VIOLATIONS_KEY,
        hide_index=True,
        width="stretch",
        column_config={
            "product": "Product",
            "domain": "Domain",
            "policy": "Policy",
            "outcome": "Outcome",
            "severity": "Severity",
            "level": "Level",
            "lifecycle": "Lifecycle",
            "message": st.column_config.TextColumn("Message", width="large"),
            "cited_facts": st.column_config.TextColumn("Cited facts", width="large"),
        },
    )
    st.caption(f"{len(found)} violation(s); blockers and enforced policies first.")


def waiver_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Waivers in force, soonest expiry first, expiring ones flagged."""
    return pd.DataFrame(
        [
            {
                "product": w["product_id"],
                "policy": w["policy_id"],
                "state": "⚠ expiring" if w["state"] == "expiring" else "active",
                "expires": time_label(w["expires_at"]) if w["expires_at"] else "no expiry",
                "days_left": w["days_left"],
                "approved_by": w["approved_by"] or "—",
                "reason": w["reason"],
            }
            for w in queries.in_force(rows)
        ],
        columns=["product", "policy", "state", "expires", "days_left", "approved_by", "reason"],
    )


def render_waivers(rows: Sequence[Mapping[str, Any]]) -> None:
    """Approved, unexpired waivers (the only ones that count), and how many await the board."""
    st.subheader("Waivers in force")
    table = waiver_frame(rows)
    requested = sum(w["state"] == "requested" for w in rows)
    if table.empty:
        st.info("No waiver is in force: none is approved and unexpired.")
    else:
        st.dataframe(
            table,
            key=WAIVERS_KEY,
            hide_index=True,
            width="stretch",
            column_config={
                "product": "Product",
                "policy": "Policy",
                "state": "State",
                "expires": "Expires (UTC)",
                "days_left": st.column_config.NumberColumn("Days left"),
                "approved_by": "Approved by",
                "reason": st.column_config.TextColumn("Reason", width="large"),
            },
        )
        expiring = int((table["state"] != "active").sum())
        st.caption(
            f"{len(table)} waiver(s) in force; {expiring} expire within "
            f"{queries.EXPIRY_HORIZON_DAYS} days."
        )
    if requested:
        st.caption(
            f"{requested} waiver request(s) await a board decision; they do not count until "
            "approved."
        )
