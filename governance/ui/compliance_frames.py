"""The compliance page's data and charts: the matrix, pass rates, trend, violations.

Pure pandas and Altair (no streamlit), so the shaping of every table and chart is tested
without a page. Outcomes carry a symbol as well as a colour, so none is told by colour alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from governance.model.vocabulary import (
    JUDGED_OUTCOMES,
    PASSING_OUTCOMES,
    POLICY_OUTCOMES,
    SEVERITIES,
    VIOLATION_OUTCOMES,
)
from governance.store.read import compliance_queries as queries

# Okabe-Ito colours (safe for the common colour-vision deficiencies), and a symbol in each
# cell so that no outcome is told by colour alone.
OUTCOME_COLORS: dict[str, str] = {
    "pass": "#009E73",
    "fail": "#D55E00",
    "waived": "#56B4E9",
    "not_applicable": "#E5E5E5",
    "error": "#CC79A7",
}


OUTCOME_SYMBOLS: dict[str, str] = {
    "pass": "✓",
    "fail": "✗",
    "waived": "W",
    "not_applicable": "·",
    "error": "!",
}


SEVERITY_COLORS: dict[str, str] = {"blocker": "#D55E00", "major": "#E69F00", "minor": "#0072B2"}


MATRIX_COLUMNS = [
    "product",
    "product_name",
    "domain",
    "policy",
    "outcome",
    "severity",
    "level",
    "lifecycle",
    "message",
    "cited_facts",
]


def cited_text(facts: Mapping[str, Any] | None) -> str:
    """The facts a policy read, as `path = value` text (JSON values, never Markdown)."""
    parts = []
    for path, value in (facts or {}).items():
        shown = json.dumps(value, default=str, ensure_ascii=False)
        parts.append(f"{path.removeprefix('facts.')} = {shown}")
    return "; ".join(parts)


def matrix_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per product × policy outcome, with the columns the page shows."""
    frame = pd.DataFrame(
        [
            {
                "product": r["product_id"],
                "product_name": r.get("product_name") or r["product_id"],
                "domain": r.get("domain_id") or "(unregistered)",
                "policy": r["policy_id"],
                "outcome": r["outcome"],
                "severity": r["severity"],
                "level": r["level"],
                "lifecycle": r["lifecycle"],
                "message": r["message"],
                "cited_facts": cited_text(r.get("facts")),
            }
            for r in rows
        ],
        columns=MATRIX_COLUMNS,
    )
    return frame


def filter_matrix(
    frame: pd.DataFrame,
    domains: Sequence[str] = (),
    severities: Sequence[str] = (),
    levels: Sequence[str] = (),
    lifecycles: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows matching every non-empty filter (an empty filter keeps everything)."""
    keep = pd.Series(True, index=frame.index)
    for column, chosen in (
        ("domain", domains),
        ("severity", severities),
        ("level", levels),
        ("lifecycle", lifecycles),
    ):
        if chosen:
            keep &= frame[column].isin(list(chosen))
    return frame[keep].reset_index(drop=True)


def policy_pass_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Per policy: judged products, passed (pass or waived) and the pass rate, worst first."""
    rows = []
    for (policy, severity), group in frame.groupby(["policy", "severity"], sort=True):
        outcomes = group["outcome"].value_counts().to_dict()
        rows.append(
            {
                "policy": policy,
                "severity": severity,
                "judged": sum(outcomes.get(o, 0) for o in JUDGED_OUTCOMES),
                "passed": sum(outcomes.get(o, 0) for o in PASSING_OUTCOMES),
                "pass_rate": queries.pass_rate(outcomes),
            }
        )
    rates = pd.DataFrame(rows, columns=["policy", "severity", "judged", "passed", "pass_rate"])
    rates = rates[rates["pass_rate"].notna()]
    return rates.sort_values(["pass_rate", "policy"]).reset_index(drop=True)


def violations(frame: pd.DataFrame, search: str = "") -> pd.DataFrame:
    """Failed and errored results, blockers and enforced ones first; `search` in any text."""
    found = frame[frame["outcome"].isin(VIOLATION_OUTCOMES)]
    if search.strip():
        needle = search.strip().lower()
        text = found[["product", "domain", "policy", "message", "cited_facts"]].agg(
            " ".join, axis=1
        )
        found = found[text.str.lower().str.contains(needle, regex=False)]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    found = found.assign(
        _severity=found["severity"].map(order), _enforced=found["lifecycle"] != "enforced"
    )
    found = found.sort_values(["_severity", "_enforced", "product", "policy"])
    return found.drop(columns=["_severity", "_enforced", "product_name"]).reset_index(drop=True)


def matrix_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """A heatmap of outcomes: one row per product, one column per policy."""
    products = sorted(frame["product"].unique())
    policies = sorted(frame["policy"].unique())
    base = alt.Chart(frame).encode(
        x=alt.X(
            "policy:N",
            title="Policy",
            sort=policies,
            axis=alt.Axis(labelAngle=-45, labelOverlap=False, labelLimit=240),
        ),
        y=alt.Y(
            "product:N",
            title="Product",
            sort=products,
            axis=alt.Axis(labelOverlap=False, labelLimit=240),
        ),
        tooltip=[
            alt.Tooltip("product:N", title="Product"),
            alt.Tooltip("policy:N", title="Policy"),
            alt.Tooltip("outcome:N", title="Outcome"),
            alt.Tooltip("severity:N", title="Severity"),
            alt.Tooltip("level:N", title="Level"),
            alt.Tooltip("lifecycle:N", title="Lifecycle"),
            alt.Tooltip("message:N", title="Message"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "outcome:N",
            title="Outcome",
            scale=alt.Scale(
                domain=list(POLICY_OUTCOMES), range=[OUTCOME_COLORS[o] for o in POLICY_OUTCOMES]
            ),
        )
    )
    symbols = base.mark_text(fontSize=12).encode(
        text=alt.Text("symbol:N"),
        color=alt.condition(
            alt.FieldOneOfPredicate(field="outcome", oneOf=["pass", "fail", "error"]),
            alt.value("white"),
            alt.value("black"),
        ),
    )
    return (
        alt.layer(cells, symbols)
        .transform_calculate(symbol=_symbol_expression())
        # The height includes the axes (Streamlit fits the chart): room for the slanted labels.
        .properties(height=160 + 26 * len(products))
    )


def _symbol_expression() -> str:
    cases = " : ".join(f"datum.outcome == '{o}' ? '{s}'" for o, s in OUTCOME_SYMBOLS.items())
    return f"{cases} : '?'"


def pass_rate_bars(rates: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of each policy's pass rate, worst first, coloured by severity."""
    return (
        alt.Chart(rates)
        .mark_bar()
        .encode(
            x=alt.X(
                "pass_rate:Q",
                title="Pass rate",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "policy:N",
                title="Policy",
                sort=list(rates["policy"]),
                axis=alt.Axis(labelOverlap=False, labelLimit=240),
            ),
            color=alt.Color(
                "severity:N",
                title="Severity",
                scale=alt.Scale(
                    domain=list(SEVERITIES), range=[SEVERITY_COLORS[s] for s in SEVERITIES]
                ),
            ),
            tooltip=[
                alt.Tooltip("policy:N", title="Policy"),
                alt.Tooltip("severity:N", title="Severity"),
                alt.Tooltip("pass_rate:Q", title="Pass rate", format=".1%"),
                alt.Tooltip("passed:Q", title="Passed"),
                alt.Tooltip("judged:Q", title="Judged"),
            ],
        )
        .properties(height=60 + 20 * len(rates))
    )


def policy_trend_chart(trend: pd.DataFrame) -> alt.Chart:
    """One line per policy: its pass rate on each stored day."""
    return (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="Day"),
            y=alt.Y(
                "pass_rate:Q",
                title="Pass rate",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("policy_id:N", title="Policy"),
            tooltip=[
                alt.Tooltip("policy_id:N", title="Policy"),
                alt.Tooltip("day:T", title="Day"),
                alt.Tooltip("pass_rate:Q", title="Pass rate", format=".1%"),
                alt.Tooltip("passed:Q", title="Passed"),
                alt.Tooltip("judged:Q", title="Judged"),
            ],
        )
        .properties(height=300)
    )
