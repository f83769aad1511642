"""Writes of check results, from records or from rows a parse worker prepared, by natural key.

Only checks that were actually new are counted into the daily rollup (check_daily), so
collecting the same evidence again never inflates a count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from governance.model.records import CheckResult
from governance.store.schema.tables import check_daily, check_results
from governance.store.schema.types import utcnow
from governance.store.write.retention_queries import prepared_after_horizon, pruned_before
from governance.store.write.upsert import (
    add_counts,
    insert_new,
    sqlite_datetime,
    sqlite_insert_rows,
)


def write_check_results(
    connection: Connection, results: Sequence[CheckResult], keys: Sequence[str] | None = None
) -> set[str]:
    """Insert check results by natural key; new ones are added to the daily rollup."""
    rows = check_rows(results, keys)
    new = insert_new(connection, check_results, list(rows.values()), ["check_key"])
    daily: Counter[tuple[str, Any, str, bool]] = Counter(
        (row["product_id"], row["run_time"].date(), row["source_tool"], row["success"])
        for key, row in rows.items()
        if key in new and row["product_id"] is not None
    )
    _add_to_daily(connection, daily)
    return new


def check_rows(
    results: Sequence[CheckResult], keys: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """check_results rows by check key."""
    now = utcnow()
    keys = keys if keys is not None else [r.check_key for r in results]
    return {
        key: {
            "check_key": key,
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
            "details": r.details,
            "collected_at": now,
        }
        for key, r in zip(keys, results, strict=True)
    }


def write_prepared_checks(
    connection: Connection,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    rollup: Sequence[tuple[str | None, str, str, bool]],
) -> set[str]:
    """Insert check results prepared as SQLite rows (collectors/parse_worker.py) by natural
    key, and add the new ones to the daily rollup; same effect as write_check_results."""
    horizon = pruned_before(connection)
    if horizon is not None:  # see write_records: nothing older than a prune comes back
        rows, rollup = prepared_after_horizon(columns, rows, rollup, sqlite_datetime(horizon))
    new = sqlite_insert_rows(connection, check_results, columns, rows)
    daily: Counter[tuple[str, str, str, bool]] = Counter()
    counted: set[str] = set()  # a key twice in the batch was inserted once
    for row, (product_id, day, tool, success) in zip(rows, rollup, strict=True):
        if product_id is not None and row[0] in new and row[0] not in counted:
            counted.add(row[0])
            daily[(product_id, day, tool, success)] += 1
    _add_to_daily(
        connection, {(p, date.fromisoformat(d), t, s): n for (p, d, t, s), n in daily.items()}
    )
    return new


def _add_to_daily(connection: Connection, daily: Mapping[tuple[str, date, str, bool], int]) -> None:
    """Add newly stored checks, counted per (product, day, tool, success), to check_daily."""
    totals: dict[tuple[str, date, str], dict[str, Any]] = {}
    for (product_id, day, tool, success), count in daily.items():
        row = totals.setdefault(
            (product_id, day, tool),
            {"product_id": product_id, "day": day, "source_tool": tool}
            | {"checks": 0, "passed": 0, "failed": 0},
        )
        row["checks"] += count
        row["passed" if success else "failed"] += count
    add_counts(
        connection,
        check_daily,
        list(totals.values()),
        ["product_id", "day", "source_tool"],
        ["checks", "passed", "failed"],
    )
