"""`meshgov evaluate`: facts → SLOs → policies → scores → snapshots, for the whole mesh.

The store is read once in bulk, the pure engine runs in memory, and everything it
concludes is written in one transaction (governance/store/read/judgements.py).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from governance.engine.facts import build_facts, read_evidence
from governance.engine.policies import (
    PolicyPack,
    PolicyResult,
    evaluate_product,
    load_pack,
    policy_files,
)
from governance.engine.policies.sandbox import RunBudget
from governance.engine.scoring import HealthScore, ScoringConfig, score_product
from governance.engine.sli import attach_slos
from governance.store import Store
from governance.store.read.judgements import Judgement, active_waivers, write_evaluation
from governance.store.schema.types import utcnow
from governance.telemetry import tracer


@dataclass
class EvaluationReport:
    """What an evaluation did, and how long each step took."""

    evaluation_id: int
    as_of: datetime
    products: int
    policies: int
    refusals: list[str]
    scores: dict[str, HealthScore]
    results: dict[str, list[PolicyResult]]
    seconds: dict[str, float] = field(default_factory=dict)
    review: Any = None  # the review queue's sync (board_service.SyncReport), set by the service

    @property
    def outcomes(self) -> dict[str, int]:
        """How many product × policy results had each outcome."""
        counts: dict[str, int] = {}
        for results in self.results.values():
            for r in results:
                counts[r.outcome] = counts.get(r.outcome, 0) + 1
        return counts


def policy_digest(roots: Sequence[Path]) -> str:
    """SHA-256 over the policy files (names and bytes): a changed pack changes it."""
    digest = hashlib.sha256()
    for root in roots:
        for path in policy_files(root) if root.exists() else []:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def judge(
    facts_by_product: dict[str, dict[str, Any]],
    pack: PolicyPack,
    config: ScoringConfig,
    now: datetime,
) -> tuple[dict[str, list[PolicyResult]], dict[str, HealthScore]]:
    """Policies and scores for facts that already carry their SLO status (pure)."""
    today = now.date()
    # One budget for the whole run: a policy over its time budget on one product is
    # skipped (as an error) for the others, instead of costing its time once per product.
    budget = RunBudget()
    results = {
        pid: evaluate_product(pack.policies, f, today, budget)
        for pid, f in facts_by_product.items()
    }
    scores = {pid: score_product(f, results[pid], config) for pid, f in facts_by_product.items()}
    return results, scores


def evaluate_mesh(
    store: Store,
    policy_roots: Sequence[Path],
    config: ScoringConfig,
    now: datetime | None = None,
) -> EvaluationReport:
    """Evaluate every registered product and write the judgements."""
    started = utcnow()
    now = now or started
    seconds: dict[str, float] = {}
    with tracer().start_as_current_span("meshgov.evaluate") as span:
        clock = time.perf_counter()
        pack = load_pack(policy_roots)
        with store.read() as connection:
            evidence = read_evidence(connection, now, waivers=active_waivers(connection))
        seconds["read"] = time.perf_counter() - clock
        clock = time.perf_counter()
        facts = build_facts(evidence, now)
        for document in facts.values():
            attach_slos(document, evidence, now)
        seconds["facts_and_slos"] = time.perf_counter() - clock
        clock = time.perf_counter()
        results, scores = judge(facts, pack, config, now)
        seconds["policies_and_scores"] = time.perf_counter() - clock
        clock = time.perf_counter()
        judgements = [
            Judgement(
                pid, evidence.products[pid]["domain_id"], facts[pid], results[pid], scores[pid]
            )
            for pid in facts
        ]
        refusals = [str(r) for r in pack.refusals]
        with store.begin() as connection:
            evaluation_id = write_evaluation(
                connection,
                as_of=now,
                started_at=started,
                finished_at=utcnow(),
                judgements=judgements,
                policies=len(pack.policies),
                refusals=refusals,
                policy_digest=policy_digest(policy_roots),
            )
        seconds["write"] = time.perf_counter() - clock
        span.set_attribute("meshgov.products", len(facts))
        span.set_attribute("meshgov.policies", len(pack.policies))
    return EvaluationReport(
        evaluation_id=evaluation_id,
        as_of=now,
        products=len(facts),
        policies=len(pack.policies),
        refusals=refusals,
        scores=scores,
        results=results,
        seconds=seconds,
    )
