"""Fixtures for the relation workflow's tests: a state store on SQLite and, when
``KOPPEL_TEST_POSTGRES_URL`` is set, on PostgreSQL in a schema of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import sqlalchemy as sa

from koppel.state import StateStore, open_state
from koppel.state._engine import resolve_url

if TYPE_CHECKING:
    from koppel.cli.run import Sandboxes
    from koppel.flows import Flow


@attrs.frozen
class Target:
    """Where a test's state lives: a SQLite file, or a PostgreSQL URL and a schema."""

    url: str
    schema: str | None

    def open(self) -> StateStore:
        return open_state(self.url, schema=self.schema)


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        yield Target(str(tmp_path / "state.sqlite3"), None)
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"koppel_test_{uuid.uuid4().hex[:12]}"
    yield Target(url, schema)
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


@pytest.fixture
def store(target: Target) -> Iterator[StateStore]:
    with target.open() as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[StateStore]:
    with open_state(tmp_path / "state.sqlite3") as opened:
        yield opened


def sandboxed(flow: Flow, boxes: Sandboxes) -> tuple[Flow, dict[str, Any]]:
    """``flow`` pointed at ``boxes``, and the :class:`RelationWorkflow` options that
    attach its connections to them."""
    return boxes.prepare(flow), {"prepare_connection": boxes.attach, "token_store": boxes.tokens}
