"""The collector run log (collector_runs, collector_files) and the per-file watermarks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from governance.store.schema.tables import collector_files, collector_runs, source_files
from governance.store.schema.types import utcnow
from governance.store.write import pg_batch
from governance.store.write.upsert import insert_rows, upsert


@dataclass(frozen=True)
class Watermark:
    """What a collector last read from one file or URL."""

    size: int | None
    mtime_ns: int | None
    content_sha256: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file in one collector run."""

    path: str
    status: str  # ok | partial | unchanged | skipped | refused
    reason: str | None = None
    position: str | None = None
    content_sha256: str | None = None
    records_read: int = 0
    records_new: int = 0
    warnings: tuple[str, ...] = ()  # what was read but not used; never a refusal


def load_watermarks(
    connection: Connection, collector: str, product_key: str
) -> dict[str, Watermark]:
    """Every watermark of one collector and product, by path (one query per source)."""
    query = select(source_files).where(
        source_files.c.collector == collector, source_files.c.product_key == product_key
    )
    return {
        row.path: Watermark(row.size, row.mtime_ns, row.content_sha256, row.etag, row.last_modified)
        for row in connection.execute(query)
    }


def save_watermarks(
    connection: Connection, collector: str, product_key: str, marks: dict[str, Watermark]
) -> None:
    """Record what was read, so an unchanged file is not read again."""
    now = utcnow()
    rows = [
        {
            "collector": collector,
            "path": path,
            "product_key": product_key,
            "size": mark.size,
            "mtime_ns": mark.mtime_ns,
            "content_sha256": mark.content_sha256,
            "etag": mark.etag,
            "last_modified": mark.last_modified,
            "collected_at": now,
        }
        for path, mark in marks.items()
    ]
    upsert(connection, source_files, rows, ["collector", "path", "product_key"])


def log_source_run(
    connection: Connection,
    *,
    run_id: str,
    collector: str,
    source: str,
    product_id: str | None,
    outcomes: Sequence[FileOutcome],
    error: str | None,
    started_at: datetime,
) -> int:
    """Append the run row of one source and its file rows; returns the run row id."""
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("unchanged", "skipped")}
    refused = sum(1 for o in outcomes if o.status == "refused")
    read = sum(1 for o in outcomes if o.status in ("ok", "partial"))
    problems = refused or any(o.status == "partial" for o in outcomes)
    status = "failed" if error or (refused and not read) else ("partial" if problems else "ok")
    run_row = {
        "run_id": run_id,
        "collector": collector,
        "source": source,
        "product_id": product_id,
        "status": status,
        "error": error,
        "files_read": read,
        "files_unchanged": counts["unchanged"],
        "files_skipped": counts["skipped"],
        "files_refused": refused,
        "records_read": sum(o.records_read for o in outcomes),
        "records_new": sum(o.records_new for o in outcomes),
        "started_at": started_at,
        "finished_at": utcnow(),
    }
    # Unchanged files are only counted: a large mesh re-checks thousands of them per run.
    file_rows = [
        {
            "path": o.path,
            "status": o.status,
            "position": o.position,
            "reason": o.reason,
            "content_sha256": o.content_sha256,
            "records_read": o.records_read,
            "records_new": o.records_new,
            # One warning per line: a warning's own text may hold "; ".
            "warnings": "\n".join(o.warnings) or None,
        }
        for o in outcomes
        if o.status != "unchanged"
    ]
    if connection.dialect.driver == "psycopg":  # once per source and, pushed, per group
        statement = pg_batch.insert_with_children(
            collector_runs, run_row, collector_files, "collector_run_id", file_rows
        )
        return pg_batch.run(connection, statement)[0][0]
    if connection.dialect.name == "sqlite":
        row_id = insert_rows(connection, collector_runs, [run_row])
    else:
        row_id = connection.execute(
            collector_runs.insert().values(**run_row).returning(collector_runs.c.id)
        ).scalar_one()
    assert row_id is not None
    insert_rows(
        connection, collector_files, [{"collector_run_id": row_id, **row} for row in file_rows]
    )
    return row_id
