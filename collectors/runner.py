"""The runner: reads source files, hands them to a collector, writes what comes back.

Each file is parsed and written in its own transaction, so one bad file is recorded as a
refusal (file and reason in collector_runs) and the rest of the batch still lands.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from collectors import Collector, CollectorParseError, NotEvidence, SourceContext
from governance.descriptors import sha256_of
from governance.model import CheckResult, Record
from governance.store import Store
from governance.store.evidence import (
    FileOutcome,
    already_collected,
    log_collector_file,
    write_check_results,
)
from governance.store.types import utcnow
from governance.telemetry import tracer


@dataclass
class CollectReport:
    """What one collector run did, file by file."""

    run_id: str
    collector: str
    product_id: str | None = None
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def refused(self) -> list[FileOutcome]:
        """Files that could not be read, with their reasons."""
        return [o for o in self.outcomes if o.status == "refused"]

    @property
    def records_read(self) -> int:
        """Records parsed from all files read."""
        return sum(o.records_read for o in self.outcomes)

    @property
    def records_new(self) -> int:
        """Records that were not in the store before."""
        return sum(o.records_new for o in self.outcomes)

    @property
    def ok(self) -> bool:
        """True when no file was refused."""
        return not self.refused


def discover_files(paths: Sequence[Path], suffixes: Sequence[str]) -> list[tuple[Path, Path]]:
    """(file, root) pairs: a file as given, a folder searched recursively for the suffixes."""
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                if candidate.is_file() and candidate.name.lower().endswith(tuple(suffixes)):
                    found.append((candidate, path))
        else:
            found.append((path, path))
    return found


def write_records(store: Store, records: Sequence[Record]) -> int:
    """Write parsed records; returns how many were new. One place to add record kinds."""
    checks = [r for r in records if isinstance(r, CheckResult)]
    with store.begin() as connection:
        return write_check_results(connection, checks)


def run_collector(
    store: Store,
    collector: Collector,
    paths: Sequence[Path],
    product_id: str | None = None,
) -> CollectReport:
    """Collect every file under `paths` with one collector; never stops at a bad file."""
    report = CollectReport(str(uuid.uuid4()), collector.name, product_id)
    with tracer().start_as_current_span("meshgov.collect") as span:
        span.set_attribute("meshgov.collector", collector.name)
        for path, root in discover_files(paths, collector.file_suffixes):
            report.outcomes.append(_collect_file(store, collector, path, root, product_id, report))
        span.set_attribute("meshgov.files", len(report.outcomes))
        span.set_attribute("meshgov.refused", len(report.refused))
    return report


def _collect_file(
    store: Store,
    collector: Collector,
    path: Path,
    root: Path,
    product_id: str | None,
    report: CollectReport,
) -> FileOutcome:
    started = utcnow()
    outcome = _read_and_write(store, collector, path, root, product_id)
    with store.begin() as connection:
        log_collector_file(
            connection,
            run_id=report.run_id,
            collector=collector.name,
            product_id=product_id,
            outcome=outcome,
            started_at=started,
        )
    return outcome


def _read_and_write(
    store: Store, collector: Collector, path: Path, root: Path, product_id: str | None
) -> FileOutcome:
    shown = str(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return FileOutcome(shown, "refused", "no such file or folder")
    except OSError as exc:
        return FileOutcome(shown, "refused", f"cannot read: {exc.strerror or exc}")
    digest = sha256_of(content)
    with store.read() as connection:
        if already_collected(connection, collector.name, product_id, digest):
            return FileOutcome(shown, "unchanged", None, digest)
    # Below a collected folder the layout is relative to it; a file named alone keeps its path.
    relative = path.as_posix() if path == root else path.relative_to(root).as_posix()
    context = SourceContext(path=shown, product_id=product_id, relative_path=relative)
    try:
        records = collector.parse(content, context)
    except NotEvidence as exc:
        return FileOutcome(shown, "skipped", str(exc), digest)
    except CollectorParseError as exc:
        return FileOutcome(shown, "refused", str(exc), digest)
    except Exception as exc:  # a collector bug must not sink the batch; record it instead
        reason = f"collector {collector.name} failed: {type(exc).__name__}: {exc}"
        return FileOutcome(shown, "refused", reason, digest)
    new = write_records(store, records)
    return FileOutcome(shown, "ok", None, digest, records_read=len(records), records_new=new)
