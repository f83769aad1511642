"""The collectors' own log read back: files refused, and files read with warnings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Row, select

from governance.store.schema.tables import collector_files, collector_runs


@dataclass(frozen=True)
class Refusal:
    """A file (or a record in it) that a collector refused, and why."""

    collector: str
    source: str
    path: str
    whole_file: bool  # False: the file was read, some records in it were refused
    position: str | None
    reason: str | None
    finished_at: datetime
    run_id: str


@dataclass(frozen=True)
class WarningKind:
    """One thing collectors said they read but could not use, and the files that held it."""

    collector: str
    warning: str
    files: int  # distinct files whose newest read said it
    example: str  # the newest such file
    last_seen: datetime


def refusals(connection: Connection, limit: int = 200) -> list[Refusal]:
    """Refused files and files with refused records, newest run first, at most `limit`."""
    # A partial file was read but some of its records were not: those are refusals too.
    rows = _logged_files(connection, collector_files.c.status.in_(("refused", "partial")), limit)
    return [
        Refusal(
            collector=row.collector,
            source=row.source,
            path=row.path,
            whole_file=row.status == "refused",
            position=row.position,
            reason=row.reason,
            finished_at=row.finished_at,
            run_id=row.run_id,
        )
        for row in rows
    ]


def warning_kinds(connection: Connection, limit: int = 5000) -> list[WarningKind]:
    """Warnings grouped by collector and text, from the newest read of each file.

    A mesh's files tend to share their unread parts (every OpenLineage producer's schema
    facet): one row per kind of warning, with how many files said it, reads better than
    one row per file. `limit` bounds the file rows read, newest first.
    """
    rows = _logged_files(connection, collector_files.c.warnings.is_not(None), limit)
    newest: dict[tuple[str, str], Row] = {}
    for row in rows:  # newest run first: the first row of a file is its newest read
        newest.setdefault((row.collector, row.path), row)
    kinds: dict[tuple[str, str], list[Row]] = {}
    for row in newest.values():
        for warning in row.warnings.split("\n"):
            kinds.setdefault((row.collector, warning), []).append(row)
    found = [
        WarningKind(
            collector=collector,
            warning=warning,
            files=len(files),
            example=files[0].path,
            last_seen=files[0].finished_at,
        )
        for (collector, warning), files in kinds.items()
    ]
    return sorted(found, key=lambda k: (-k.files, k.collector, k.warning))


def _logged_files(
    connection: Connection, condition: ColumnElement[bool], limit: int
) -> Sequence[Row]:
    """File rows of the collector log with their run, newest run first."""
    query = (
        select(
            collector_runs.c.collector,
            collector_runs.c.source,
            collector_runs.c.finished_at,
            collector_runs.c.run_id,
            collector_files,
        )
        .select_from(
            collector_files.join(
                collector_runs, collector_runs.c.id == collector_files.c.collector_run_id
            )
        )
        .where(condition)
        .order_by(collector_runs.c.finished_at.desc(), collector_files.c.id.desc())
        .limit(limit)
    )
    return connection.execute(query).all()
