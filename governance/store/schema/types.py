"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, cast
from sqlalchemy import Integer as SQLInteger
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware.

    SQLite has no timezone type, so values are normalised to naive UTC on the way in and
    tagged as UTC on the way out; PostgreSQL keeps them as timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes: a time without a zone is a bug upstream, not a guess here."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: meshgov stores only aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back aware UTC datetimes whatever the backend."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class days_before(GenericFunction[date]):  # noqa: N801 - SQL function names are lower case
    """days_before(day, n): the date n days before `day`, in SQL, on either backend."""

    type = Date()
    inherit_cache = True


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps dates as ISO text; date() shifts them and stays comparable as text.
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, '-' || {days} || ' days')"


@compiles(days_before)
def _days_before(element: days_before, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL: date - integer is a date; the cast keeps a bound int from arriving as int8.
    day, days = element.clauses
    return f"({compiler.process(day, **kw)} - {compiler.process(cast(days, SQLInteger), **kw)})"


# JSON everywhere, JSONB where PostgreSQL can index it.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def in_order(mapping: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """`mapping` with the keys of `order` first, in that order, then the rest by name.

    PostgreSQL's JSONB keeps no key order (it sorts keys by length), so documents whose
    order people see (score dimensions in pages, exports and explanations) are put back in
    order when read, the same on both backends.
    """
    rank = {key: n for n, key in enumerate(order)}
    return dict(sorted(mapping.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def as_jsonable(value: Any) -> Any:
    """Tuples become lists so that a stored document compares equal to the one re-read."""
    if isinstance(value, dict):
        return {k: as_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_jsonable(v) for v in value]
    return value
