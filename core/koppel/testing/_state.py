"""State stores for tests: a SQLite file, or a schema of its own on a PostgreSQL server.

The ``koppel_state_target`` and ``koppel_state_store`` fixtures run a test on both;
the PostgreSQL run skips when ``KOPPEL_TEST_POSTGRES_URL`` is unset::

    def test_remembers(koppel_state_store):
        ...
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs
import sqlalchemy as sa

from koppel.state import open_state
from koppel.state._engine import resolve_url

if TYPE_CHECKING:
    from koppel.state import StateStore

__all__ = ["StateTarget", "postgres_schema"]


@attrs.frozen
class StateTarget:
    """Where a test's state lives: a SQLite file, or a PostgreSQL URL and a schema."""

    url: str
    schema: str | None = None

    @property
    def location(self) -> str:
        """The path or URL that opens this store, as a flow, a connection or ``--state``
        names it (PostgreSQL: with the schema as its search path)."""
        if self.schema is None:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options={quote(f'-csearch_path={self.schema}')}"

    def open(self, **options: Any) -> StateStore:
        """Open (and migrate) the store; ``options`` go to :func:`koppel.state.open_state`."""
        return open_state(self.url, schema=self.schema, **options)


@contextmanager
def postgres_schema(url: str) -> Iterator[StateTarget]:
    """A :class:`StateTarget` in a new schema on the PostgreSQL server at ``url``; the
    schema and everything in it is dropped afterwards."""
    schema = f"koppel_test_{uuid.uuid4().hex[:12]}"
    try:
        yield StateTarget(url, schema)
    finally:
        engine = sa.create_engine(resolve_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
        finally:
            engine.dispose()
