"""What moved: a product's score (its causes) or a domain's mean (its products) since a day."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from governance.engine.movement import ScoreMove
from governance.errors import NotEvaluated
from governance.service import MeshgovService
from governance.ui.components import product_url

DEFAULT_DAYS = 7  # the first view compares with a week before the newest score
CAUSE_COLUMNS = {
    "points": "points",
    "kind": "evidence",
    "ref": "what",
    "change": "change",
    "before": "before",
    "after": "after",
    "dimension": "dimension",
}


def render_movement(service: MeshgovService, product_id: str) -> None:
    """A day picker, the score then and now, and each cause's points, biggest first."""
    st.subheader("What moved")
    days = service.evaluation.score_days(product_id)
    if days is None:
        return  # the trust panel already says to evaluate
    first, newest = days
    if first == newest:
        st.caption(f"Scored on one day only ({newest}): nothing to compare yet.")
        return
    since = _since_picker(first, newest, f"moved_since_{product_id}", "score")
    try:
        move = service.evaluation.explain_change(product_id, since)
    except (NotEvaluated, ValueError) as exc:
        st.warning(str(exc))
        return
    st.metric(
        f"Score on {move.after.day}, against {move.before.day}",
        f"{move.after.score['score']:.1f}",
        delta=f"{move.delta:+.1f}",
        border=True,
    )
    if not move.causes:
        st.caption("Nothing changed between the two days.")
        return
    if not move.detailed:
        st.caption(
            "The details of one of the two evaluations were pruned: the causes come from the "
            "stored explanations, without points."
        )
    frame = cause_frame(move)
    weighed = frame.dropna(subset=["points"])
    if not weighed.empty:
        st.altair_chart(cause_chart(weighed), width="stretch", alt="Points per cause")
    st.dataframe(frame.rename(columns=CAUSE_COLUMNS), hide_index=True, width="stretch")


def cause_frame(move: ScoreMove) -> pd.DataFrame:
    """One row per cause, biggest share first."""
    return pd.DataFrame([c.as_dict() for c in move.causes], columns=list(CAUSE_COLUMNS))


def cause_chart(frame: pd.DataFrame) -> alt.Chart:
    """A bar per cause: left for points lost, right for points won."""
    data = frame.assign(
        cause=frame["kind"] + " " + frame["ref"] + ": " + frame["change"],
        direction=frame["points"].map(lambda p: "lost" if p < 0 else "won"),
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("points:Q", title="Points of the score"),
            y=alt.Y("cause:N", title=None, sort=alt.EncodingSortField("points", order="ascending")),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(domain=["lost", "won"], range=["#e45756", "#54a24b"]),
                legend=None,
            ),
            tooltip=["kind", "ref", "change", "before", "after", "dimension", "points"],
        )
        .properties(height=max(60, 28 * len(data)))
    )


def render_domain_movement(service: MeshgovService, domain_id: str) -> None:
    """The domain's mean since a chosen day: each product's share and its biggest cause."""
    days = service.evaluation.domain_score_days(domain_id)
    if days is None or days[0] == days[1]:
        return  # not evaluated, or on one day only: nothing to compare
    first, newest = days
    st.subheader("What moved")
    since = _since_picker(first, newest, f"domain_moved_since_{domain_id}", "mean score")
    try:
        move = service.evaluation.explain_domain_change(domain_id, since)
    except (NotEvaluated, ValueError) as exc:
        st.warning(str(exc))
        return
    st.metric(
        f"Mean score on {move.after_day}, against {move.before_day}",
        "—" if move.after_mean is None else f"{move.after_mean:.1f}",
        delta=f"{move.delta:+.1f}",
        border=True,
    )
    rows = [
        {
            "link": product_url(share.product_id),
            "before": share.before,
            "after": share.after,
            "points": round(share.points, 2),
            "biggest cause": _biggest_cause(share.move),
        }
        for share in move.products
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "link": st.column_config.LinkColumn("Product", display_text=r"product=(.*)$"),
            "points": st.column_config.NumberColumn("Points of the mean", format="%+.2f"),
        },
    )


def _biggest_cause(move: ScoreMove | None) -> str:
    if move is None:
        return "scored on one of the two days only"
    if not move.causes:
        return "no change"
    cause = move.causes[0]
    points = "" if cause.points is None else f" ({cause.points:+.1f})"
    return f"{cause.kind} {cause.ref}: {cause.change}{points}"


def _since_picker(first: date, newest: date, key: str, what: str) -> date:
    """The earlier day to compare with: a week before the newest by default."""
    chosen = st.date_input(
        "Since",
        value=max(first, newest - timedelta(days=DEFAULT_DAYS)),
        min_value=first,
        max_value=newest,
        key=key,
        help=f"Compare the newest {what} with the {what} of this day.",
    )
    return chosen if isinstance(chosen, date) else first
