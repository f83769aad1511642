"""Fixtures of the reliability tests."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin_url


@pytest.fixture
def second_pg_url(pg_url):
    """Another fresh database on the same server, for the one-process reference."""
    # Connected to the server's admin database, not pg_url's: fault tests terminate every
    # connection to the database under test.
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"meshgov_ref_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
