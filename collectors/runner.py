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
from datetime import UTC, datetime
from pathlib import Path

from opentelemetry.trace import Status, StatusCode

from collectors import (
    Collector,
    CollectorParseError,
    NotEvidence,
    Parsed,
    SourceContext,
    UnknownCollector,
    get_collector,
)
from collectors.batch import Batch, Pending, RunReport, SourceReport
from collectors.fetch import FetchError, fetch
from collectors.sources import Shard, Source, expand
from governance.descriptors import sha256_of
from governance.model import ProductDirectory, Record
from governance.store import Store
from governance.store.collector_log import (
    FileOutcome,
    Watermark,
    load_watermarks,
)
from governance.store.directory import build_directory
from governance.store.evidence import record_key
from governance.store.types import utcnow
from governance.telemetry import collector_instruments, tracer

MAX_PROBLEMS_SHOWN = 5


__all__ = ["Progress", "RunReport", "SourceReport", "run_sources"]

Progress = Callable[[str, int], None]  # (event, amount): "files" adds to the total, "done" advances


def run_sources(
    store: Store,
    sources: Sequence[Source],
    *,
    shard: Shard | None = None,
    base: Path | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Collect every source (this shard's files of it); never stops at a bad one."""
    shard = shard or Shard()
    report = RunReport(run_id=str(uuid.uuid4()))
    batch = Batch(store, report.run_id)
    with store.read() as connection:
        directory = build_directory(connection)
    with _bulk_allocation(), tracer().start_as_current_span("meshgov.collect.run") as span:
        span.set_attribute("meshgov.sources", len(sources))
        span.set_attribute("meshgov.shard", f"{shard.index}/{shard.count}")
        for source in sources:
            report.sources.append(
                _run_source(store, source, directory, shard, base, batch, progress)
            )
        batch.flush()
        span.set_attribute("meshgov.records_new", report.records_new)
    return report


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


def _run_source(
    store: Store,
    source: Source,
    directory: ProductDirectory,
    shard: Shard,
    base: Path | None,
    batch: Batch,
    progress: Progress | None,
) -> SourceReport:
    started = utcnow()
    result = SourceReport(source)
    with tracer().start_as_current_span("meshgov.collect.source") as span:
        span.set_attribute("meshgov.collector", source.collector)
        span.set_attribute("meshgov.source", source.location)
        try:
            collector = get_collector(source.collector)
            _SourceRun(
                store, collector, source, directory, shard, base, result, progress, batch
            ).run()
        except (UnknownCollector, OSError, FetchError) as exc:
            result.error = str(exc)
        except Exception as exc:  # one failing collector must not stop the other sources
            result.error = f"collector {source.collector} failed: {type(exc).__name__}: {exc}"
        if result.error:
            span.set_status(Status(StatusCode.ERROR, result.error))
            collector_instruments().refusals.add(
                1, {"collector": source.collector, "kind": "source"}
            )
        batch.source_done(result, started)
    return result


class _SourceRun:
    """The files of one source, read, parsed and written in batches."""

    def __init__(
        self,
        store: Store,
        collector: Collector,
        source: Source,
        directory: ProductDirectory,
        shard: Shard,
        base: Path | None,
        result: SourceReport,
        progress: Progress | None,
        batch: Batch,
    ) -> None:
        self.store, self.collector, self.source = store, collector, source
        self.directory, self.shard, self.base = directory, shard, base
        self.result, self.progress, self.batch = result, progress, batch
        self.product_key = source.product or ""

    def run(self) -> None:
        with self.store.read() as connection:
            self.watermarks = load_watermarks(connection, self.collector.name, self.product_key)
        if self.source.is_url:
            targets: list[str | Path] = [self.source.location]
        else:
            suffixes = getattr(self.collector, "file_suffixes", (".json",))
            targets = list(expand(self.source, suffixes, self.base))
        targets = [t for t in targets if self.shard.owns(self.collector.name, str(t))]
        if self.progress:
            self.progress("files", len(targets))
        for target in targets:
            with tracer().start_as_current_span("meshgov.collect.file") as span:
                span.set_attribute("meshgov.file", str(target))
                started = time.perf_counter()
                self._take(target)
                collector_instruments().duration.record(
                    time.perf_counter() - started, {"collector": self.collector.name}
                )
            if self.progress:
                self.progress("done", 1)

    def _take(self, target: str | Path) -> None:
        """Read and parse one file or URL; its records join the pending batch."""
        if isinstance(target, str):
            outcome, content, mark = self._fetch(target)
        else:
            outcome, content, mark = self._read(target)
        if content is None:
            self._finish(outcome, mark if outcome.status == "unchanged" else None)
            return
        self._parse(outcome.path, content, mark)

    def _read(self, path: Path) -> tuple[FileOutcome, bytes | None, Watermark | None]:
        shown = str(path)
        try:
            stat = path.stat()
            previous = self.watermarks.get(shown)
            if previous and (previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                return (
                    FileOutcome(shown, "unchanged", content_sha256=previous.content_sha256),
                    None,
                    None,
                )
            content = path.read_bytes() + self._companions(path)
        except FileNotFoundError:
            return FileOutcome(shown, "refused", "no such file or folder"), None, None
        except OSError as exc:
            return FileOutcome(shown, "refused", f"cannot read: {exc.strerror or exc}"), None, None
        digest = sha256_of(content)
        mark = Watermark(stat.st_size, stat.st_mtime_ns, digest)
        # A file's evidence is as of when it was written, not when meshgov read it.
        self.read_time = datetime.fromtimestamp(stat.st_mtime, UTC)
        if previous and previous.content_sha256 == digest:
            # Touched but not changed: remember the new mtime, do not parse again.
            return FileOutcome(shown, "unchanged", content_sha256=digest), None, mark
        return FileOutcome(shown, "ok", content_sha256=digest), content, mark

    def _companions(self, path: Path) -> bytes:
        """Sibling files a collector reads together with this one (dbt's manifest.json)."""
        companions = getattr(self.collector, "companions", {})
        self.companion_bytes = {
            key: (path.parent / name).read_bytes()
            for name, key in companions.items()
            if (path.parent / name).is_file()
        }
        # Their bytes count in the content hash: a changed manifest re-reads run_results.
        return b"".join(self.companion_bytes.values())

    def _fetch(self, url: str) -> tuple[FileOutcome, bytes | None, Watermark | None]:
        previous = self.watermarks.get(url)
        fetched = fetch(
            url,
            etag=previous.etag if previous else None,
            last_modified=previous.last_modified if previous else None,
            options=dict(self.source.options),
        )
        if fetched.content is None and previous:
            return FileOutcome(url, "unchanged", content_sha256=previous.content_sha256), None, None
        content = fetched.content or b""
        digest = sha256_of(content)
        mark = Watermark(len(content), None, digest, fetched.etag, fetched.last_modified)
        if previous and previous.content_sha256 == digest:
            return FileOutcome(url, "unchanged", content_sha256=digest), None, mark
        self.companion_bytes = {}
        self.read_time = utcnow()
        return FileOutcome(url, "ok", content_sha256=digest), content, mark

    def _parse(self, shown: str, content: bytes, mark: Watermark | None) -> None:
        if not self.source.is_url:
            content = content[: len(content) - sum(len(b) for b in self.companion_bytes.values())]
        options = dict(self.source.options)
        if self.companion_bytes:
            options["companions"] = self.companion_bytes
        context = SourceContext(
            path=shown,
            product_id=self.source.product,
            relative_path=self._relative(shown),
            directory=self.directory,
            options=options,
            fetched_at=self.read_time,
        )
        digest = mark.content_sha256 if mark else None
        try:
            parsed = self.collector.parse(content, context)
        except NotEvidence as exc:
            self._finish(FileOutcome(shown, "skipped", str(exc), content_sha256=digest), mark)
            return
        except CollectorParseError as exc:
            outcome = FileOutcome(shown, "refused", exc.reason, exc.position, digest)
            self._finish(outcome, None)
            return
        except Exception as exc:  # a collector bug must not sink the batch; record it instead
            reason = f"collector {self.collector.name} failed: {type(exc).__name__}: {exc}"
            self._finish(FileOutcome(shown, "refused", reason, content_sha256=digest), None)
            return
        records, problems = (
            (parsed.records, parsed.problems) if isinstance(parsed, Parsed) else (parsed, [])
        )
        outcome = FileOutcome(shown, "ok", content_sha256=digest, records_read=len(records))
        if problems:
            shown_problems = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
            more = len(problems) - MAX_PROBLEMS_SHOWN
            reason = shown_problems + (f"; and {more} more" if more > 0 else "")
            status = "partial" if records else "refused"
            outcome = FileOutcome(shown, status, reason, problems[0].position, digest, len(records))
        keys = [record_key(r) for r in records]
        self.batch.add(self._pending(outcome, records, keys, mark))

    def _pending(
        self, outcome: FileOutcome, records: list[Record], keys: list[str], mark: Watermark | None
    ) -> Pending:
        return Pending(
            self.result,
            self.collector.name,
            self.product_key,
            outcome.path,
            outcome,
            records,
            keys,
            mark,
        )

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

    def _finish(self, outcome: FileOutcome, mark: Watermark | None) -> None:
        """A file with nothing to write: log it (and its watermark) with the next flush."""
        self.batch.add(self._pending(outcome, [], [], mark))
