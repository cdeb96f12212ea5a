"""Bring a state database to the newest schema with the Alembic migrations shipped here."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

__all__ = ["MIGRATIONS", "VERSION_TABLE", "alembic_config", "current_revision", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "koppel_alembic_version"

#: Any constant: the PostgreSQL advisory lock that serialises migrations.
_MIGRATION_LOCK = 0x6B6F7070


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config for the shipped migrations, without any ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this version of koppel."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at, or None for an empty database."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: sa.Engine, *, schema: str | None = None) -> None:
    """Migrate to head inside one transaction, so concurrent openers wait for each other.

    SQLite serialises through ``BEGIN IMMEDIATE`` (DDL is transactional there),
    PostgreSQL through a transaction-level advisory lock. ``schema`` (PostgreSQL)
    is created first when it does not exist.
    """
    head = head_revision()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            if schema is not None:
                connection.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        if current_revision(connection) == head:
            return
        command.upgrade(alembic_config(connection), "head")
