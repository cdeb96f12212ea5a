"""Fixtures for the purchase side: sample UBL files, and state stores on SQLite and,
when ``KOPPEL_TEST_POSTGRES_URL`` is set, PostgreSQL (a schema of its own per test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import attrs
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from koppel.state import StateStore, open_state
from koppel.state._engine import resolve_url

SAMPLES = Path(__file__).with_name("ubl")


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())


def sample(name: str) -> str:
    """The text of a sample UBL file."""
    return SAMPLES.joinpath(name).read_text(encoding="utf-8")


@attrs.frozen
class StateAt:
    """Where a test's state lives, and the location a flow or connection names it by."""

    url: str
    schema: str | None

    @property
    def location(self) -> str:
        """The path or URL that opens this store (PostgreSQL: with its search path)."""
        if self.schema is None:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options={quote(f'-csearch_path={self.schema}')}"

    def open(self) -> StateStore:
        return open_state(self.url, schema=self.schema)


@pytest.fixture(params=["sqlite", "postgres"])
def state_at(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateAt]:
    if request.param == "sqlite":
        yield StateAt(str(tmp_path / "state.sqlite3"), None)
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"koppel_purchase_{uuid.uuid4().hex[:12]}"
    yield StateAt(url, schema)
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


@pytest.fixture
def store(state_at: StateAt) -> Iterator[StateStore]:
    with state_at.open() as opened:
        yield opened
