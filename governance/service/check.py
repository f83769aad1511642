"""The check part of the service: `meshgov check`, the shift-left gate a domain team runs in CI.

One product, not yet registered, is judged against the policies exactly as `meshgov
evaluate` would judge it: its descriptor and contracts are registered into a throwaway
SQLite store together with the evidence given on the command line (and what the
descriptor declares), then facts, SLOs, policies and the score are computed by the same
code. The gate fails (exit 1) when an enforced blocker fails.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors.runner import run_sources
from collectors.sources import Source
from governance.config import Workspace
from governance.descriptors import classify
from governance.engine.scoring import ScoringConfig
from governance.errors import CheckSetupError
from governance.model.results import HealthScore, PolicyResult
from governance.model.vocabulary import VIOLATION_OUTCOMES
from governance.service.collection import Collection
from governance.service.context import MeshContext
from governance.service.evaluation import Evaluation, EvaluationReport, evaluate_mesh
from governance.service.registration import YAML_SUFFIXES, register_paths
from governance.store import Store


@dataclass(frozen=True)
class CheckOutcome:
    """The gate's verdict on one product."""

    product_id: str
    results: list[PolicyResult]
    score: HealthScore
    evidence_refusals: list[str]
    policy_refusals: list[str]

    @property
    def blocking(self) -> list[PolicyResult]:
        """Enforced blockers that fail (or cannot be evaluated): these fail the gate."""
        return [
            r
            for r in self.results
            if r.enforced and r.severity == "blocker" and r.outcome in VIOLATION_OUTCOMES
        ]

    @property
    def passed(self) -> bool:
        """True when no enforced blocker fails."""
        return not self.blocking


def parse_evidence(argument: str) -> tuple[str, Path]:
    """`TYPE=PATH` (a collector type and a file, folder or glob), or a bare PATH (GX)."""
    kind, sep, path = argument.partition("=")
    if not sep:
        return "great_expectations", Path(argument)
    if not kind or not path:
        raise CheckSetupError(f"--evidence {argument!r}: expected TYPE=PATH or PATH")
    return kind, Path(path)


def check_product(
    descriptor: Path,
    evidence: Sequence[tuple[str, Path]],
    policy_roots: Sequence[Path],
    config: ScoringConfig,
    contracts: Sequence[Path] = (),
    now: datetime | None = None,
) -> CheckOutcome:
    """Judge one unregistered product; nothing is written outside a temporary folder."""
    if not descriptor.is_file():
        raise CheckSetupError(f"{descriptor}: no such descriptor file")
    # Evidence the descriptor declares is relative to it, wherever the command runs.
    descriptor = descriptor.resolve()
    with tempfile.TemporaryDirectory(prefix="meshgov-check-") as scratch:
        store = Store(f"sqlite:///{Path(scratch) / 'check.db'}")
        try:
            store.init()
            product_id = _register(store, descriptor, contracts)
            refusals = _collect(store, descriptor, product_id, evidence)
            report = evaluate_mesh(store, policy_roots, config, now)
        finally:
            store.dispose()
    return _outcome(report, product_id, refusals)


class Check:
    """The check part of MeshgovService: the gate, with the workspace's policies and scoring."""

    def __init__(self, context: MeshContext, evaluation: Evaluation) -> None:
        self._context = context
        self._evaluation = evaluation

    def run(
        self,
        descriptor: Path,
        evidence: Sequence[tuple[str, Path]],
        *,
        contracts: Sequence[Path] = (),
        policy_roots: Sequence[Path] | None = None,
        now: datetime | None = None,
    ) -> CheckOutcome:
        """Judge one unregistered product against `policy_roots` (default: the workspace's)."""
        roots = list(policy_roots) if policy_roots else self._context.policy_roots()
        config = self._evaluation.scoring_config()
        return check_product(descriptor, evidence, roots, config, contracts, now)


def _register(store: Store, descriptor: Path, contracts: Sequence[Path]) -> str:
    # The product's own contracts usually sit beside or below its descriptor.
    found = [
        p
        for p in sorted(descriptor.parent.rglob("*"))
        if p.suffix.lower() in YAML_SUFFIXES and p.is_file() and p != descriptor
    ]
    siblings = [p for p in found if classify(p).kind == "DataContract"]
    report = register_paths(store, [descriptor, *siblings, *contracts])
    mine = [e for e in report.refused if Path(e.path).resolve() == descriptor.resolve()]
    if mine or not (report.registered or report.unchanged):
        problems = "; ".join(str(e) for e in (mine or report.refused)) or "not a DataProduct"
        raise CheckSetupError(f"{descriptor}: cannot be registered: {problems}")
    return (report.registered or report.unchanged)[0]


def _collect(
    store: Store, descriptor: Path, product_id: str, evidence: Sequence[tuple[str, Path]]
) -> list[str]:
    workspace = Workspace(root=descriptor.parent, db_url=store.url)
    declared = Collection(MeshContext(workspace, store)).sources()
    # Paths on the command line are relative to where the command runs, not the descriptor.
    given = [
        Source(kind, str(path.resolve()), product_id, {}, "command line") for kind, path in evidence
    ]
    report = run_sources(store, [*declared, *given], base=descriptor.parent)
    refusals = [f"{s.source.location}: {s.error}" for s in report.sources if s.error]
    refusals += [
        f"{o.path}: {o.reason}"
        for s in report.sources
        for o in s.outcomes
        if o.status in ("refused", "partial")
    ]
    return refusals


def _outcome(report: EvaluationReport, product_id: str, refusals: list[str]) -> CheckOutcome:
    return CheckOutcome(
        product_id=product_id,
        results=report.results[product_id],
        score=report.scores[product_id],
        evidence_refusals=refusals,
        policy_refusals=report.refusals,
    )


def as_json(outcome: CheckOutcome) -> dict[str, Any]:
    """The verdict as JSON: pass/fail, score, and every policy result."""
    return {
        "product": outcome.product_id,
        "passed": outcome.passed,
        "blocking": [r.policy_id for r in outcome.blocking],
        "score": outcome.score.as_dict(),
        "results": [
            {
                "policy_id": r.policy_id,
                "outcome": r.outcome,
                "severity": r.severity,
                "level": r.level,
                "lifecycle": r.lifecycle,
                "message": r.message,
            }
            for r in outcome.results
        ],
        "evidence_refusals": outcome.evidence_refusals,
        "policy_refusals": outcome.policy_refusals,
    }


def as_junit(outcome: CheckOutcome) -> str:
    """JUnit XML: one test case per policy; enforced failures fail, the rest are skipped."""
    cases = ET.Element("testsuite", name=f"meshgov policies: {outcome.product_id}")
    failures = errors = skipped = 0
    for r in outcome.results:
        case = ET.SubElement(
            cases, "testcase", classname=f"meshgov.{r.level}.{r.severity}", name=r.policy_id
        )
        if r.outcome == "not_applicable" or (r.outcome == "fail" and not r.enforced):
            ET.SubElement(case, "skipped", message=f"{r.outcome} ({r.lifecycle}): {r.message}")
            skipped += 1
        elif r.outcome == "fail":
            ET.SubElement(case, "failure", message=r.message, type=r.severity).text = r.message
            failures += 1
        elif r.outcome == "error":
            ET.SubElement(case, "error", message=r.message).text = r.message
            errors += 1
    cases.set("tests", str(len(outcome.results)))
    cases.set("failures", str(failures))
    cases.set("errors", str(errors))
    cases.set("skipped", str(skipped))
    suites = ET.Element("testsuites")
    suites.append(cases)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
