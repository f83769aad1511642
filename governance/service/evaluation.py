"""The evaluation part of the service: facts → SLOs → policies → scores → snapshots.

`meshgov evaluate` judges the whole mesh: the store is read once in bulk, the pure engine
runs in memory, and everything it concludes is written in one transaction. The part also
explains a score and shows the policy pack in force.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from governance.engine.facts import build_facts
from governance.engine.incidents import incident_causes
from governance.engine.movement import DomainMove, ScoreMove
from governance.engine.policies import (
    PolicyPack,
    evaluate_product,
    load_pack,
    policy_files,
    policy_rows,
)
from governance.engine.policies.sandbox import RunBudget
from governance.engine.scoring import ScoringConfig, score_product
from governance.engine.sli import attach_slos
from governance.errors import NotEvaluated, WorkspaceError
from governance.model.incidents import BURNING_SLO, IncidentCause, failing_checks
from governance.model.results import HealthScore, Judgement, PolicyResult
from governance.service import movement
from governance.service.board import Board
from governance.service.context import MeshContext
from governance.service.incidents import Incidents, IncidentSync
from governance.service.queue_sync import SyncReport
from governance.store import Store
from governance.store.read import judgements as judgement_queries
from governance.store.read import movement_queries
from governance.store.read.fact_queries import read_evidence
from governance.store.schema.types import utcnow
from governance.store.write.judgements import write_evaluation
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
    review: SyncReport | None = None  # the review queue's sync, set by Evaluation.evaluate
    incidents: IncidentSync | None = None  # the incidents' sync, set by Evaluation.evaluate
    # What is wrong now (failing checks, burning SLOs), from the evidence this evaluation read.
    incident_causes: list[IncidentCause] = field(default_factory=list)

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
            evidence = read_evidence(
                connection, now, waivers=judgement_queries.active_waivers(connection)
            )
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
        causes = incident_causes(
            failing_checks(evidence.latest_checks),
            {pid: _burning(document) for pid, document in facts.items()},
            {pid: evidence.products[pid]["domain_id"] for pid in facts},
        )
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
        incident_causes=causes,
    )


def _burning(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The product's SLOs breached or out of budget, as an incident names them."""
    return [
        {
            "slo": s["name"],
            "status": s["status"],
            "error_budget_remaining": s["error_budget_remaining"],
        }
        for s in facts["slos"]
        if s["status"] in BURNING_SLO
    ]


class Evaluation:
    """The evaluation part of MeshgovService: judging the mesh, and showing the judgements."""

    def __init__(self, context: MeshContext, board: Board, incidents: Incidents) -> None:
        self._context = context
        self._store = context.store
        self._board = board
        self._incidents = incidents

    def scoring_config(self) -> ScoringConfig:
        """Weights, cap and grades from meshgov.yaml `scoring:`."""
        workspace = self._context.workspace
        try:
            return ScoringConfig.from_settings(workspace.settings.get("scoring"))
        except ValueError as exc:
            raise WorkspaceError(f"{workspace.config_file}: {exc}") from exc

    def evaluate(self, now: datetime | None = None) -> EvaluationReport:
        """Facts → SLOs → policies → scores → snapshots, then the review queue and incidents."""
        self._store.check_ready()
        roots = self._context.policy_roots()
        report = evaluate_mesh(self._store, roots, self.scoring_config(), now)
        report.review = self._board.sync_queue(report.as_of)
        report.incidents = self._incidents.sync(report.as_of, report.incident_causes)
        return report

    def backfill(self, days: int, now: datetime | None = None) -> list[EvaluationReport]:
        """Evaluate as of the end of each of the `days` days before today, for trends.

        Meant for a mesh that adopts meshgov with evidence already collected: the snapshots
        of past days appear as if meshgov had run then. The review queue is left alone; it
        follows the present, which `evaluate` judges.
        """
        self._store.check_ready()
        if days < 1:
            raise ValueError("--backfill needs a number of days of at least 1")
        today = (now or datetime.now(UTC)).date()
        reports = []
        for back in range(days, 0, -1):
            end = datetime.combine(today - timedelta(days=back), datetime.max.time(), tzinfo=UTC)
            roots = self._context.policy_roots()
            reports.append(evaluate_mesh(self._store, roots, self.scoring_config(), end))
        return reports

    def policy_pack(self) -> PolicyPack:
        """The policies in force, with any files that were refused."""
        return load_pack(self._context.policy_roots())

    def policy_overview(self) -> list[dict[str, Any]]:
        """Every policy with scope, severity, level, lifecycle and its pass rate."""
        pack = self.policy_pack()
        with self._store.read() as connection:
            results = judgement_queries.latest_policy_results(connection)
        return policy_rows(pack, results)

    def explain(self, product_id: str) -> dict[str, Any]:
        """A product's score, dimension by dimension, with the evidence and policies behind it."""
        self._context.require_product(product_id)
        with self._store.read() as connection:
            scores = judgement_queries.latest_scores(connection, product_id)
            if not scores:
                raise NotEvaluated("nothing evaluated yet: run `meshgov evaluate` first")
            return {
                "score": scores[0]["explanation"],
                "day": scores[0]["day"],
                "policies": judgement_queries.latest_policy_results(connection, product_id),
                "slos": judgement_queries.latest_slo_status(connection, product_id),
                "facts": judgement_queries.latest_facts(connection, product_id),
            }

    def explain_change(self, product_id: str, since: date, until: date | None = None) -> ScoreMove:
        """Why the product's score moved from `since` to `until` (default: its newest day)."""
        self._context.require_product(product_id)
        return movement.product_move(self._store, product_id, since, until)

    def explain_domain_change(
        self, domain_id: str, since: date, until: date | None = None
    ) -> DomainMove:
        """Why a domain's mean score moved ("*": the mesh's), product by product."""
        return movement.domain_move(self._store, domain_id, since, until)

    def score_days(self, product_id: str | None = None) -> tuple[date, date] | None:
        """The first and the newest day with a score (of the product, or of any)."""
        if product_id is not None:
            self._context.require_product(product_id)
        with self._store.read() as connection:
            return movement_queries.snapshot_days(connection, product_id=product_id)

    def domain_score_days(self, domain_id: str) -> tuple[date, date] | None:
        """The first and the newest day with a score of one of the domain's products."""
        with self._store.read() as connection:
            return movement_queries.snapshot_days(connection, domain_id=domain_id)
