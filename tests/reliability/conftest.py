"""Fixtures of the reliability tests."""

from __future__ import annotations

import pytest

from tests import pg_server


@pytest.fixture
def second_pg_url(pg_url):
    """Another fresh database on the same server, for the one-process reference."""
    # Made through the server's admin database, not pg_url's: fault tests terminate every
    # connection to the database under test.
    name = pg_server.create_database("meshgov_ref")
    yield pg_server.database_url(name)
    pg_server.drop_database(name)
