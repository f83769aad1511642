"""Writing collected records in batches: one transaction for many files and sources.

If the store refuses a batch, its files are written one by one so that only the offending
file is refused. A source's run row is written with the flush that carries its last file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection

from collectors.parse_worker import CHECK_COLUMNS, PreparedChecks
from collectors.sources import Source
from governance.model.records import Record
from governance.store import Store
from governance.store.write.checks import write_prepared_checks
from governance.store.write.collector_log import (
    FileOutcome,
    Watermark,
    log_source_run,
    save_watermarks,
)
from governance.store.write.evidence import write_records
from governance.telemetry import collector_instruments

BATCH_RECORDS = 50_000


@dataclass
class SourceReport:
    """What one source gave in one run."""

    source: Source
    outcomes: list[FileOutcome] = field(default_factory=list)
    error: str | None = None

    def count(self, *statuses: str) -> int:
        """How many files ended in one of `statuses`."""
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def refused(self) -> list[FileOutcome]:
        """Files refused whole or in part, with their reasons."""
        return [o for o in self.outcomes if o.status in ("refused", "partial")]

    @property
    def warned(self) -> list[FileOutcome]:
        """Files read with warnings: parts meshgov read but cannot use."""
        return [o for o in self.outcomes if o.warnings]

    @property
    def records_read(self) -> int:
        """Records parsed from the files read."""
        return sum(o.records_read for o in self.outcomes)

    @property
    def records_new(self) -> int:
        """Records that were not in the store before."""
        return sum(o.records_new for o in self.outcomes)

    @property
    def ok(self) -> bool:
        """Nothing refused and the source itself could be read."""
        return self.error is None and not self.refused


@dataclass
class RunReport:
    """One `meshgov collect`: a report per source."""

    run_id: str
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every source was read in full."""
        return all(s.ok for s in self.sources)

    @property
    def records_new(self) -> int:
        """New records over all sources."""
        return sum(s.records_new for s in self.sources)


@dataclass
class Pending:
    """A file read (or looked at) whose records and log row wait for the next flush."""

    report: SourceReport
    collector: str
    product_key: str
    path: str
    outcome: FileOutcome
    records: list[Record]
    keys: list[str]
    watermark: Watermark | None
    prepared: PreparedChecks | None = None  # check results as SQLite rows, from a worker


class Batch:
    """Records of many files and sources, written together: one transaction per flush.

    A source's run row is written with the flush that carries its last file, so the run
    log never claims a file whose records did not land.
    """

    def __init__(self, store: Store, run_id: str, batch_records: int = BATCH_RECORDS) -> None:
        self.store, self.run_id, self.batch_records = store, run_id, batch_records
        self.items: list[Pending] = []
        self.records = 0
        self.done: list[tuple[SourceReport, datetime]] = []

    def add(self, item: Pending) -> None:
        """Queue a file; flush when the batch is big enough."""
        self.items.append(item)
        self.records += len(item.records) + (len(item.prepared.rows) if item.prepared else 0)
        if self.records >= self.batch_records:
            self.flush()

    def source_done(self, report: SourceReport, started: datetime) -> None:
        """The source has no more files: log it with the next flush."""
        self.done.append((report, started))

    def flush(self) -> None:
        """Write everything queued in one transaction (file by file if that fails)."""
        items, done = self.items, self.done
        self.items, self.records, self.done = [], 0, []
        try:
            with self.store.begin() as connection:
                new = write_records(
                    connection,
                    [r for item in items for r in item.records],
                    [k for item in items if not item.prepared for k in item.keys],
                )
                new |= _write_prepared(connection, items)
                _save_watermarks(connection, items)
                outcomes = _outcomes(items, new)
                self._log(connection, done, outcomes)
        except Exception:
            # The store refused something: write file by file so only the culprit is refused.
            outcomes = []
            for item in items:
                try:
                    with self.store.begin() as connection:
                        new = write_records(
                            connection, item.records, [] if item.prepared else item.keys
                        )
                        new |= _write_prepared(connection, [item])
                        _save_watermarks(connection, [item])
                    outcomes += _outcomes([item], new)
                except Exception as exc:
                    reason = f"the store refused its records: {type(exc).__name__}: {exc}"
                    refused = FileOutcome(item.path, "refused", reason[:2000])
                    outcomes.append((item, refused))
            with self.store.begin() as connection:
                self._log(connection, done, outcomes)
        for item, outcome in outcomes:
            item.report.outcomes.append(outcome)
            _count(item.collector, outcome)

    def _log(
        self,
        connection: Connection,
        done: list[tuple[SourceReport, datetime]],
        outcomes: list[tuple[Pending, FileOutcome]],
    ) -> None:
        for report, started in done:
            mine = [o for item, o in outcomes if item.report is report]
            log_source_run(
                connection,
                run_id=self.run_id,
                collector=report.source.collector,
                source=report.source.location,
                product_id=report.source.product,
                outcomes=report.outcomes + mine,
                error=report.error,
                started_at=started,
            )


def _write_prepared(connection: Connection, items: list[Pending]) -> set[str]:
    prepared = [item.prepared for item in items if item.prepared is not None]
    if not prepared:
        return set()
    return write_prepared_checks(
        connection,
        CHECK_COLUMNS,
        [row for p in prepared for row in p.rows],
        [entry for p in prepared for entry in p.rollup],
    )


def _save_watermarks(connection: Connection, items: list[Pending]) -> None:
    groups: dict[tuple[str, str], dict[str, Watermark]] = {}
    for item in items:
        if item.watermark is not None:
            groups.setdefault((item.collector, item.product_key), {})[item.path] = item.watermark
    for (collector, product_key), marks in groups.items():
        save_watermarks(connection, collector, product_key, marks)


def _outcomes(items: list[Pending], new: set[str]) -> list[tuple[Pending, FileOutcome]]:
    """Each file's outcome with how many of its records were new to the store."""
    credited: set[str] = set()  # the same record in two files of a batch is new once
    result = []
    for item in items:
        outcome = item.outcome
        if item.keys:  # records, or check results prepared as rows by the worker
            fresh = {key for key in item.keys if key in new} - credited
            credited |= fresh
            outcome = replace(outcome, records_new=len(fresh))
        result.append((item, outcome))
    return result


def _count(collector: str, outcome: FileOutcome) -> None:
    instruments = collector_instruments()
    attributes = {"collector": collector}
    instruments.records.add(outcome.records_read, {**attributes, "kind": "read"})
    instruments.records.add(outcome.records_new, {**attributes, "kind": "new"})
    if outcome.status in ("refused", "partial"):
        instruments.refusals.add(1, {**attributes, "kind": outcome.status})
