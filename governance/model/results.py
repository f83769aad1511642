"""What the engine concludes about a product: policy results, a health score, a judgement.

The engine builds these records and the store writes them, so they live here, below both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.model.vocabulary import Outcome


@dataclass(frozen=True)
class PolicyResult:
    """The outcome of one policy for one product, with the facts it read."""

    product_id: str
    policy_id: str
    outcome: Outcome
    severity: str
    level: str
    lifecycle: str  # as in force when evaluated
    message: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def enforced(self) -> bool:
        """Whether the result counts for compliance, levels and caps."""
        return self.lifecycle == "enforced"


@dataclass(frozen=True)
class Reason:
    """One piece of evidence that moved a dimension: a check, SLO, policy, run or field."""

    kind: str
    ref: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"kind": self.kind, "ref": self.ref, "detail": self.detail}


@dataclass(frozen=True)
class Dimension:
    """A dimension's value (None: missing), weight and the reasons behind it."""

    name: str
    value: float | None
    weight: float
    reasons: tuple[Reason, ...] = ()

    @property
    def contribution(self) -> float:
        """Points this dimension adds to the score (weight-normalised later)."""
        return (self.value or 0.0) * self.weight


@dataclass(frozen=True)
class HealthScore:
    """A product's score, grade, trust level and the explanation of each."""

    product_id: str
    score: float
    grade: str
    level: str  # none, bronze, silver or gold
    dimensions: tuple[Dimension, ...]
    capped_by: tuple[str, ...] = ()  # enforced blockers that failed
    level_blockers: tuple[str, ...] = ()  # enforced policies that keep the next level away

    def dimension(self, name: str) -> Dimension:
        """One dimension by name."""
        return next(d for d in self.dimensions if d.name == name)

    def as_dict(self) -> dict[str, Any]:
        """JSON form, with every dimension's value, weight and reasons."""
        return {
            "product": self.product_id,
            "score": self.score,
            "grade": self.grade,
            "level": self.level,
            "capped_by": list(self.capped_by),
            "level_blockers": list(self.level_blockers),
            "dimensions": {
                d.name: {
                    "value": d.value,
                    "weight": d.weight,
                    "missing": d.value is None,
                    "reasons": [r.as_dict() for r in d.reasons],
                }
                for d in self.dimensions
            },
        }


@dataclass(frozen=True)
class Judgement:
    """What the engine concluded about one product: its facts (with SLO status), results, score."""

    product_id: str
    domain_id: str
    facts: dict[str, Any]
    results: Sequence[PolicyResult]
    score: HealthScore
