"""The metrics store: one SQLAlchemy engine, migrations, a write API and read models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from governance.errors import StoreNotInitialised
from governance.store.database import (
    current_revision,
    head_revision,
    make_engine,
    sqlite_file,
    upgrade,
)
from governance.store.schema import (  # noqa: F401  (their tables join the schema)
    board_tables,
    engine_tables,
    incident_tables,
    token_tables,
)


class Store:
    """A handle on the metrics store at one SQLAlchemy URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql' (or any other SQLAlchemy backend name)."""
        return make_url(self.url).get_backend_name()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def init(self) -> tuple[str | None, str]:
        """Create or upgrade the schema; returns (revision before, revision after)."""
        return upgrade(self.engine)

    def check_ready(self) -> None:
        """Refuse to work on a store that is missing or behind the code's migrations."""
        database = sqlite_file(self.url)
        # Looking must not create: connecting to a missing SQLite file would make an empty one.
        revision = None if database and not database.exists() else current_revision(self.engine)
        if revision != head_revision():
            state = "has no meshgov schema" if revision is None else f"is at {revision}"
            raise StoreNotInitialised(
                f"the store {self.display_url} {state}; run `meshgov init` to create or upgrade it"
            )

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for read models."""
        with self.engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
