"""Dialect-aware INSERT ... ON CONFLICT, the primitive behind every idempotent write."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import sqltypes

from governance.store.schema.types import UTCDateTime
from governance.store.write import pg_batch


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
    if connection.dialect.name == "sqlite" and len(keys) == 1:
        return _sqlite_insert_new(connection, table, rows, keys[0])
    if connection.dialect.driver == "psycopg" and len(keys) == 1:
        return _psycopg_insert_new(connection, table, rows, keys[0])
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    # RETURNING tells what was inserted; rowcount is -1 for multi-row inserts on psycopg.
    statement = statement.returning(table.c[keys[0]])
    # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs itself
    # ("insertmanyvalues") with a statement compiled once, instead of compiling one
    # VALUES clause per chunk.
    return set(connection.execute(statement, list(rows)).scalars())


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
    if connection.dialect.name == "sqlite":
        added = ", ".join(f'"{c}" = "{c}" + excluded."{c}"' for c in counters)
        _sqlite_upsert(connection, table, rows, keys, f"UPDATE SET {added}")
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    increments = {c: table.c[c] + statement.excluded[c] for c in counters}
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=increments)
    # A fixed order: parallel shards that add to the same rollup rows lock them in the same
    # order and so cannot deadlock each other.
    rows = sorted(rows, key=lambda row: tuple(str(row[k]) for k in keys))
    for start in range(0, len(rows), 500):
        connection.execute(statement, list(rows[start : start + 500]))


def upsert(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert rows, or overwrite the non-key columns of rows whose natural key exists."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in rows[0] if c not in keys)
        _sqlite_upsert(
            connection, table, rows, keys, f"UPDATE SET {updates}" if updates else "NOTHING"
        )
        return
    statement = _upsert_statement(connection.dialect.name, table, tuple(rows[0]), tuple(keys))
    rows = sorted(rows, key=lambda row: tuple(str(row[k]) for k in keys))  # see add_counts
    for start in range(0, len(rows), 500):
        connection.execute(statement, list(rows[start : start + 500]))


@lru_cache(maxsize=256)
def _upsert_statement(
    dialect_name: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE of `columns`, built once (its proxies cost ~50 µs)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    updates = {c: statement.excluded[c] for c in columns if c not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)


def _sqlite_value(column_type: Any) -> Callable[[Any], Any] | None:
    """How SQLAlchemy would store a Python value in SQLite (None: as it is)."""
    if isinstance(column_type, UTCDateTime):
        return sqlite_datetime
    if _is_json(column_type):
        return lambda value: None if value is None else json.dumps(value)
    if isinstance(column_type, sqltypes.Date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(column_type, sqltypes.Boolean):
        return lambda value: None if value is None else int(value)
    return None


@lru_cache(maxsize=4096)  # a file's records share a run time; a batch shares collected_at
def sqlite_datetime(value: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy stores it in SQLite."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: meshgov stores only aware UTC times")
    # SQLAlchemy's SQLite DATETIME storage format, in UTC: the text of
    # strftime("%Y-%m-%d %H:%M:%S.%f") (zero-padded years too), a quarter cheaper.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_insert_new(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> set[Any]:
    """The bulk path for SQLite evidence tables: one executemany on the driver connection.

    SQLite has one writer at a time, so the keys found absent before the INSERT are
    exactly the rows it adds; INSERT OR IGNORE still guards the natural key.
    """
    raw = connection.connection.driver_connection
    unique: dict[Any, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row[key], row)
    existing = sqlite_existing(connection, table, key, list(unique))
    fresh = [row for k, row in unique.items() if k not in existing]
    if fresh:
        columns = list(fresh[0])
        names = ", ".join(f'"{c}"' for c in columns)
        sql = (
            f'INSERT OR IGNORE INTO "{table.name}" ({names}) '
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        raw.executemany(sql, _sqlite_rows(table, columns, fresh))
    return {row[key] for row in fresh}


def sqlite_widen(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    earliest: str,
    latest: str,
) -> set[Any]:
    """Upsert sightings on SQLite: the stored span widened to take the row's in, in SQL
    (no read back); returns the keys that were new.
    """
    existing = sqlite_existing(connection, table, key, [row[key] for row in rows])
    others = ", ".join(
        f'"{c}" = excluded."{c}"' for c in rows[0] if c not in (key, earliest, latest)
    )
    widen = (
        f'"{earliest}" = CASE WHEN excluded."{earliest}" < "{earliest}" '
        f'OR "{earliest}" IS NULL THEN excluded."{earliest}" ELSE "{earliest}" END, '
        f'"{latest}" = CASE WHEN excluded."{latest}" > "{latest}" '
        f'OR "{latest}" IS NULL THEN excluded."{latest}" ELSE "{latest}" END'
    )
    _sqlite_upsert(connection, table, rows, [key], f"UPDATE SET {widen}, {others}")
    return {row[key] for row in rows} - existing


def _sqlite_upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    action: str,
) -> None:
    """INSERT ... ON CONFLICT (keys) DO `action` on SQLite: one executemany on the driver
    connection, values converted as SQLAlchemy would (its per-row parameter handling and
    per-statement machinery cost more than SQLite's own work).
    """
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    conflict = ", ".join(f'"{k}"' for k in keys)
    sql = (
        f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))}) '
        f"ON CONFLICT ({conflict}) DO {action}"
    )
    connection.connection.driver_connection.executemany(sql, _sqlite_rows(table, columns, rows))


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int | None:
    """Plain INSERT of rows (all with the same columns); on SQLite through the driver.

    Returns the last row's id on SQLite (its rowid), else None.
    """
    if not rows:
        return None
    if connection.dialect.name != "sqlite":
        connection.execute(table.insert(), list(rows))
        return None
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    cursor = connection.connection.driver_connection.cursor()
    try:
        if len(rows) == 1:
            cursor.execute(sql, _sqlite_rows(table, columns, rows)[0])
        else:
            cursor.executemany(sql, _sqlite_rows(table, columns, rows))
        return cursor.lastrowid
    finally:
        cursor.close()


def _sqlite_rows(
    table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[list[Any]]:
    """Rows as SQLite parameter lists; only columns whose type converts pay a call per row."""
    converting = _converters(table, tuple(columns))
    values = []
    for row in rows:
        value = [row[column] for column in columns]
        for index, convert in converting:
            value[index] = convert(value[index])
        values.append(value)
    return values


@lru_cache(maxsize=256)
def _converters(table: Table, columns: tuple[str, ...]) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, converter) of the columns whose values SQLite cannot take as they are."""
    return [
        (index, convert)
        for index, column in enumerate(columns)
        if (convert := _sqlite_value(table.c[column].type)) is not None
    ]


def sqlite_existing(
    connection: Connection, table: Table, key: str, candidates: list[Any]
) -> set[Any]:
    """Which of the candidate natural keys the SQLite table already holds."""
    raw = connection.connection.driver_connection
    existing: set[Any] = set()
    quoted = f'"{key}"'
    for start in range(0, len(candidates), 900):
        chunk = candidates[start : start + 900]
        cursor = raw.execute(
            f'SELECT {quoted} FROM "{table.name}" WHERE {quoted} IN ({",".join("?" * len(chunk))})',
            chunk,
        )
        existing.update(found for (found,) in cursor)
    return existing


def sqlite_insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> set[Any]:
    """Insert SQLite-ready rows (values already converted) whose first column is the natural
    key; returns the keys that were new. The twin of `_sqlite_insert_new` for prepared rows.
    """
    raw = connection.connection.driver_connection
    unique: dict[Any, Sequence[Any]] = {}
    for row in rows:
        unique.setdefault(row[0], row)
    existing = sqlite_existing(connection, table, columns[0], list(unique))
    fresh = [row for k, row in unique.items() if k not in existing]
    if fresh:
        names = ", ".join(f'"{c}"' for c in columns)
        raw.executemany(
            f'INSERT OR IGNORE INTO "{table.name}" ({names}) '
            f"VALUES ({', '.join('?' * len(columns))})",
            fresh,
        )
    return {row[0] for row in fresh}


def _psycopg_insert_new(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> set[Any]:
    """The bulk path for PostgreSQL: one statement of unnested arrays (pg_batch), RETURNING
    exactly the rows that were new, even with parallel shards inserting at once."""
    # Sorted: shards inserting overlapping keys wait for each other in one order, never
    # in a cycle (a deadlock).
    ordered = sorted(rows, key=lambda row: str(row[key]))
    return {
        found for (found,) in pg_batch.run(connection, pg_batch.insert_new(table, ordered, key))
    }


def psycopg_merge(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    assignments: str,
) -> set[Any]:
    """Upsert rows (unique by key) on PostgreSQL, merging each with the stored row in SQL
    (`assignments`, the SET of ON CONFLICT DO UPDATE, where the table's name is the stored
    row): atomic per row, so concurrent writers need no lock and nothing is read back.
    Returns the keys that were new."""
    if not rows:
        return set()
    statement = pg_batch.merge(table, rows, key, assignments)
    return {found for found, new in pg_batch.run(connection, statement) if new}


def _is_json(column_type: Any) -> bool:
    return isinstance(column_type, sqltypes.JSON) or isinstance(
        getattr(column_type, "impl", None), sqltypes.JSON
    )
