"""The collection part of the service: evidence collected from files, folders, globs and URLs.

A source is configured in meshgov.yaml or declared by a product's descriptor, or named ad hoc
on the command line; the collectors (collectors/) read it and the runner writes what they
found (collectors/runner.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from collectors import get_collector
from collectors.batch import BATCH_RECORDS
from collectors.runner import Progress, RunReport, run_sources
from collectors.sources import Shard, Source, descriptor_sources
from governance.config import configured_sources
from governance.errors import WorkspaceError
from governance.service.context import MeshContext
from governance.store.read.registry_queries import descriptor_rows


class Collection:
    """The collection part of MeshgovService: the sources, and collecting them."""

    def __init__(self, context: MeshContext) -> None:
        self._context = context
        self._store = context.store

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
        self._store.check_ready()
        get_collector(collector_name)  # an unknown type is a usage error, not a failed source
        if product_id is not None:
            self._context.require_product(product_id)
        sources = [
            Source(collector_name, str(path), product_id, options or {}, "command line")
            for path in paths
        ]
        return run_sources(self._store, sources, progress=progress)

    def sources(self) -> list[Source]:
        """Every configured source: meshgov.yaml's, then those product descriptors declare."""
        configured = [
            Source(c.type, c.location, c.product, c.options, "meshgov.yaml")
            for c in configured_sources(self._context.workspace)
        ]
        with self._store.read() as connection:
            declared = descriptor_sources(descriptor_rows(connection))
        return configured + declared

    def collect_configured(
        self, *, shard: Shard | None = None, progress: Progress | None = None
    ) -> RunReport:
        """Collect every configured source (only this shard's files with `shard`)."""
        self._store.check_ready()
        return run_sources(
            self._store,
            self.sources(),
            shard=shard,
            base=self._context.workspace.root,
            progress=progress,
            batch_records=self._batch_records(),
        )

    def _batch_records(self) -> int:
        """Records per collect transaction: meshgov.yaml `collect.batch_records` (50,000)."""
        workspace = self._context.workspace
        collect = workspace.settings.get("collect") or {}
        value = collect.get("batch_records", BATCH_RECORDS) if isinstance(collect, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise WorkspaceError(
                f"{workspace.config_file}: collect.batch_records: expected a positive "
                f"integer (records per transaction), got {value!r}"
            )
        return value
