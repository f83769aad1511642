"""The facade every front end calls: the CLI, the app and the tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from collectors import get_collector
from collectors.batch import BATCH_RECORDS
from collectors.runner import Progress, RunReport, run_sources
from collectors.sources import Shard, Source, descriptor_sources
from governance.config import Workspace, configured_sources, resolve_workspace
from governance.engine.policies import DEFAULT_POLICY_RULES, PolicyPack, load_pack, policy_rows
from governance.engine.scoring import ScoringConfig
from governance.errors import NotEvaluated, UnknownProduct, WorkspaceError
from governance.service import ledger
from governance.service.board import SYSTEM_ACTOR, BoardActions
from governance.service.evaluation import EvaluationReport, evaluate_mesh
from governance.service.registration import RegistrationReport, register_paths
from governance.store import Store
from governance.store.read import judgements, overview_queries, read_models
from governance.store.read.exports import EXPORTS
from governance.store.schema.tables import products as products_table

T = TypeVar("T")
TREND_DAYS = 90  # how far back the overview's trends look, so pages cost the same at any age


@dataclass(frozen=True)
class MeshOverview:
    """What the mesh overview page shows."""

    domains: list[dict[str, Any]]
    products: list[dict[str, Any]]  # registry rows + quality figure
    daily_pass_rate: list[dict[str, Any]]  # per domain and day: domain_id, day, checks, passed


@dataclass(frozen=True)
class ProductDetail:
    """What the product page shows."""

    product: dict[str, Any]
    ports: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    lineage: dict[str, list[dict[str, Any]]]
    checks: list[dict[str, Any]]  # every check of each suite's latest run
    daily_pass_rate: list[dict[str, Any]]
    quality: read_models.QualityFigure


class MeshgovService(BoardActions):
    """One workspace's store, and everything people do with it."""

    def __init__(self, workspace: Workspace, store: Store | None = None) -> None:
        self.workspace = workspace
        self.store = store or Store(workspace.db_url)

    @classmethod
    def open(cls, workspace: Path | str | None = None) -> MeshgovService:
        """The service for a workspace (argument, MESHGOV_WORKSPACE, or the current folder)."""
        return cls(resolve_workspace(workspace))

    def init(self) -> tuple[str | None, str]:
        """Create or upgrade the store."""
        return self.store.init()

    def register(self, paths: Sequence[Path], actor: str = SYSTEM_ACTOR) -> RegistrationReport:
        """Register ODPS descriptors and ODCS contracts found under `paths`; log what changed."""
        self.store.check_ready()
        report = register_paths(self.store, paths)
        if report.registered or report.contracts_written:
            with self.store.begin() as connection:
                for product_id in report.registered:
                    ledger.append(
                        connection,
                        actor=actor,
                        action="product.registered",
                        subject=f"product:{product_id}",
                        payload={"paths": [str(p) for p in paths]},
                    )
                for contract in report.contracts_written:
                    ledger.append(
                        connection,
                        actor=actor,
                        action="contract.registered",
                        subject=f"contract:{contract}",
                    )
        return report

    def collect(
        self,
        collector_name: str,
        paths: Sequence[Path | str],
        product_id: str | None = None,
        *,
        options: dict[str, Any] | None = None,
        progress: Progress | None = None,
    ) -> RunReport:
        """Collect files, folders, globs or URLs with one collector, ad hoc."""
        self.store.check_ready()
        get_collector(collector_name)  # an unknown type is a usage error, not a failed source
        if product_id is not None:
            self._require_product(product_id)
        sources = [
            Source(collector_name, str(path), product_id, options or {}, "command line")
            for path in paths
        ]
        return run_sources(self.store, sources, progress=progress)

    def sources(self) -> list[Source]:
        """Every configured source: meshgov.yaml's, then those product descriptors declare."""
        configured = [
            Source(c.type, c.location, c.product, c.options, "meshgov.yaml")
            for c in configured_sources(self.workspace)
        ]
        with self.store.read() as connection:
            rows = connection.execute(
                select(
                    products_table.c.id,
                    products_table.c.descriptor_path,
                    products_table.c.custom_properties,
                ).order_by(products_table.c.id)
            )
            declared = descriptor_sources(
                (r.id, r.descriptor_path, r.custom_properties) for r in rows
            )
        return configured + declared

    def collect_configured(
        self, *, shard: Shard | None = None, progress: Progress | None = None
    ) -> RunReport:
        """Collect every configured source (only this shard's files with `shard`)."""
        self.store.check_ready()
        return run_sources(
            self.store,
            self.sources(),
            shard=shard,
            base=self.workspace.root,
            progress=progress,
            batch_records=self._batch_records(),
        )

    def _batch_records(self) -> int:
        """Records per collect transaction: meshgov.yaml `collect.batch_records` (50,000)."""
        collect = self.workspace.settings.get("collect") or {}
        value = collect.get("batch_records", BATCH_RECORDS) if isinstance(collect, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise WorkspaceError(
                f"{self.workspace.config_file}: collect.batch_records: expected a positive "
                f"integer (records per transaction), got {value!r}"
            )
        return value

    def products(self, domain: str | None = None) -> list[dict[str, Any]]:
        """Registered products with their ports."""
        with self.store.read() as connection:
            return read_models.list_products(connection, domain)

    def export(self, kind: str, product_id: str | None = None) -> list[dict[str, Any]]:
        """Evidence of one kind (checks, runs, logs, audit, lineage, slos), one dict per row."""
        if kind not in EXPORTS:
            raise ValueError(f"unknown export {kind!r}; choose from {', '.join(EXPORTS)}")
        if product_id is not None:
            self._require_product(product_id)
        with self.store.read() as connection:
            return EXPORTS[kind](connection, product_id)

    def export_checks(self, product_id: str | None = None) -> list[dict[str, Any]]:
        """Normalised check results, one dict per result."""
        return self.export("checks", product_id)

    def collector_log(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The collector run log."""
        with self.store.read() as connection:
            return read_models.collector_run_log(connection, run_id)

    def overview(self) -> MeshOverview:
        """Domains, products with their quality figure, and the pass-rate trend."""
        with self.store.read() as connection:
            figures = read_models.quality_figures(connection)
            rows = read_models.list_products(connection)
            for row in rows:
                figure = figures[row["id"]]
                row["pass_rate"] = figure.pass_rate
                row["checks"] = figure.checks
                row["last_evidence"] = figure.last_day
            return MeshOverview(
                domains=read_models.list_domains(connection),
                products=rows,
                daily_pass_rate=overview_queries.check_trend(connection, TREND_DAYS),
            )

    def product_detail(self, product_id: str) -> ProductDetail:
        """Everything the product page shows about one product."""
        with self.store.read() as connection:
            product = read_models.product_row(connection, product_id)
            if product is None:
                raise UnknownProduct(f"no product {product_id!r} is registered")
            return ProductDetail(
                product=product,
                ports=read_models.product_ports(connection, product_id),
                contracts=read_models.product_contracts(connection, product_id),
                lineage=read_models.product_lineage(connection, product_id),
                checks=read_models.latest_run_checks(connection, product_id),
                daily_pass_rate=read_models.daily_pass_rate(connection, product_id),
                quality=read_models.quality_figures(connection)[product_id],
            )

    # --- governance engine --------------------------------------------------------------

    def policy_roots(self) -> list[Path]:
        """Where policies come from: meshgov.yaml `policy_rules:`, ./policy_rules, or the default pack."""
        configured = self.workspace.settings.get("policy_rules")
        if configured:
            paths = configured if isinstance(configured, list) else [configured]
            return [self.workspace.root / str(p) for p in paths]
        local = self.workspace.root / "policy_rules"
        return [local] if local.is_dir() else [DEFAULT_POLICY_RULES / "global"]

    def scoring_config(self) -> ScoringConfig:
        """Weights, cap and grades from meshgov.yaml `scoring:`."""
        try:
            return ScoringConfig.from_settings(self.workspace.settings.get("scoring"))
        except ValueError as exc:
            raise WorkspaceError(f"{self.workspace.config_file}: {exc}") from exc

    def evaluate(self, now: datetime | None = None) -> EvaluationReport:
        """Facts → SLOs → policies → scores → snapshots, then the review queue's triggers."""
        self.store.check_ready()
        report = evaluate_mesh(self.store, self.policy_roots(), self.scoring_config(), now)
        report.review = self.sync_queue(report.as_of)
        return report

    def backfill(self, days: int, now: datetime | None = None) -> list[EvaluationReport]:
        """Evaluate as of the end of each of the `days` days before today, for trends.

        Meant for a mesh that adopts meshgov with evidence already collected: the snapshots
        of past days appear as if meshgov had run then. The review queue is left alone; it
        follows the present, which `evaluate` judges.
        """
        self.store.check_ready()
        if days < 1:
            raise ValueError("--backfill needs a number of days of at least 1")
        today = (now or datetime.now(UTC)).date()
        reports = []
        for back in range(days, 0, -1):
            end = datetime.combine(today - timedelta(days=back), time.max, tzinfo=UTC)
            reports.append(
                evaluate_mesh(self.store, self.policy_roots(), self.scoring_config(), end)
            )
        return reports

    def policy_pack(self) -> PolicyPack:
        """The policies in force, with any files that were refused."""
        return load_pack(self.policy_roots())

    def policy_overview(self) -> list[dict[str, Any]]:
        """Every policy with scope, severity, level, lifecycle and its pass rate."""
        pack = self.policy_pack()
        with self.store.read() as connection:
            results = judgements.latest_policy_results(connection)
        return policy_rows(pack, results)

    def explain(self, product_id: str) -> dict[str, Any]:
        """A product's score, dimension by dimension, with the evidence and policies behind it."""
        self._require_product(product_id)
        with self.store.read() as connection:
            scores = judgements.latest_scores(connection, product_id)
            if not scores:
                raise NotEvaluated("nothing evaluated yet: run `meshgov evaluate` first")
            return {
                "score": scores[0]["explanation"],
                "day": scores[0]["day"],
                "policies": judgements.latest_policy_results(connection, product_id),
                "slos": judgements.latest_slo_status(connection, product_id),
                "facts": judgements.latest_facts(connection, product_id),
            }

    def read_model(self, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a read model (a function of a connection, from governance/store/) on the store."""
        with self.store.read() as connection:
            return query(connection, *args, **kwargs)

    def _require_product(self, product_id: str) -> None:
        with self.store.read() as connection:
            found = connection.scalar(
                select(products_table.c.id).where(products_table.c.id == product_id)
            )
        if found is None:
            raise UnknownProduct(
                f"no product {product_id!r} is registered; run `meshgov register` first "
                "or check `meshgov export products`"
            )
