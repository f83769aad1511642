"""The catalog: consumers find a product and see at a glance how far they can trust it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from governance.store.read.catalog_queries import (
    NOT_EVALUATED,
    TRUST_LEVELS,
    CatalogEntry,
    CatalogSearch,
    catalog_entries,
    owner_key,
    search_catalog,
)
from governance.ui.components import current_service, owner_label, product_url, time_label

RESULTS_KEY = "catalog_results"
TEXT_KEY = "catalog_text"
DOMAINS_KEY = "catalog_domains"
TAGS_KEY = "catalog_tags"
LEVELS_KEY = "catalog_levels"
OWNERS_KEY = "catalog_owners"

CATALOG_COLUMNS = [
    "id",
    "link",
    "name",
    "domain",
    "trust_level",
    "score",
    "slo_status",
    "last_evidence",
    "owner",
    "status",
    "tags",
    "description",
]


def catalog_page() -> None:
    """Search and filter products; each result shows score, trust level, SLOs and owner."""
    entries = current_service().read_model(catalog_entries)
    st.title("Catalog")
    if not entries:
        st.info(
            "No products are registered yet. Run `meshgov register <folder>` on your product "
            "descriptors, or `meshgov demo` to load the demo mesh."
        )
        return
    st.caption(
        "Find a data product and judge whether to build on it: its health score, trust level, "
        "the worst status of its SLOs, how recent its evidence is, and who owns it."
    )
    search = render_filters(entries)
    found = search_catalog(entries, search)
    if not any(e.evaluated for e in entries):
        st.info(
            "Nothing has been evaluated yet, so no product has a score or trust level: "
            "run `meshgov evaluate`."
        )
    st.caption(f"{len(found)} of {len(entries)} products match.")
    if not found:
        st.info("No product matches: clear a filter or try other words.")
        return
    render_results(found)


def render_filters(entries: Sequence[CatalogEntry]) -> CatalogSearch:
    """Free text plus domain, tag, trust level and owner filters; returns what was asked."""
    text = st.text_input(
        "Search",
        key=TEXT_KEY,
        placeholder="id, name, description, tag or column name",
        help="Every word must appear somewhere in the product's id, name, description, tags "
        "or the column names of its output contracts (case-insensitive).",
    )
    domain_names = {e.domain_id: e.domain_name for e in entries}
    owners = {owner_key(e): owner_label(_owner_fields(e)) for e in entries if owner_key(e)}
    levels = [*TRUST_LEVELS, NOT_EVALUATED]
    domain, tag, level, owner = st.columns(4)
    domains = domain.multiselect(
        "Domain",
        sorted(domain_names),
        key=DOMAINS_KEY,
        format_func=lambda d: domain_names.get(d, d),
    )
    tags = tag.multiselect("Tag", sorted({t for e in entries for t in e.tags}), key=TAGS_KEY)
    trust_levels = level.multiselect("Trust level", levels, key=LEVELS_KEY)
    chosen_owners = owner.multiselect(
        "Owner",
        sorted(owners, key=lambda o: owners[o].lower()),
        key=OWNERS_KEY,
        format_func=lambda o: owners.get(o, o),
    )
    return CatalogSearch(
        text=text or "",
        domains=domains,
        tags=tags,
        trust_levels=trust_levels,
        owners=chosen_owners,
    )


def catalog_table(entries: Sequence[CatalogEntry]) -> pd.DataFrame:
    """One row per product, as text: a product without an evaluation reads 'not evaluated'."""
    return pd.DataFrame(
        [
            {
                "id": e.id,
                "link": product_url(e.id),
                "name": e.name,
                "domain": e.domain_name,
                "trust_level": e.trust_level,
                "score": score_label(e),
                "slo_status": slo_label(e),
                "last_evidence": time_label(e.last_evidence),
                "owner": owner_label(_owner_fields(e), contact=False),
                "status": e.status,
                "tags": ", ".join(e.tags),
                "description": e.description,
            }
            for e in entries
        ],
        columns=CATALOG_COLUMNS,
    )


def score_label(entry: CatalogEntry) -> str:
    """Score and grade, or 'not evaluated' (never a default that looks healthy)."""
    if entry.score is None:
        return NOT_EVALUATED
    return f"{entry.score:.1f} ({entry.grade})" if entry.grade else f"{entry.score:.1f}"


def slo_label(entry: CatalogEntry) -> str:
    """The worst SLO status, with how many SLOs share it when there are several."""
    total = sum(entry.slo_counts.values())
    worst = entry.slo_counts.get(entry.slo_status, 0)
    if total > 1 and worst:
        return f"{entry.slo_status} ({worst} of {total})"
    return entry.slo_status


def render_results(entries: Sequence[CatalogEntry]) -> None:
    """The matching products; names and descriptions are shown as text, never as Markdown."""
    table = catalog_table(entries)
    st.dataframe(
        table,
        key=RESULTS_KEY,
        hide_index=True,
        height="content" if len(table) <= 25 else 720,
        column_order=[c for c in table.columns if c != "id"],
        column_config={
            "link": st.column_config.LinkColumn(
                "Product", display_text=r"product=(.*)$", help="Open the product page"
            ),
            "name": "Name",
            "domain": "Domain",
            "trust_level": st.column_config.TextColumn(
                "Trust level",
                help="The highest level (bronze, silver, gold) whose enforced policies, and "
                "those of the levels below, the product passes; 'none' when it passes none.",
            ),
            "score": st.column_config.TextColumn(
                "Health score", help="0–100 with its grade, from the newest evaluation"
            ),
            "slo_status": st.column_config.TextColumn(
                "SLOs (worst)", help="The most severe status among the product's SLOs"
            ),
            "last_evidence": st.column_config.TextColumn(
                "Last evidence (UTC)",
                help="The newest check, pipeline run, log record or SLI sample collected",
            ),
            "owner": "Owner",
            "status": "Status",
            "tags": "Tags",
            "description": st.column_config.TextColumn("Description", width="large"),
        },
    )
    st.caption("Open a product for its contract, SLOs, open incidents and how to get access.")


def _owner_fields(entry: CatalogEntry) -> dict[str, str | None]:
    return {"owner": entry.owner, "owner_name": entry.owner_name}
