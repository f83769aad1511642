"""Why a score moved between two days: the change split into its causes (pure).

A product's score is the weighted mean of its dimensions, capped while an enforced blocker
fails, so a move splits exactly into each dimension's share plus the cap's. Within a
dimension, each cause (a policy that flipped, a check that started failing, an SLO that
burned its budget, a waiver that expired, ...) gets the points the dimension would give back
if that one change were undone: the after state is re-scored with the cause reverted, by the
same scoring functions that made the score. What no single cause explains (changes that
interact, checks added or dropped, changed weights) is shown as the dimension's rest, so the
causes always add up to the move.

When an evaluation's details (facts and policy results) were pruned, the split stops at the
dimensions and the causes are read from the stored explanations, without points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from governance.engine.movement_causes import (
    Cause,
    Judged,
    Revert,
    check_causes,
    documentation_causes,
    operations_causes,
    policy_causes,
    slo_causes,
)
from governance.engine.scoring import ScoringConfig, score_dimensions
from governance.model.results import PolicyResult
from governance.model.vocabulary import SCORE_DIMENSIONS

__all__ = [
    "Cause",
    "DimensionMove",
    "DomainMove",
    "Judged",
    "ProductShare",
    "ScoreMove",
    "explain_domain_move",
    "explain_move",
]

NOTICEABLE = 0.05  # points below which a rest is rounding, not a cause


@dataclass(frozen=True)
class DimensionMove:
    """One dimension's value on both days and its share of the move."""

    name: str
    before: float | None
    after: float | None
    weight: float
    points: float


@dataclass(frozen=True)
class ScoreMove:
    """A product's score on two days and why it moved."""

    product_id: str
    before: Judged
    after: Judged
    dimensions: tuple[DimensionMove, ...]
    causes: tuple[Cause, ...]
    rounding: float  # the part of the move that is the scores' rounding to 0.1

    @property
    def delta(self) -> float:
        """The score's change, after minus before."""
        return round(self.after.score["score"] - self.before.score["score"], 1)

    @property
    def detailed(self) -> bool:
        """Whether the causes carry points (both evaluations' details were kept)."""
        return self.before.detailed and self.after.detailed

    def as_dict(self) -> dict[str, Any]:
        """JSON form: both days, each dimension's share, the causes biggest first."""
        return {
            "product": self.product_id,
            "before": _side(self.before),
            "after": _side(self.after),
            "delta": self.delta,
            "detailed": self.detailed,
            "dimensions": {
                d.name: {
                    "before": d.before,
                    "after": d.after,
                    "weight": d.weight,
                    "points": round(d.points, 2),
                }
                for d in self.dimensions
            },
            "causes": [c.as_dict() for c in self.causes],
            "rounding": round(self.rounding, 2),
        }


def _side(judged: Judged) -> dict[str, Any]:
    score = judged.score
    return {
        "day": judged.day.isoformat(),
        "as_of": judged.as_of.isoformat(),
        "score": score["score"],
        "grade": score["grade"],
        "level": score["level"],
        "capped_by": list(score.get("capped_by") or []),
    }


def explain_move(before: Judged, after: Judged) -> ScoreMove:
    """The move from `before` to `after`, split into dimensions and causes."""
    dims_before, dims_after = before.score["dimensions"], after.score["dimensions"]
    total_before, total_after = _total_weight(dims_before), _total_weight(dims_after)
    dimensions = tuple(
        DimensionMove(
            name,
            _value(dims_before, name),
            _value(dims_after, name),
            float(dims_after.get(name, {}).get("weight", 0.0)),
            _share(dims_after, name, total_after) - _share(dims_before, name, total_before),
        )
        for name in SCORE_DIMENSIONS
    )
    cap_before, round_before = _adjustments(before.score, dims_before, total_before)
    cap_after, round_after = _adjustments(after.score, dims_after, total_after)
    causes: list[Cause] = []
    if before.detailed and after.detailed:
        causes += _detailed_causes(before, after, dimensions, total_after)
    else:
        causes += _stored_causes(dims_before, dims_after)
    if abs(cap_after - cap_before) >= NOTICEABLE:
        causes.append(_cap_cause(before.score, after.score, cap_after - cap_before))
    causes.sort(key=lambda c: (c.points is None, -abs(c.points or 0.0), c.kind, c.ref))
    return ScoreMove(
        after.product_id, before, after, dimensions, tuple(causes), round_after - round_before
    )


def _total_weight(dimensions: Mapping[str, Any]) -> float:
    return sum(float(d["weight"]) for d in dimensions.values()) or 1.0


def _value(dimensions: Mapping[str, Any], name: str) -> float | None:
    dimension = dimensions.get(name)
    return None if dimension is None else dimension["value"]


def _share(dimensions: Mapping[str, Any], name: str, total: float) -> float:
    """The points a dimension gives the (uncapped) score: a missing one gives none."""
    dimension = dimensions.get(name)
    if dimension is None:
        return 0.0
    return (dimension["value"] or 0.0) * float(dimension["weight"]) / total


def _adjustments(
    score: Mapping[str, Any], dimensions: Mapping[str, Any], total: float
) -> tuple[float, float]:
    """(cap, rounding): how far the stored score is from the weighted mean, and why."""
    uncapped = sum(_share(dimensions, name, total) for name in dimensions)
    gap = score["score"] - uncapped
    return (gap, 0.0) if score.get("capped_by") else (0.0, gap)


def _cap_cause(before: Mapping[str, Any], after: Mapping[str, Any], points: float) -> Cause:
    capped_before, capped_after = before.get("capped_by") or [], after.get("capped_by") or []
    if capped_after and not capped_before:
        change = "score capped"
    elif capped_before and not capped_after:
        change = "cap lifted"
    else:
        change = "cap holds, the score beneath it moved"
    return Cause(
        "cap",
        ", ".join(capped_after or capped_before),
        change,
        _capped(capped_before),
        _capped(capped_after),
        None,
        points,
    )


def _capped(policies: Sequence[str]) -> str:
    if not policies:
        return "not capped"
    return "capped: enforced blocker(s) " + ", ".join(policies) + " fail"


# --- causes from both evaluations' details ------------------------------------------------


def _detailed_causes(
    before: Judged,
    after: Judged,
    dimensions: Sequence[DimensionMove],
    total_after: float,
) -> list[Cause]:
    """Every cause, worth what undoing it alone would give back; each dimension's rest."""
    assert before.facts is not None and after.facts is not None
    weights = {d.name: d.weight for d in dimensions}
    config = ScoringConfig(weights={**ScoringConfig().weights, **weights})
    facts_after, results_after = after.facts, tuple(after.results)

    def rescored(name: str) -> Callable[[Mapping[str, Any], Sequence[PolicyResult]], float]:
        index = SCORE_DIMENSIONS.index(name)

        def value(facts: Mapping[str, Any], results: Sequence[PolicyResult]) -> float:
            return score_dimensions(facts, results, config)[index].value or 0.0

        return value

    found: list[tuple[Cause, Revert | float]] = []
    found += policy_causes(before, after)
    found += check_causes(before.facts, facts_after, results_after)
    found += slo_causes(before.facts, facts_after, results_after)
    found += operations_causes(before.facts, facts_after, results_after)
    found += documentation_causes(before.facts, facts_after, weights, total_after)
    causes: list[Cause] = []
    for dimension in dimensions:
        mine = [(c, how) for c, how in found if c.dimension == dimension.name]
        value = rescored(dimension.name)
        now = value(facts_after, results_after)
        weight = dimension.weight / total_after
        explained = 0.0
        for cause, how in mine:
            if isinstance(how, float):
                points = how
            else:
                points = (now - value(*how)) * weight
            explained += points
            if abs(points) >= NOTICEABLE or not _gradual(cause):
                causes.append(_with_points(cause, points))
        rest = dimension.points - explained
        if abs(rest) >= NOTICEABLE:
            causes.append(_rest(dimension, rest, bool(mine)))
    return causes


def _gradual(cause: Cause) -> bool:
    """A measure that drifts (a budget, a rate) rather than an event (a flip, an expiry):
    listed only when it moved the score."""
    return cause.kind in ("runs", "logs") or cause.change in _GRADUAL_CHANGES


_GRADUAL_CHANGES = {"error budget burned", "error budget recovered", "fell", "rose"}


def _with_points(cause: Cause, points: float) -> Cause:
    return Cause(
        cause.kind, cause.ref, cause.change, cause.before, cause.after, cause.dimension, points
    )


def _rest(dimension: DimensionMove, points: float, others: bool) -> Cause:
    change = (
        "rest of the change (the changes above together, evidence added or dropped, weights)"
        if others
        else "changed"
    )
    return Cause(
        "rest",
        dimension.name,
        change,
        _number(dimension.before),
        _number(dimension.after),
        dimension.name,
        points,
    )


def _number(value: float | None) -> str:
    return "missing" if value is None else f"{value:.1f}"


# --- causes from the stored explanations (details pruned) ---------------------------------


def _stored_causes(dims_before: Mapping[str, Any], dims_after: Mapping[str, Any]) -> list[Cause]:
    """The reasons that appeared, went or changed, dimension by dimension, without points."""
    causes = []
    for name in SCORE_DIMENSIONS:
        old = _reasons(dims_before.get(name))
        new = _reasons(dims_after.get(name))
        for key in sorted(old.keys() | new.keys()):
            if old.get(key) == new.get(key):
                continue
            change = "appeared" if key not in old else "gone" if key not in new else "changed"
            kind, ref = key
            causes.append(
                Cause(kind, ref, change, old.get(key, "-"), new.get(key, "-"), name, None)
            )
    return causes


def _reasons(dimension: Mapping[str, Any] | None) -> dict[tuple[str, str], str]:
    if dimension is None:
        return {}
    return {(r["kind"], r["ref"]): r["detail"] for r in dimension.get("reasons") or []}


# --- a domain's (or the mesh's) mean score -------------------------------------------------


@dataclass(frozen=True)
class ProductShare:
    """One product's part in its domain's move, and why its own score moved."""

    product_id: str
    before: float | None  # None: not scored that day (registered later, or retired)
    after: float | None
    points: float  # its share of the mean's change
    move: ScoreMove | None = None  # None: scored on one of the two days only

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "product": self.product_id,
            "before": self.before,
            "after": self.after,
            "points": round(self.points, 2),
            "causes": [c.as_dict() for c in self.move.causes] if self.move else [],
        }


@dataclass(frozen=True)
class DomainMove:
    """A domain's mean score on two days, split into its products' shares."""

    domain_id: str
    before_day: date
    after_day: date
    before_mean: float | None
    after_mean: float | None
    products: tuple[ProductShare, ...]  # biggest share first

    @property
    def delta(self) -> float:
        """The mean's change (0 when either day has no scored product)."""
        if self.before_mean is None or self.after_mean is None:
            return 0.0
        return round(self.after_mean - self.before_mean, 2)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "domain": self.domain_id,
            "before": {"day": self.before_day.isoformat(), "mean_score": self.before_mean},
            "after": {"day": self.after_day.isoformat(), "mean_score": self.after_mean},
            "delta": self.delta,
            "products": [p.as_dict() for p in self.products],
        }


def explain_domain_move(
    domain_id: str,
    days: tuple[date, date],
    before: Mapping[str, float],
    after: Mapping[str, float],
    moves: Mapping[str, ScoreMove],
) -> DomainMove:
    """The mean's move as the sum of each product's share: its score over the day's count."""
    mean_before = sum(before.values()) / len(before) if before else None
    mean_after = sum(after.values()) / len(after) if after else None
    shares = []
    for product_id in sorted(before.keys() | after.keys()):
        was, now = before.get(product_id), after.get(product_id)
        points = (now / len(after) if now is not None else 0.0) - (
            was / len(before) if was is not None else 0.0
        )
        shares.append(ProductShare(product_id, was, now, points, moves.get(product_id)))
    shares.sort(key=lambda s: (-abs(s.points), s.product_id))
    return DomainMove(
        domain_id,
        days[0],
        days[1],
        None if mean_before is None else round(mean_before, 2),
        None if mean_after is None else round(mean_after, 2),
        tuple(shares),
    )
