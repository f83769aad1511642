"""PostgreSQL through psycopg: each kind of evidence as one statement, a write in one round trip.

A kind's rows go as arrays, one per column, unnested into an INSERT ... ON CONFLICT: the
statement's text does not depend on how many rows there are, so psycopg prepares it once
and PostgreSQL plans it once, and a hundred rows cost one statement instead of a hundred.
Check results and log records add their new rows to the daily roll-up in the same statement
(a data-modifying CTE), so nothing has to come back to Python between the two.

`send` queues such statements on one pipeline: a group of pushed requests (checks, runs,
lineage and the prune horizon) reaches the store and comes back in one round trip, where
statement after statement took ten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import sqltypes

_DIALECT = postgresql.dialect()


@dataclass(frozen=True)
class Rollup:
    """Where new rows are counted: `table` keyed by `keys`, each counter a FILTER condition.

    The keys are columns of the incoming rows (computed in Python, e.g. the day of a check's
    run time, exactly as the other backends count it); they need not be stored columns.
    """

    table: Table
    keys: tuple[str, ...]
    counters: tuple[tuple[str, str], ...]  # (column, condition on the incoming row u)


@dataclass
class Statement:
    """One statement with its parameters; `rows` come back once the pipeline has synced."""

    sql: str
    params: Sequence[Any]
    rows: list[tuple[Any, ...]] | None = None


def insert_new(table: Table, rows: Sequence[dict[str, Any]], key: str) -> Statement:
    """Insert rows whose `key` is new; returns the keys inserted."""
    columns = tuple(rows[0])
    return Statement(_insert_sql(table, columns, key, None, None), _arrays(table, columns, rows))


def insert_counted(
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    rollup: Rollup,
    extra: dict[str, str],
    extra_values: Sequence[Sequence[Any]],
) -> Statement:
    """insert_new, and the new rows counted into `rollup` in the same statement.

    `extra` names columns the roll-up groups by that are not stored (name -> SQL type);
    `extra_values` holds them per row.
    """
    columns = tuple(rows[0])
    extras = tuple(extra.items())
    params = [*_arrays(table, columns, rows), *(list(values) for values in extra_values)]
    return Statement(_insert_sql(table, columns, key, extras, rollup), params)


def merge(table: Table, rows: Sequence[dict[str, Any]], key: str, assignments: str) -> Statement:
    """Upsert rows (unique by `key`), merged with the stored row by `assignments` (the SET of
    ON CONFLICT DO UPDATE; the table's name is the stored row); returns (key, is new)."""
    columns = tuple(rows[0])
    # Sorted: writers upserting overlapping keys lock them in one order (no deadlock).
    ordered = sorted(rows, key=lambda row: str(row[key]))
    return Statement(_merge_sql(table, columns, key, assignments), _arrays(table, columns, ordered))


def insert_with_children(
    table: Table,
    row: dict[str, Any],
    children: Table,
    parent_column: str,
    child_rows: Sequence[dict[str, Any]],
) -> Statement:
    """Insert one row and its child rows (their `parent_column` set to its id); returns its id."""
    columns = tuple(row)
    params: list[Any] = list(_arrays(table, columns, [row]))
    sql = f"WITH parent AS ({_insert_sql(table, columns, None, None, None)} RETURNING id)"
    if child_rows:
        child_columns = tuple(child_rows[0])
        params += _arrays(children, child_columns, child_rows)
        names = ", ".join(f'"{c}"' for c in (parent_column, *child_columns))
        sql += (
            f', child AS (INSERT INTO "{children.name}" ({names}) SELECT parent.id, '
            f"{_select_list(children, child_columns)} FROM parent, "
            f"{_source(children, child_columns, ())})"
        )
    return Statement(sql + " SELECT id FROM parent", params)


def send(connection: Connection, statements: Sequence[Statement]) -> None:
    """Run the statements in one pipeline: one round trip; each statement's rows filled in."""
    driver = connection.connection.driver_connection
    cursors = []
    with _text_refusals(), driver.pipeline():
        for statement in statements:
            cursor = driver.cursor()
            cursor.execute(statement.sql, statement.params, binary=True)
            cursors.append(cursor)
    for statement, cursor in zip(statements, cursors, strict=True):
        statement.rows = cursor.fetchall() if cursor.description is not None else []
        cursor.close()


def run(connection: Connection, statement: Statement) -> list[tuple[Any, ...]]:
    """One statement on its own (no pipeline); its rows."""
    with _text_refusals(), connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params, binary=True)
        return cursor.fetchall() if cursor.description is not None else []


class TextNotStorable(ValueError):
    """A text value PostgreSQL cannot hold: a NUL character."""


@contextmanager
def _text_refusals() -> Iterator[None]:
    """PostgreSQL's refusal of a NUL character in text, said so a person can act on it.

    (Text parameters in psycopg's text format were refused by psycopg itself, saying why; in
    the binary format the server refuses them with "invalid byte sequence ... 0x00".)
    """
    from psycopg import errors

    try:
        yield
    except errors.CharacterNotInRepertoire as exc:
        raise TextNotStorable(
            "a text value holds a NUL character (\\u0000), which PostgreSQL cannot store "
            f"({exc.diag.message_primary})"
        ) from exc


# --- building the statements ------------------------------------------------------------


def _arrays(table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> list[list]:
    """One list per column, as the column's type takes it (JSON as text, floats as floats:
    psycopg types a list by its first element, and 0 before 0.5 would make it integers)."""
    arrays = []
    for column in columns:
        values = [row[column] for row in rows]
        kind = _kind(table, column)
        if kind == "json":
            values = [None if v is None else json.dumps(v) for v in values]
        elif kind == "float":
            values = [None if v is None else float(v) for v in values]
        arrays.append(values)
    return arrays


@lru_cache(maxsize=256)
def _kind(table: Table, column: str) -> str:
    column_type = table.c[column].type
    impl = getattr(column_type, "impl", column_type)
    if isinstance(column_type, sqltypes.JSON) or isinstance(impl, sqltypes.JSON):
        return "json"
    if isinstance(impl, sqltypes.Float):
        return "float"
    return "plain"


@lru_cache(maxsize=256)
def _array_type(table: Table, column: str) -> str:
    """The SQL type an array of the column's values is sent as (JSON goes as text)."""
    if _kind(table, column) == "json":
        return "text"
    return table.c[column].type.compile(dialect=_DIALECT)


@lru_cache(maxsize=256)
def _stored_type(table: Table, column: str) -> str:
    return table.c[column].type.compile(dialect=_DIALECT)


def _source(table: Table, columns: Sequence[str], extras: Sequence[tuple[str, str]]) -> str:
    """unnest(%s::type[], ...) AS u(columns...): the incoming rows as a relation."""
    types = [_array_type(table, c) for c in columns] + [t for _, t in extras]
    names = ", ".join(f'"{c}"' for c in [*columns, *(n for n, _ in extras)])
    return f"unnest({', '.join(f'%b::{t}[]' for t in types)}) AS u({names})"


def _select_list(table: Table, columns: Sequence[str]) -> str:
    return ", ".join(
        f'u."{c}"::{_stored_type(table, c)}' if _kind(table, c) == "json" else f'u."{c}"'
        for c in columns
    )


@lru_cache(maxsize=64)
def _insert_sql(
    table: Table,
    columns: tuple[str, ...],
    key: str | None,
    extras: tuple[tuple[str, str], ...] | None,
    rollup: Rollup | None,
) -> str:
    """INSERT of unnested rows: ON CONFLICT (key) DO NOTHING RETURNING key unless key is None;
    with a roll-up, the new rows are counted into it (a CTE) and their keys returned."""
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f'INSERT INTO "{table.name}" ({names}) SELECT {_select_list(table, columns)} FROM '
    conflict = "" if key is None else f' ON CONFLICT ("{key}") DO NOTHING RETURNING "{key}"'
    if rollup is None:
        return insert + _source(table, columns, ()) + conflict
    assert key is not None
    keys = ", ".join(f'u."{k}"' for k in rollup.keys)
    # Byte order ("C"), as Python sorts strings: every writer locks roll-up rows in one order.
    order = ", ".join(
        f'u."{k}" COLLATE "C"' if _array_type(rollup.table, k).startswith("VARCHAR") else f'u."{k}"'
        for k in rollup.keys
    )
    counters = ", ".join(f"count(*) FILTER (WHERE {condition})" for _, condition in rollup.counters)
    added = ", ".join(f'"{c}" = r."{c}" + excluded."{c}"' for c, _ in rollup.counters)
    target = ", ".join(f'"{c}"' for c in (*rollup.keys, *(c for c, _ in rollup.counters)))
    conflict_keys = ", ".join(f'"{k}"' for k in rollup.keys)
    return (
        f"WITH u AS (SELECT * FROM {_source(table, columns, extras or ())}), "
        f"new AS ({insert}u{conflict}), "
        f'counted AS (INSERT INTO "{rollup.table.name}" AS r ({target}) '
        f'SELECT {keys}, {counters} FROM new JOIN u USING ("{key}") '
        f'WHERE u."{rollup.keys[0]}" IS NOT NULL GROUP BY {keys} ORDER BY {order} '
        f"ON CONFLICT ({conflict_keys}) DO UPDATE SET {added}) "
        f'SELECT "{key}" FROM new'
    )


@lru_cache(maxsize=64)
def _merge_sql(table: Table, columns: tuple[str, ...], key: str, assignments: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return (
        f'INSERT INTO "{table.name}" ({names}) SELECT {_select_list(table, columns)} '
        f"FROM {_source(table, columns, ())} "
        f'ON CONFLICT ("{key}") DO UPDATE SET {assignments} '
        # xmax is 0 on a row this statement inserted, the transaction's id on one it updated.
        f'RETURNING "{key}", (xmax = 0)'
    )
