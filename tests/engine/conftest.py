"""Fixtures for engine tests: two in-memory systems and a state store on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.flows import Flow, parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore, open_state
from koppel.state._engine import resolve_url


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    if request.param == "sqlite":
        with open_state(str(tmp_path / "state.sqlite3")) as opened:
            yield opened
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"koppel_engine_{uuid.uuid4().hex[:12]}"
    with open_state(url, schema=schema) as opened:
        yield opened
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


@pytest.fixture
def shop() -> MemorySystem:
    return MemorySystem("shop")


@pytest.fixture
def books() -> MemorySystem:
    return MemorySystem("books")


@pytest.fixture
def manager(shop: MemorySystem, books: MemorySystem) -> KoppelPluginManager:
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(shop, "shop")
    pm.register(books, "books")
    return pm


@pytest.fixture
def make_flow() -> Callable[..., Flow]:
    def make(entity: str = "customers", **extra: Any) -> Flow:
        data: dict[str, Any] = {
            "name": f"shop-{entity}",
            "source": "shop",
            "target": "books",
            "entity": entity,
            "connections": {"shop": {"system": "shop"}, "books": {"system": "books"}},
            **extra,
        }
        return parse_flow(data)

    return make
