"""Alembic environment: runs on the connection koppel passes in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from koppel.state._migrate import VERSION_TABLE
from koppel.state._schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("koppel's migrations run through koppel.state.open_state()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
