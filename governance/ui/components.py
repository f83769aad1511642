"""Shared bits of the pages: cached service access, formatting, charts and product links."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import altair as alt
import pandas as pd
import streamlit as st

from governance.config import Workspace, load_workspace_settings, resolve_workspace
from governance.service import MeshgovService

OVERVIEW_URL_PATH = "overview"
PRODUCT_URL_PATH = "product"
PRODUCT_QUERY_PARAM = "product"
NO_EVIDENCE = "no evidence"
NO_OWNER = "— no owner —"
UNCLASSIFIED = "⚠ unclassified"


# --- service access ---------------------------------------------------------------------


def current_service() -> MeshgovService:
    """The service for the workspace this process serves (MESHGOV_WORKSPACE or the cwd)."""
    workspace = resolve_workspace()
    return open_service(str(workspace.root), workspace.db_url)


# Keyed on the workspace root and store URL, so two workspaces in one process (tests, or an
# env change between runs) never share a service. Global scope: one engine pool per store,
# shared by every session, instead of one pool per browser tab.
@st.cache_resource(
    show_spinner=False, max_entries=8, on_release=lambda service: service.store.dispose()
)
def open_service(root: str, db_url: str) -> MeshgovService:
    """The cached service for a workspace root and store URL (keys of cached page reads)."""
    workspace = Workspace(
        root=Path(root), db_url=db_url, settings=load_workspace_settings(Path(root))
    )
    return MeshgovService(workspace)


# --- formatting -------------------------------------------------------------------------


def percent(rate: float | None) -> str:
    """A pass rate as a percentage; no evidence is said so, never shown as healthy."""
    return NO_EVIDENCE if rate is None else f"{rate:.1%}"


def owner_label(product: Mapping[str, Any], contact: bool = True) -> str:
    """The owner as people know them (with their contact), or a visible 'no owner'."""
    owner, name = product.get("owner"), product.get("owner_name")
    if not owner and not name:
        return NO_OWNER
    if contact and owner and name and owner != name:
        return f"{name} ({owner})"
    return str(name or owner)


def member_label(member: Mapping[str, Any]) -> str:
    """A team member: name (username) — role."""
    name, username, role = member.get("name"), member.get("username"), member.get("role")
    text = f"{name} ({username})" if name and username else str(name or username or "?")
    return f"{text} — {role}" if role else text


def support_label(channel: Mapping[str, Any]) -> str:
    """A support channel as a Markdown link when it has a URL, with its tool."""
    label = channel.get("channel") or channel.get("url") or "channel"
    text = f"[{label}]({channel['url']})" if channel.get("url") else str(label)
    return f"{text} ({channel['tool']})" if channel.get("tool") else text


def day_label(day: date | None) -> str:
    """A day as ISO text, or a dash when there is none."""
    return day.isoformat() if day else "—"


def time_label(moment: datetime | None) -> str:
    """A UTC timestamp to the minute (column titles say UTC)."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


def classification_label(classification: str | None) -> str:
    """A column's classification, with missing ones flagged."""
    return classification or UNCLASSIFIED


def records_frame(
    rows: Iterable[Mapping[str, Any]], fields: Mapping[str, str], missing: str = "—"
) -> pd.DataFrame:
    """A table of `fields` (source key → column title) from rows; missing text values shown."""
    frame = pd.DataFrame([{title: row.get(key) for key, title in fields.items()} for row in rows])
    frame = frame.reindex(columns=list(fields.values()))
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].fillna(missing)
    return frame


# --- product links ----------------------------------------------------------------------


def product_page_ref() -> st.Page:
    """The product page, as st.navigation registers it (links must match its url_path)."""
    from governance.ui.product import product_page  # the product page imports this module

    return st.Page(
        product_page, title="Product", icon=":material/inventory_2:", url_path=PRODUCT_URL_PATH
    )


def product_url(product_id: str) -> str:
    """A relative link to a product's page, for link columns in tables."""
    return f"{PRODUCT_URL_PATH}?{PRODUCT_QUERY_PARAM}={quote(product_id, safe='')}"


def product_link(product_id: str, label: str | None = None) -> None:
    """A link to one product's page."""
    st.page_link(
        product_page_ref(),
        label=label or product_id,
        icon=":material/inventory_2:",
        query_params={PRODUCT_QUERY_PARAM: product_id},
    )


def open_product(product_id: str) -> None:
    """Go to a product's page in this tab."""
    st.switch_page(product_page_ref(), query_params={PRODUCT_QUERY_PARAM: product_id})


# --- pass-rate trends -------------------------------------------------------------------


def pass_rate_by_day(
    daily: Iterable[Mapping[str, Any]],
    domain_of: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Sum passed / sum checks per day (per domain when `domain_of` is given)."""
    frame = pd.DataFrame(list(daily), columns=["product_id", "day", "checks", "passed"])
    keys = ["day"]
    if domain_of is not None:
        frame["domain"] = frame["product_id"].map(domain_of).fillna("(unregistered)")
        keys.append("domain")
    totals = frame.groupby(keys, as_index=False)[["checks", "passed"]].sum()
    totals = totals[totals["checks"] > 0]
    totals["pass_rate"] = totals["passed"] / totals["checks"]
    totals["day"] = pd.to_datetime(totals["day"])
    return totals.sort_values(keys).reset_index(drop=True)


def pass_rate_chart(trend: pd.DataFrame, color: str | None = None) -> alt.Chart:
    """An Altair line chart of pass rate over time (one line per `color` value)."""
    tooltip = [
        alt.Tooltip("day:T", title="Day"),
        alt.Tooltip("pass_rate:Q", title="Pass rate", format=".1%"),
        alt.Tooltip("passed:Q", title="Passed"),
        alt.Tooltip("checks:Q", title="Checks"),
    ]
    encoding: dict[str, Any] = {
        "x": alt.X("day:T", title="Day"),
        # Not pinned at zero: pass rates live near 100 %, where a drop must stay visible.
        "y": alt.Y(
            "pass_rate:Q",
            title="Pass rate",
            scale=alt.Scale(zero=False, domainMax=1, nice=True),
            axis=alt.Axis(format="%"),
        ),
        "tooltip": tooltip,
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color.capitalize())
        tooltip.insert(0, alt.Tooltip(f"{color}:N", title=color.capitalize()))
    return alt.Chart(trend).mark_line(point=True).encode(**encoding).properties(height=280)


def products_per_domain_chart(per_domain: pd.DataFrame) -> alt.Chart:
    """An Altair bar chart of products per domain, split by whether they have evidence."""
    return (
        alt.Chart(per_domain)
        .mark_bar()
        .encode(
            x=alt.X("products:Q", title="Products", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("domain:N", title="Domain", sort="-x"),
            color=alt.Color(
                "evidence:N",
                title="Quality evidence",
                scale=alt.Scale(
                    domain=["with evidence", NO_EVIDENCE], range=["#4c78a8", "#bab0ac"]
                ),
            ),
            tooltip=[
                alt.Tooltip("domain:N", title="Domain"),
                alt.Tooltip("evidence:N", title="Quality evidence"),
                alt.Tooltip("products:Q", title="Products"),
            ],
        )
        .properties(height=280)
    )
