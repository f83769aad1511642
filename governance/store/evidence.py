"""Writes for collected evidence: check results, their daily rollup, and the collector run log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, func, select

from governance.model import CheckResult
from governance.store.tables import check_daily, check_results, collector_runs
from governance.store.types import as_jsonable, utcnow
from governance.store.upsert import insert_ignore, upsert


def write_check_results(connection: Connection, results: Sequence[CheckResult]) -> int:
    """Insert check results by natural key and refresh the affected daily rollups.

    Returns how many results were new; re-collecting the same evidence returns 0.
    """
    now = utcnow()
    rows = [
        {
            "check_key": r.check_key,
            "product_id": r.product_id,
            "port": r.port,
            "source_tool": r.source_tool,
            "suite": r.suite,
            "check_name": r.check,
            "column_name": r.column,
            "success": r.success,
            "status": r.status,
            "unexpected_count": r.unexpected_count,
            "unexpected_percent": r.unexpected_percent,
            "element_count": r.element_count,
            "run_time": r.run_time,
            "source": r.source,
            "details": as_jsonable(r.details),
            "collected_at": now,
        }
        for r in results
    ]
    inserted = insert_ignore(connection, check_results, rows, ["check_key"])
    if inserted:
        touched = {
            (r.product_id, r.run_time.date(), r.source_tool) for r in results if r.product_id
        }
        refresh_check_daily(connection, touched)
    return inserted


def refresh_check_daily(connection: Connection, keys: Iterable[tuple[str, date, str]]) -> None:
    """Recompute the rollup rows for the given (product, day, tool) keys from the raw results."""
    keys = sorted(set(keys))
    if not keys:
        return
    days = sorted({day for _, day, _ in keys})
    start = datetime.combine(days[0], datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    end = datetime.combine(days[-1], datetime.max.time()).replace(tzinfo=utcnow().tzinfo)
    products = sorted({product for product, _, _ in keys})
    # Aggregate in Python over the narrowed rows: portable across SQLite and PostgreSQL
    # date functions, and the window is only the days this batch touched.
    query = select(
        check_results.c.product_id,
        check_results.c.run_time,
        check_results.c.source_tool,
        check_results.c.success,
    ).where(
        check_results.c.product_id.in_(products),
        check_results.c.run_time >= start,
        check_results.c.run_time <= end,
    )
    counts: dict[tuple[str, date, str], list[int]] = {key: [0, 0] for key in keys}
    for product_id, run_time, tool, success in connection.execute(query):
        key = (product_id, run_time.date(), tool)
        if key in counts:
            counts[key][0 if success else 1] += 1
    rows = [
        {
            "product_id": product_id,
            "day": day,
            "source_tool": tool,
            "checks": passed + failed,
            "passed": passed,
            "failed": failed,
        }
        for (product_id, day, tool), (passed, failed) in counts.items()
    ]
    upsert(connection, check_daily, rows, ["product_id", "day", "source_tool"])


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one source file in one collector run."""

    source: str
    status: str  # ok | unchanged | skipped | refused
    reason: str | None = None
    content_sha256: str | None = None
    records_read: int = 0
    records_new: int = 0


def log_collector_file(
    connection: Connection,
    *,
    run_id: str,
    collector: str,
    product_id: str | None,
    outcome: FileOutcome,
    started_at: datetime,
) -> None:
    """Append one row to the collector run log."""
    connection.execute(
        collector_runs.insert().values(
            run_id=run_id,
            collector=collector,
            source=outcome.source,
            product_id=product_id,
            content_sha256=outcome.content_sha256,
            status=outcome.status,
            reason=outcome.reason,
            records_read=outcome.records_read,
            records_new=outcome.records_new,
            started_at=started_at,
            finished_at=utcnow(),
        )
    )


def already_collected(
    connection: Connection, collector: str, product_id: str | None, content_sha256: str
) -> bool:
    """True when this exact content was collected successfully before for the same product."""
    same_product = (
        collector_runs.c.product_id.is_(None)
        if product_id is None
        else collector_runs.c.product_id == product_id
    )
    query = (
        select(func.count())
        .select_from(collector_runs)
        .where(
            and_(
                collector_runs.c.collector == collector,
                collector_runs.c.content_sha256 == content_sha256,
                collector_runs.c.status == "ok",
                same_product,
            )
        )
    )
    return bool(connection.scalar(query))
