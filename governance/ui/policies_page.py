"""The policies page: every policy in force, how many products pass it, and its CEL expression.

Policy texts are written by domain teams and refused files quote their content, so titles,
rationales and reasons are shown as text (st.dataframe, st.text, st.code) or with every
Markdown character escaped, never interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from governance.engine.policies import Policy, PolicyRefusal
from governance.model.vocabulary import LEVELS, LIFECYCLES, SEVERITIES
from governance.ui.components import current_service, day_label, percent

TABLE_KEY = "policies_table"
SEARCH_KEY = "policies_search"
FILTER_KEYS = {
    "severity": "policies_severities",
    "level": "policies_levels",
    "lifecycle": "policies_lifecycles",
    "scope": "policies_scopes",
}
NOT_IN_SCOPE = "no product in scope"
POLICY_COLUMNS = [
    "policy_id",
    "title",
    "scope",
    "owner",
    "applies_to",
    "severity",
    "level",
    "lifecycle",
    "attribute",
    "pass_rate",
    "passed",
    "applicable",
    "rationale",
]
# CommonMark lets a backslash escape any ASCII punctuation; Streamlit's :colour[] and
# :material/…: directives are punctuation too, so escaping all of it leaves plain text.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain_markdown(text: str) -> str:
    """Text with every Markdown character escaped, for elements that only take Markdown."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def policies_page() -> None:
    """Every policy with its scope, severity, level, lifecycle, pass rate and expression."""
    service = current_service()
    st.title("Policies")
    pack = service.evaluation.policy_pack()
    render_refusals(pack.refusals)
    if not pack.policies:
        st.info(
            "No policy is loaded. Add YAML files under `policy_rules/` (global/ and "
            "domains/<domain>/), or set `policy_rules:` in meshgov.yaml."
        )
        return
    table = policy_table(service.evaluation.policy_overview(), {p.id: p for p in pack.policies})
    search, chosen = render_filters(table)
    shown = filter_policies(table, search, **chosen)
    st.caption(
        f"{len(shown)} of {len(table)} policies. Pass rate: products passing (or waived) over "
        "the products in scope, in the newest evaluation."
    )
    st.dataframe(
        shown,
        key=TABLE_KEY,
        hide_index=True,
        width="stretch",
        height="content" if len(shown) <= 30 else 720,
        # The pass rate next to the title: what people scan for; the long rationale last.
        column_order=["policy_id", "title", "pass_rate", "passed", "applicable"]
        + [
            c
            for c in POLICY_COLUMNS
            if c not in ("policy_id", "title", "pass_rate", "passed", "applicable")
        ],
        column_config={
            "policy_id": "Policy",
            "title": "Title",
            "scope": "Scope",
            "owner": "Owner",
            "applies_to": "Applies to",
            "severity": "Severity",
            "level": "Level",
            "lifecycle": "Lifecycle",
            "attribute": "Attribute",
            "pass_rate": "Pass rate",
            "passed": st.column_config.NumberColumn("Passed"),
            "applicable": st.column_config.NumberColumn("In scope"),
            "rationale": st.column_config.TextColumn("Rationale", width="large"),
        },
    )
    policies = {p.id: p for p in pack.policies}
    st.subheader("Expressions")
    for policy_id in shown["policy_id"]:
        render_policy(policies[policy_id])


# --- frames (pure) ----------------------------------------------------------------------


def applies_to_text(applies_to: Mapping[str, Sequence[str]]) -> str:
    """`status: active; tier: gold` or `every product`."""
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in applies_to.items()) or "every product"


def lifecycle_text(lifecycle: str, grace_until: Any) -> str:
    """The lifecycle, with the day a grace period ends."""
    return f"grace until {day_label(grace_until)}" if lifecycle == "grace" else lifecycle


def policy_table(
    overview: Iterable[Mapping[str, Any]], policies: Mapping[str, Policy]
) -> pd.DataFrame:
    """One row per policy: service.evaluation.policy_overview() rows with applies_to from the pack."""
    rows = []
    for row in overview:
        policy = policies.get(row["policy_id"])
        rows.append(
            {
                "policy_id": row["policy_id"],
                "title": row["title"],
                "scope": row["scope"],
                "owner": row["owner"],
                "applies_to": applies_to_text(policy.applies_to) if policy else "—",
                "severity": row["severity"],
                "level": row["level"],
                "lifecycle": lifecycle_text(row["lifecycle"], row["grace_until"]),
                "attribute": row["attribute"],
                "pass_rate": NOT_IN_SCOPE
                if row["pass_rate"] is None
                else percent(row["pass_rate"]),
                "passed": row["passed"],
                "applicable": row["applicable"],
                "rationale": row["rationale"],
                "expression": policy.expression if policy else "",
            }
        )
    return pd.DataFrame(rows, columns=[*POLICY_COLUMNS, "expression"])


def filter_policies(
    table: pd.DataFrame,
    search: str = "",
    severities: Sequence[str] = (),
    levels: Sequence[str] = (),
    lifecycles: Sequence[str] = (),
    scopes: Sequence[str] = (),
) -> pd.DataFrame:
    """Policies matching every non-empty filter; `search` looks in ids, titles, rationales
    and expressions."""
    keep = pd.Series(True, index=table.index)
    if severities:
        keep &= table["severity"].isin(list(severities))
    if levels:
        keep &= table["level"].isin(list(levels))
    if lifecycles:
        # "grace until …" is the grace lifecycle.
        keep &= table["lifecycle"].str.split(" ").str[0].isin(list(lifecycles))
    if scopes:
        keep &= table["scope"].isin(list(scopes))
    if search.strip():
        needle = search.strip().lower()
        text = table[["policy_id", "title", "owner", "rationale", "expression"]].agg(
            " ".join, axis=1
        )
        keep &= text.str.lower().str.contains(needle, regex=False)
    return table[keep].reset_index(drop=True)


# --- sections ---------------------------------------------------------------------------


def render_refusals(refusals: Sequence[PolicyRefusal]) -> None:
    """Each refused policy file or policy, naming the file and the reason."""
    for refusal in refusals:
        which = f" (policy {refusal.policy_id})" if refusal.policy_id else ""
        st.error(
            plain_markdown(f"Refused {refusal.path}{which}: {refusal.reason}"),
            icon=":material/error:",
        )
    if refusals:
        st.caption(
            "Refused policies are not evaluated; fix the files and run `meshgov evaluate` again."
        )


def render_filters(table: pd.DataFrame) -> tuple[str, dict[str, list[str]]]:
    """A search box, and severity, level, lifecycle and scope pickers (empty means all)."""
    search = st.text_input(
        "Search policies", key=SEARCH_KEY, placeholder="id, title, rationale or expression"
    )
    severity, level, lifecycle, scope = st.columns(4)
    chosen = {
        "severities": severity.multiselect(
            "Severity", list(SEVERITIES), key=FILTER_KEYS["severity"], placeholder="All"
        ),
        "levels": level.multiselect(
            "Level", list(LEVELS), key=FILTER_KEYS["level"], placeholder="All"
        ),
        "lifecycles": lifecycle.multiselect(
            "Lifecycle", list(LIFECYCLES), key=FILTER_KEYS["lifecycle"], placeholder="All"
        ),
        "scopes": scope.multiselect(
            "Scope",
            sorted(table["scope"].unique(), key=lambda s: (s != "global", s)),
            key=FILTER_KEYS["scope"],
            placeholder="All",
        ),
    }
    return search, chosen


def render_policy(policy: Policy) -> None:
    """One policy's rationale, CEL expression, failure message and file, as text."""
    with st.expander(plain_markdown(f"{policy.id} — {policy.title}")):
        st.text(policy.rationale)
        st.code(policy.expression, language=None)
        if policy.message:
            st.text(f"When it fails: {policy.message}")
        st.text(f"File: {policy.path}")
