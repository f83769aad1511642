"""The vocabulary: every closed set of words meshgov's layers share, each defined once here.

A set is a Literal type for annotations and, where code iterates or validates it, a tuple
in its canonical order (taken from the Literal, so the words are written once). Rules keyed
by these words (score weights, caps, priorities, colours) stay with the code that decides
them.
"""

from __future__ import annotations

from typing import Literal, get_args

# --- products and contracts -------------------------------------------------------------

PortKind = Literal["input", "output"]

# ODPS lifecycle statuses a descriptor may declare (compared lower-cased).
PRODUCT_STATUSES = frozenset(
    {"proposed", "draft", "sandbox", "under_review", "approved", "active", "certified"}
    | {"deprecated", "retired"}
)
# Statuses in which a product asks to join rather than already serving.
CANDIDATE_STATUSES = frozenset({"proposed", "draft"})
# Statuses of a product on its way out: its consumers should move off it.
RETIRING_STATUSES: tuple[str, ...] = ("deprecated", "retired")

# Team roles (lower-cased, "_" read as " ") that make a member the accountable product owner.
OWNER_ROLES = frozenset({"owner", "product owner", "productowner", "data product owner"})

# Column classifications, least to most sensitive.
CLASSIFICATION_RANK: dict[str, int] = {
    "public": 0,
    "internal": 1,
    "confidential": 2,
    "restricted": 3,
}
# Classifications whose data a request or a fact must treat as sensitive.
SENSITIVE_CLASSIFICATIONS: tuple[str, ...] = ("restricted", "confidential")

# --- evidence ---------------------------------------------------------------------------

CheckStatus = Literal["pass", "fail", "warn", "error", "skipped"]
CHECK_STATUSES: tuple[CheckStatus, ...] = get_args(CheckStatus)

# The quality dimension a check measures ("other" when its name says none).
CheckDimension = Literal["completeness", "uniqueness", "timeliness", "volume", "validity", "other"]
CHECK_DIMENSIONS: tuple[CheckDimension, ...] = get_args(CheckDimension)

RunState = Literal["running", "success", "failed", "aborted", "skipped"]
# When several events report one run, the later state in this order wins.
RUN_STATE_RANK: dict[str, int] = {
    "running": 0,
    "skipped": 1,
    "success": 2,
    "aborted": 3,
    "failed": 4,
}
# States of a run that has ended, well or not.
FINISHED_RUN_STATES: tuple[RunState, ...] = ("success", "failed", "aborted")

# --- service levels ---------------------------------------------------------------------

BudgetingMethod = Literal["Occurrences", "Timeslices", "RatioTimeslices"]
BUDGETING_METHODS: tuple[BudgetingMethod, ...] = get_args(BudgetingMethod)
SloState = Literal["ok", "at_risk", "breached", "exhausted", "no_data"]
SLO_STATES: tuple[SloState, ...] = get_args(SloState)
# Worst first: where one state stands for several SLOs, the most severe is shown.
SLO_STATE_SEVERITY: tuple[SloState, ...] = ("exhausted", "breached", "at_risk", "no_data", "ok")
# States in which an SLO's promise is broken.
BREACHED_SLO_STATES: tuple[SloState, ...] = ("breached", "exhausted")

# --- policies and trust -----------------------------------------------------------------

Severity = Literal["blocker", "major", "minor"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

# Trust levels, lowest first; a product below bronze holds NO_LEVEL.
Level = Literal["bronze", "silver", "gold"]
LEVELS: tuple[Level, ...] = get_args(Level)
NO_LEVEL = "none"

Lifecycle = Literal["draft", "grace", "enforced"]
LIFECYCLES: tuple[Lifecycle, ...] = get_args(Lifecycle)

# The data product quality attributes a policy tells about.
QUALITY_ATTRIBUTES: tuple[str, ...] = (
    "discoverable",
    "addressable",
    "understandable",
    "trustworthy",
    "natively_accessible",
    "interoperable",
    "secure",
)

Outcome = Literal["pass", "fail", "waived", "not_applicable", "error"]
POLICY_OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
# Outcomes a pass rate is taken over; not_applicable is not a judgement of the product.
JUDGED_OUTCOMES: tuple[Outcome, ...] = ("pass", "fail", "waived", "error")
# An approved waiver still counts as passing: the board accepted the gap until its expiry.
PASSING_OUTCOMES: tuple[Outcome, ...] = ("pass", "waived")
VIOLATION_OUTCOMES: tuple[Outcome, ...] = ("fail", "error")

# The dimensions of a product's health score, in the order they are shown.
ScoreDimension = Literal["quality", "reliability", "compliance", "operations", "documentation"]
SCORE_DIMENSIONS: tuple[ScoreDimension, ...] = get_args(ScoreDimension)

# --- the review queue -------------------------------------------------------------------

ItemState = Literal["open", "on_agenda", "decided", "closed"]
ITEM_STATES: tuple[ItemState, ...] = get_args(ItemState)
# Items still before the board: every state but closed.
ACTIVE_ITEM_STATES: tuple[ItemState, ...] = ("open", "on_agenda", "decided")

DecisionOutcome = Literal["approved", "rejected", "changes_requested", "deferred"]
DECISION_OUTCOMES: tuple[DecisionOutcome, ...] = get_args(DecisionOutcome)
# A decision that settles a request for good; the others send it back or wait.
FINAL_DECISION_OUTCOMES = frozenset({"approved", "rejected"})
