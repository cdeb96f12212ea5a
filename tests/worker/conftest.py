"""Fixtures of the worker tests: a state store on SQLite, or on PostgreSQL in a schema of
its own when ``KOPPEL_TEST_POSTGRES_URL`` is set (the test skips otherwise)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from koppel.state import StateStore, open_state
from koppel.state._engine import resolve_url


@attrs.frozen
class Target:
    """Where a test's state lives: a SQLite file, or a PostgreSQL URL and a schema."""

    url: str
    schema: str | None

    def open(self) -> StateStore:
        return open_state(self.url, schema=self.schema)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("KOPPEL_SECRET_KEY", key)
    return key


def _postgres(url: str) -> Iterator[Target]:
    schema = f"koppel_test_{uuid.uuid4().hex[:12]}"
    yield Target(url, schema)
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        yield Target(str(tmp_path / "state.sqlite3"), None)
        return
    yield from _postgres(request.getfixturevalue("postgres_url"))


@pytest.fixture
def pg_target(postgres_url: str) -> Iterator[Target]:
    yield from _postgres(postgres_url)
