"""The test PostgreSQL server: where it is, whether it answers, and throwaway databases on it."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    """The server's URL from MESHGOV_TEST_PG_URL (CI sets it), else the local default."""
    return os.environ.get("MESHGOV_TEST_PG_URL", DEFAULT_PG_URL)


def unreachable_reason() -> str | None:
    """None when the server answers, else why it does not."""
    try:
        engine = create_engine(admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no usable server
        return f"PostgreSQL not reachable at {make_url(admin_url())!r}: {exc.__class__.__name__}"
    return None


def require(reason: str | None) -> None:
    """Skip a PostgreSQL test when the server is missing; in CI, fail it instead."""
    if not reason:
        return
    # In CI a missing server is a broken pipeline, not a choice.
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


def database_url(name: str) -> str:
    """The URL of database `name` on the test server (password kept, for connecting)."""
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def create_database(prefix: str, template: str | None = None) -> str:
    """Create an empty database (or a copy of `template`); returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    _admin(f'CREATE DATABASE "{name}"{clause}')
    return name


def drop_database(name: str) -> None:
    """Drop a database, closing whatever connections it still has."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(statement: str) -> None:
    # CREATE and DROP DATABASE cannot run inside a transaction.
    admin = create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()
