"""Dialect-aware INSERT ... ON CONFLICT, the primitive behind every idempotent write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """Insert rows whose natural key is new; returns how many were actually inserted."""
    return len(insert_new(connection, table, rows, keys))


def insert_new(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> set[Any]:
    """Insert rows whose natural key is new; returns the first key column of those inserted."""
    if not rows:
        return set()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    # RETURNING tells what was inserted; rowcount is -1 for multi-row inserts on psycopg.
    statement = statement.returning(table.c[keys[0]])
    inserted: set[Any] = set()
    # Chunks keep SQLite under its bound-parameter limit on big batches.
    size = max(1, 30000 // max(1, len(rows[0])))
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        inserted.update(connection.execute(statement.values(list(chunk))).scalars())
    return inserted


def add_counts(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    counters: Sequence[str],
) -> None:
    """Insert rollup rows, or add their counters to the row with the same key."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    increments = {c: table.c[c] + statement.excluded[c] for c in counters}
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=increments)
    for start in range(0, len(rows), 500):
        connection.execute(statement, list(rows[start : start + 500]))


def upsert(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert rows, or overwrite the non-key columns of rows whose natural key exists."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    for start in range(0, len(rows), 500):
        connection.execute(statement, list(rows[start : start + 500]))
