"""The runner: reads sources, hands each file to its collector, writes what comes back.

- Incremental: a file whose size and mtime (or, for a URL, ETag/Last-Modified) match its
  watermark is not read; a file read again with the same content hash is not parsed.
- Batched: records of many files are written in one transaction; if the store refuses a
  batch, its files are written one by one so that only the offending file is refused.
- Isolated: a bad file, a failing collector or an unreachable URL is recorded with its
  reason and the run goes on. Every source gets a collector_runs row, every file a
  collector_files row (unchanged files are only counted).
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from collectors import SourceContext, get_collector
from collectors.batch import BATCH_RECORDS, Batch, Pending, RunReport, SourceReport
from collectors.fetch import fetch
from collectors.parse_worker import (
    PIPELINE_MIN_FILES,
    FileResult,
    FileTask,
    parse_content,
    pipelined,
    take_file,
)
from collectors.sources import Shard, Source, expand
from governance.descriptors import sha256_of
from governance.errors import FetchError, UnknownCollector
from governance.model.records import ProductDirectory
from governance.store import Store
from governance.store.read.directory import build_directory
from governance.store.schema.types import utcnow
from governance.store.write.collector_log import (
    FileOutcome,
    Watermark,
    load_watermarks,
)
from governance.telemetry import collector_instruments, tracer

__all__ = ["Progress", "RunReport", "SourceReport", "run_sources"]

Progress = Callable[[str, int], None]  # (event, amount): "files" adds to the total, "done" advances


def run_sources(
    store: Store,
    sources: Sequence[Source],
    *,
    shard: Shard | None = None,
    base: Path | None = None,
    progress: Progress | None = None,
    pipeline: bool | None = None,
    batch_records: int = BATCH_RECORDS,
) -> RunReport:
    """Collect every source (this shard's files of it); never stops at a bad one.

    `pipeline`: parse in a worker process (True), in this one (False), or decide (None:
    SQLite, at least PIPELINE_MIN_FILES files and two cores). `batch_records`: records
    per transaction (meshgov.yaml `collect.batch_records`).

    Sources are planned first (watermarks loaded, folders expanded), then their files are
    taken in order. Into SQLite, a large run parses in a worker process while this one
    writes (collectors/parse_worker.py); results are handled in the same order either way.
    """
    shard = shard or Shard()
    report = RunReport(run_id=str(uuid.uuid4()))
    batch = Batch(store, report.run_id, batch_records)
    collected_at = utcnow()
    with store.read() as connection:
        directory = build_directory(connection)
    with _bulk_allocation(), tracer().start_as_current_span("meshgov.collect.run") as span:
        span.set_attribute("meshgov.sources", len(sources))
        span.set_attribute("meshgov.shard", f"{shard.index}/{shard.count}")
        runs = [
            _SourceRun(store, source, directory, shard, base, progress, batch) for source in sources
        ]
        for run in runs:
            run.plan()
        tasks = [task for run in runs for task in run.tasks]
        if pipeline is None:
            pipeline = (
                store.backend == "sqlite" and len(tasks) >= PIPELINE_MIN_FILES and _cores() > 1
            )
        if pipeline and store.backend != "sqlite":
            raise ValueError("the parse pipeline hands over SQLite rows: SQLite stores only")
        if pipeline:
            results: Iterator[FileResult] = pipelined(tasks, directory, collected_at)
        else:
            results = (take_file(task, directory) for task in tasks)
        try:
            for run in runs:
                run.take_all(results)
                report.sources.append(run.result)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()  # stops the worker process, if there is one
        batch.flush()
        span.set_attribute("meshgov.records_new", report.records_new)
    return report


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Fewer garbage collections while a run allocates millions of short-lived objects.

    Parsed records hold no reference cycles, yet every 700 allocations CPython's collector
    would walk the whole pending batch again: a fifth of a large collect's time
    (benchmarks/README.md). Objects that existed before the run are frozen out of the
    walks, and the young generation is collected every 100,000 allocations instead.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


class _SourceRun:
    """One source: planned (watermarks, files), then its files taken and its run logged."""

    def __init__(
        self,
        store: Store,
        source: Source,
        directory: ProductDirectory,
        shard: Shard,
        base: Path | None,
        progress: Progress | None,
        batch: Batch,
    ) -> None:
        self.store, self.source, self.directory = store, source, directory
        self.shard, self.base, self.progress, self.batch = shard, base, progress, batch
        self.result = SourceReport(source)
        self.product_key = source.product or ""
        self.tasks: list[FileTask] = []
        self.urls: list[str] = []
        self.started = utcnow()
        self.span = tracer().start_span("meshgov.collect.source")
        self.span.set_attribute("meshgov.collector", source.collector)
        self.span.set_attribute("meshgov.source", source.location)

    def plan(self) -> None:
        """Load the watermarks and list this shard's files (or the URL); errors are the source's."""
        try:
            self.collector = get_collector(self.source.collector)
            with self.store.read() as connection:
                self.watermarks = load_watermarks(connection, self.collector.name, self.product_key)
            if self.source.is_url:
                targets: list[str] = [self.source.location]
            else:
                suffixes = getattr(self.collector, "file_suffixes", (".json",))
                targets = [str(t) for t in expand(self.source, suffixes, self.base)]
        except (UnknownCollector, OSError, FetchError) as exc:
            self.result.error = str(exc)
            return
        except Exception as exc:  # one failing collector must not stop the other sources
            self.result.error = (
                f"collector {self.source.collector} failed: {type(exc).__name__}: {exc}"
            )
            return
        targets = [t for t in targets if self.shard.owns(self.collector.name, t)]
        if self.source.is_url:
            self.urls = targets
        else:
            companions = dict(getattr(self.collector, "companions", {}))
            self.tasks = [
                FileTask(
                    self.collector.name,
                    target,
                    self.watermarks.get(target),
                    self.source.product,
                    self._relative(target),
                    dict(self.source.options),
                    companions,
                )
                for target in targets
            ]
        if self.progress:
            self.progress("files", len(targets))

    def take_all(self, results: Iterator[FileResult]) -> None:
        """Take this source's files (their results come next from `results`), then log it."""
        with trace.use_span(self.span, end_on_exit=False):
            try:
                for url in self.urls:
                    self._accept(url, lambda url=url: self._fetch(url))
                for task in self.tasks:
                    self._accept(task.path, lambda: next(results))
            except FetchError as exc:
                self.result.error = str(exc)
            except Exception as exc:  # one failing collector must not stop the other sources
                self.result.error = (
                    f"collector {self.source.collector} failed: {type(exc).__name__}: {exc}"
                )
        if self.result.error:
            self.span.set_status(Status(StatusCode.ERROR, self.result.error))
            collector_instruments().refusals.add(
                1, {"collector": self.source.collector, "kind": "source"}
            )
        self.batch.source_done(self.result, self.started)
        self.span.end()

    def _accept(self, shown: str, take: Callable[[], FileResult]) -> None:
        with tracer().start_as_current_span("meshgov.collect.file") as span:
            span.set_attribute("meshgov.file", shown)
            result = take()
            collector_instruments().duration.record(
                result.seconds, {"collector": self.collector.name}
            )
        self.batch.add(
            Pending(
                self.result,
                self.collector.name,
                self.product_key,
                result.outcome.path,
                result.outcome,
                result.records,
                result.keys,
                result.mark,
                result.prepared,
            )
        )
        if self.progress:
            self.progress("done", 1)

    def _fetch(self, url: str) -> FileResult:
        """Scrape a URL (conditional request); parse what changed."""
        started = time.perf_counter()
        previous = self.watermarks.get(url)
        fetched = fetch(
            url,
            etag=previous.etag if previous else None,
            last_modified=previous.last_modified if previous else None,
            options=dict(self.source.options),
        )
        if fetched.content is None and previous:
            outcome = FileOutcome(url, "unchanged", content_sha256=previous.content_sha256)
            return FileResult(outcome, None, seconds=time.perf_counter() - started)
        content = fetched.content or b""
        digest = sha256_of(content)
        mark = Watermark(len(content), None, digest, fetched.etag, fetched.last_modified)
        if previous and previous.content_sha256 == digest:
            outcome = FileOutcome(url, "unchanged", content_sha256=digest)
            return FileResult(outcome, mark, seconds=time.perf_counter() - started)
        context = SourceContext(
            path=url,
            product_id=self.source.product,
            relative_path=url,
            directory=self.directory,
            options=dict(self.source.options),
            fetched_at=utcnow(),
        )
        result = parse_content(self.collector.name, content, context, digest, mark)
        result.seconds = time.perf_counter() - started
        return result

    def _relative(self, shown: str) -> str:
        """The file's path inside its source folder (collectors read layouts from it)."""
        if not hasattr(self, "_folder"):
            location = Path(self.source.location)
            if self.base is not None and not location.is_absolute():
                location = self.base / location
            self._folder = str(location) + os.sep if location.is_dir() else None
        if self._folder and shown.startswith(self._folder):
            return Path(shown[len(self._folder) :]).as_posix()
        return shown
