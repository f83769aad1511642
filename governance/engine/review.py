"""The review queue's rules (pure): item kinds, the state machine, priority and due dates.

An item moves open → on_agenda → decided → closed. Standing items (a failing blocker, an
exhausted error budget) stay decided until their cause clears; an approved or rejected
request is closed by its decision; a deferred item or one sent back with changes
requested can be reopened. Closed is final: if the cause comes back, a new item opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from governance.errors import IllegalMove
from governance.model.vocabulary import (
    DECISION_OUTCOMES,
    FINAL_DECISION_OUTCOMES,
    ITEM_STATES,
    SEVERITIES,
)

MOVES: tuple[str, ...] = ("agenda", "unagenda", "decide", "reopen", "close", "comment", "assign")


@dataclass(frozen=True)
class KindSpec:
    """What kind of question an item puts to its decider."""

    label: str
    decider: str  # board | domain_owner
    standing: bool  # a condition that holds until fixed, rather than a one-off request
    due_days: int


KINDS: dict[str, KindSpec] = {
    "acceptance": KindSpec("New product asks to join the mesh", "board", False, 14),
    "blocker": KindSpec("Enforced blocker policy fails", "board", True, 7),
    "budget_exhausted": KindSpec("Error budget exhausted", "board", True, 7),
    "waiver_request": KindSpec("Waiver requested", "board", False, 14),
    "access_request": KindSpec("Access requested", "domain_owner", False, 7),
    "contract_change": KindSpec("Breaking contract change", "board", False, 14),
    "policy_change": KindSpec("Global policy changed", "board", False, 30),
}

_SEVERITY_WEIGHT = {"blocker": 3.0, "major": 2.0, "minor": 1.0}
_TIER_WEIGHT = {"gold": 3.0, "silver": 2.0, "bronze": 1.0}
_AGE_CAP_DAYS = 28  # waiting longer than four weeks adds no more urgency


# move -> (states it may start from, state it leads to; None keeps the state)
_TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "agenda": (frozenset({"open"}), "on_agenda"),
    "unagenda": (frozenset({"on_agenda"}), "open"),
    "decide": (frozenset({"open", "on_agenda"}), "decided"),
    "reopen": (frozenset({"decided"}), "open"),
    "close": (frozenset({"open", "on_agenda", "decided"}), "closed"),
    "comment": (frozenset({"open", "on_agenda", "decided"}), None),
    "assign": (frozenset({"open", "on_agenda", "decided"}), None),
}


def next_state(
    state: str, move: str, *, outcome: str | None = None, decided_outcome: str | None = None
) -> str:
    """The state after `move`, or IllegalMove saying why it cannot happen from `state`."""
    if state not in ITEM_STATES:
        raise ValueError(f"unknown state {state!r}; states are {', '.join(ITEM_STATES)}")
    if move not in _TRANSITIONS:
        raise ValueError(f"unknown move {move!r}; moves are {', '.join(MOVES)}")
    sources, target = _TRANSITIONS[move]
    if state not in sources:
        allowed = ", ".join(m for m in MOVES if state in _TRANSITIONS[m][0]) or "nothing"
        raise IllegalMove(
            f"cannot {move} an item that is {state.replace('_', ' ')}; "
            f"from {state} the moves are: {allowed}"
        )
    if move == "decide" and outcome not in DECISION_OUTCOMES:
        raise IllegalMove(f"a decision needs an outcome: one of {', '.join(DECISION_OUTCOMES)}")
    if move == "reopen" and decided_outcome in FINAL_DECISION_OUTCOMES:
        raise IllegalMove(
            f"cannot reopen an item decided {decided_outcome}: that decision is final; "
            "only deferred items and items sent back with changes requested reopen"
        )
    return target or state


def closes_on_decision(kind: str, outcome: str) -> bool:
    """A request decided for good is done; a standing item waits for its cause to clear."""
    return outcome in FINAL_DECISION_OUTCOMES and not KINDS[kind].standing


def priority(severity: str, tier: str | None, opened_at: datetime, now: datetime) -> float:
    """Severity × product tier × age: a gold blocker waiting three weeks comes first."""
    age_days = max(0.0, (now - opened_at).total_seconds() / 86400)
    age = 1.0 + min(age_days, _AGE_CAP_DAYS) / 7.0
    return round(_SEVERITY_WEIGHT.get(severity, 1.0) * _TIER_WEIGHT.get(tier or "", 1.0) * age, 2)


def due_at(kind: str, opened_at: datetime) -> datetime:
    """When the decider should have answered."""
    return opened_at + timedelta(days=KINDS[kind].due_days)


@dataclass(frozen=True)
class ItemSpec:
    """An item a trigger asks for; `key` deduplicates it against items already queued."""

    key: str
    kind: str
    product_id: str | None
    domain_id: str | None
    title: str
    summary: str
    severity: str
    tier: str | None
    decision_asked: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    subject: dict[str, Any] = field(default_factory=dict)
    decider: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown item kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if not self.decider:
            object.__setattr__(self, "decider", KINDS[self.kind].decider)


def evidence(kind: str, ref: str, label: str, detail: str = "") -> dict[str, Any]:
    """One link from an item to what stands behind it."""
    return {"kind": kind, "ref": ref, "label": label, "detail": detail}
