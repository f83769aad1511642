"""The facade every front end calls (the CLI, the app and the tests): one MeshgovService.

The service is composed of parts, each a small class in its own module that gets the
workspace and store it works on (a MeshContext) and the other parts it needs, explicitly:
`service.board`, `service.evaluation`, `service.registration`, `service.collection`,
`service.retention`, `service.check`, `service.scaffold`, `service.notify`,
`service.reports`, `service.ledger`, `service.tokens` (ingest tokens),
`service.push` (evidence clients send), `service.digests` (the daily digests) and
`service.incidents`. What the pages read about products stays here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from governance.config import Workspace, resolve_workspace
from governance.errors import UnknownProduct
from governance.service.board import Board
from governance.service.check import Check
from governance.service.collection import Collection
from governance.service.context import MeshContext
from governance.service.digests import Digests
from governance.service.evaluation import Evaluation
from governance.service.incidents import Incidents
from governance.service.ledger import Ledger
from governance.service.notify import Notify
from governance.service.push import Push
from governance.service.registration import Registration
from governance.service.reports import Reports
from governance.service.retention import Retention
from governance.service.scaffold import Scaffold
from governance.service.tokens import Tokens
from governance.store import Store
from governance.store.read import overview_queries, read_models
from governance.store.read.exports import EXPORTS

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


class MeshgovService:
    """One workspace's store, and everything people do with it, part by part."""

    def __init__(self, workspace: Workspace, store: Store | None = None) -> None:
        self.workspace = workspace
        self.store = store or Store(workspace.db_url)
        self.context = MeshContext(workspace, self.store)
        self.notify = Notify(self.context)
        self.ledger = Ledger(self.context)
        self.board = Board(self.context, self.notify)
        self.reports = Reports(self.context, self.board)
        self.incidents = Incidents(self.context)
        self.evaluation = Evaluation(self.context, self.board, self.incidents)
        self.check = Check(self.context, self.evaluation)
        self.registration = Registration(self.context)
        self.collection = Collection(self.context)
        self.retention = Retention(self.context)
        self.scaffold = Scaffold()
        self.tokens = Tokens(self.context)
        self.push = Push(self.context)
        self.digests = Digests(self.context, self.board, self.notify)

    @classmethod
    def open(cls, workspace: Path | str | None = None) -> MeshgovService:
        """The service for a workspace (argument, MESHGOV_WORKSPACE, or the current folder)."""
        return cls(resolve_workspace(workspace))

    def init(self) -> tuple[str | None, str]:
        """Create or upgrade the store."""
        return self.store.init()

    def products(self, domain: str | None = None) -> list[dict[str, Any]]:
        """Registered products with their ports."""
        with self.store.read() as connection:
            return read_models.list_products(connection, domain)

    def export(self, kind: str, product_id: str | None = None) -> list[dict[str, Any]]:
        """Evidence of one kind (checks, runs, logs, audit, lineage, slos), one dict per row."""
        if kind not in EXPORTS:
            raise ValueError(f"unknown export {kind!r}; choose from {', '.join(EXPORTS)}")
        if product_id is not None:
            self.context.require_product(product_id)
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

    def read_model(self, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a read model (a function of a connection, from governance/store/) on the store."""
        with self.store.read() as connection:
            return query(connection, *args, **kwargs)
