"""Alembic environment: migrations run on the connection meshgov hands over."""

from __future__ import annotations

from alembic import context

import governance.store.schema.board_tables  # noqa: F401  (registers its tables on the metadata)
import governance.store.schema.engine_tables  # noqa: F401
import governance.store.schema.token_tables  # noqa: F401
from governance.store.schema.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("meshgov migrations run through `meshgov init`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
