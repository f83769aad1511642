"""Reading and parsing one file, in this process or in a worker process beside the writer.

`take_file` is what the runner does with each local file: compare with its watermark,
read, hash, parse, key. A large collect into SQLite runs it in a worker process while the
main process writes the previous files' rows (a pipeline across two cores). The worker
hands check results over as insert-ready SQLite rows, not records: unpickling a record
costs about as much as parsing it did (benchmarks/README.md).
"""

from __future__ import annotations

import json
import multiprocessing
import stat as file_mode
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from collectors import MAX_REASON_CHARS, Parsed, SourceContext, get_collector, storable
from governance.descriptors import sha256_of
from governance.errors import CollectorParseError, MeshgovError, NotEvidence
from governance.model.records import CheckResult, ProductDirectory, Record
from governance.store.write.collector_log import FileOutcome, Watermark
from governance.store.write.evidence import record_key
from governance.store.write.upsert import sqlite_datetime

MAX_PROBLEMS_SHOWN = 5
MAX_WARNINGS_SHOWN = 10
# Each problem is already at most MAX_REASON_CHARS; their join is bounded as a whole too.
MAX_NOTES_CHARS = 6000
# Files larger than this are refused before they are read (a source's options.max_file_bytes
# overrides it): parsing takes several times a file's size in memory.
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024
# Below this many files a worker process costs more than it saves.
PIPELINE_MIN_FILES = 400
CHUNK_FILES = 8  # files per task handed to the worker: fewer round trips, steady flow
# Enough files ahead to keep the worker busy while the writer commits a whole batch
# (collectors/batch.py flushes every 50,000 records), few enough to bound memory.
IN_FLIGHT_CHUNKS = 500


@dataclass(frozen=True)
class FileTask:
    """One local file of one source, with what the runner knows about it."""

    collector: str
    path: str
    previous: Watermark | None
    product_id: str | None
    relative_path: str
    options: Mapping[str, Any]
    companions: Mapping[str, str] = field(default_factory=dict)  # sibling file -> option key


@dataclass
class PreparedChecks:
    """Check results as SQLite rows for check_results, in CHECK_COLUMNS order."""

    rows: list[tuple[Any, ...]]
    # (product_id, day, source_tool, success) per row, for the daily roll-up
    rollup: list[tuple[str | None, str, str, bool]]


@dataclass
class FileResult:
    """What came of one file: its outcome, watermark, and records (or prepared rows)."""

    outcome: FileOutcome
    mark: Watermark | None
    records: list[Record] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    prepared: PreparedChecks | None = None
    seconds: float = 0.0
    problems: int = 0  # parts refused (events, lines, log records) of a partly read file


CHECK_COLUMNS = (
    "check_key",
    "product_id",
    "port",
    "source_tool",
    "suite",
    "check_name",
    "column_name",
    "success",
    "status",
    "unexpected_count",
    "unexpected_percent",
    "element_count",
    "run_time",
    "source",
    "details",
    "collected_at",
)


def take_file(
    task: FileTask, directory: ProductDirectory, collected_at: datetime | None = None
) -> FileResult:
    """Read and parse one file; with `collected_at`, check results come back as SQLite rows."""
    started = time.perf_counter()
    result = _take(task, directory)
    if collected_at is not None and result.records:
        result = _prepare(result, collected_at)
    result.seconds = time.perf_counter() - started
    return result


def _take(task: FileTask, directory: ProductDirectory) -> FileResult:
    path = Path(task.path)
    shown, previous = task.path, task.previous
    unreadable_name = _unreadable_name(shown)
    if unreadable_name:
        # Not storable as text (nor shown) as it is: refused under a readable spelling.
        shown = shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        outcome = FileOutcome(shown.replace("\0", "\\x00"), "refused", unreadable_name)
        return FileResult(outcome, None)
    try:
        limit = _max_file_bytes(task.options)
        stat = path.stat()
        if previous and (previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            outcome = FileOutcome(shown, "unchanged", content_sha256=previous.content_sha256)
            return FileResult(outcome, None)
        if not file_mode.S_ISREG(stat.st_mode):
            # A FIFO would block the run forever, a device (/dev/zero) never ends.
            reason = "not a regular file (a folder, pipe, socket or device); not read"
            return FileResult(FileOutcome(shown, "refused", reason), None)
        content = _read_at_most(path, limit, "the file")
        companion_bytes = {
            key: _read_at_most(path.parent / name, limit, f"its companion {name}")
            for name, key in task.companions.items()
            if (path.parent / name).is_file()
        }
    except _TooLarge as exc:
        return FileResult(FileOutcome(shown, "refused", str(exc)), None)
    except FileNotFoundError:
        return FileResult(FileOutcome(shown, "refused", "no such file or folder"), None)
    except OSError as exc:
        return FileResult(
            FileOutcome(shown, "refused", f"cannot read: {exc.strerror or exc}"), None
        )
    except ValueError as exc:  # options.max_file_bytes is not a size
        return FileResult(FileOutcome(shown, "refused", str(exc)), None)
    # Companions' bytes count in the content hash: a changed manifest re-reads run_results.
    digest = sha256_of(content + b"".join(companion_bytes.values()))
    mark = Watermark(stat.st_size, stat.st_mtime_ns, digest)
    if previous and previous.content_sha256 == digest:
        # Touched but not changed: remember the new mtime, do not parse again.
        return FileResult(FileOutcome(shown, "unchanged", content_sha256=digest), mark)
    options = dict(task.options)
    if companion_bytes:
        options["companions"] = companion_bytes
    context = SourceContext(
        path=shown,
        product_id=task.product_id,
        relative_path=task.relative_path,
        directory=directory,
        options=options,
        # A file's evidence is as of when it was written, not when meshgov read it.
        fetched_at=datetime.fromtimestamp(stat.st_mtime, UTC),
    )
    return parse_content(task.collector, content, context, digest, mark)


def _unreadable_name(path: str) -> str | None:
    if "\0" in path:
        return "the path contains a NUL byte; no file can have that name"
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not UTF-8; rename the file"
    return None


class _TooLarge(MeshgovError):
    """A file over the size limit; the message says which, how large, and what to do."""


def _max_file_bytes(options: Mapping[str, Any]) -> int:
    limit = options.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"options.max_file_bytes must be a positive integer, not {limit!r}")
    return limit


def _read_at_most(path: Path, limit: int, what: str) -> bytes:
    """The file's bytes, or _TooLarge before reading more than `limit` of them."""
    size = path.stat().st_size
    if size <= limit:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)  # the file may have grown since stat
        if len(content) <= limit:
            return content
        size = len(content)
    raise _TooLarge(
        f"{what} is {_mib(size)}, over the {_mib(limit)} limit; split it, or raise the "
        "source's options.max_file_bytes"
    )


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


def parse_content(
    collector_name: str,
    content: bytes,
    context: SourceContext,
    digest: str | None,
    mark: Watermark | None,
) -> FileResult:
    """Parse bytes with a collector; every failure becomes a recorded outcome."""
    shown = context.path
    try:
        parsed = get_collector(collector_name).parse(content, context)
    except NotEvidence as exc:
        return FileResult(FileOutcome(shown, "skipped", str(exc), content_sha256=digest), mark)
    except CollectorParseError as exc:
        return FileResult(FileOutcome(shown, "refused", exc.reason, exc.position, digest), None)
    except Exception as exc:  # a collector bug must not sink the batch; record it instead
        reason = f"collector {collector_name} failed: {type(exc).__name__}: {exc}"
        return FileResult(FileOutcome(shown, "refused", reason, content_sha256=digest), None)
    records, problems, warnings = (
        (parsed.records, parsed.problems, parsed.warnings)
        if isinstance(parsed, Parsed)
        else (parsed, [], [])
    )
    noted = _bounded(warnings)
    outcome = FileOutcome(
        shown, "ok", content_sha256=digest, records_read=len(records), warnings=noted
    )
    if problems:
        status = "partial" if records else "refused"
        outcome = FileOutcome(
            shown,
            status,
            _joined(problems),
            problems[0].position,
            digest,
            len(records),
            warnings=noted,
        )
    keys = [record_key(r) for r in records]
    return FileResult(outcome, mark, list(records), keys, problems=len(problems))


def _bounded(warnings: Sequence[str]) -> tuple[str, ...]:
    """A file's warnings as people will read them: each short, the first few, and a count."""
    shown = [storable(w, MAX_REASON_CHARS) for w in warnings[:MAX_WARNINGS_SHOWN]]
    more = len(warnings) - MAX_WARNINGS_SHOWN
    return tuple(shown + ([f"and {more} more warning(s)"] if more > 0 else []))


def _joined(notes: Sequence[object]) -> str:
    """The first few problems of a file, and how many more there were."""
    shown = "; ".join(str(note) for note in notes[:MAX_PROBLEMS_SHOWN])
    more = len(notes) - MAX_PROBLEMS_SHOWN
    return storable(shown + (f"; and {more} more" if more > 0 else ""), MAX_NOTES_CHARS)


def _prepare(result: FileResult, collected_at: datetime) -> FileResult:
    """Check results as SQLite rows (other records stay records)."""
    if not all(type(r) is CheckResult for r in result.records):
        return result
    collected = sqlite_datetime(collected_at)
    rows, rollup = [], []
    for key, r in zip(result.keys, result.records, strict=True):
        run_time = sqlite_datetime(r.run_time)
        rows.append(
            (
                key,
                r.product_id,
                r.port,
                r.source_tool,
                r.suite,
                r.check,
                r.column,
                int(r.success),
                r.status,
                r.unexpected_count,
                r.unexpected_percent,
                r.element_count,
                run_time,
                r.source,
                json.dumps(r.details),
                collected,
            )
        )
        rollup.append((r.product_id, run_time[:10], r.source_tool, r.success))
    result.prepared = PreparedChecks(rows, rollup)
    result.records = []
    return result


# --- the worker ---------------------------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _initialise(directory: ProductDirectory, collected_at: datetime) -> None:
    _worker_state["directory"] = directory
    _worker_state["collected_at"] = collected_at


def _work(tasks: Sequence[FileTask]) -> list[FileResult]:
    directory, collected_at = _worker_state["directory"], _worker_state["collected_at"]
    return [take_file(task, directory, collected_at) for task in tasks]


def pipelined(
    tasks: Sequence[FileTask], directory: ProductDirectory, collected_at: datetime
) -> Iterator[FileResult]:
    """Results of `tasks`, in order, parsed by a worker process ahead of the caller."""
    chunks = [tasks[i : i + CHUNK_FILES] for i in range(0, len(tasks), CHUNK_FILES)]
    # fork: the child starts with the collectors imported and the directory in memory.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=context,
        initializer=_initialise,
        initargs=(directory, collected_at),
    ) as pool:
        # A bounded window of chunks in flight: the worker runs ahead of the writer, but
        # a fast worker never piles a whole run's rows up in memory.
        in_flight: deque[Future[list[FileResult]]] = deque()
        pending = iter(chunks)
        for chunk in islice(pending, IN_FLIGHT_CHUNKS):
            in_flight.append(pool.submit(_work, chunk))
        while in_flight:
            results = in_flight.popleft().result()
            following = next(pending, None)
            if following is not None:
                in_flight.append(pool.submit(_work, following))
            yield from results
