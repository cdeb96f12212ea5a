"""Fixtures for engine tests: two in-memory systems and a state store on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow, parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())


@pytest.fixture
def store(koppel_state_store: StateStore) -> StateStore:
    """A state store on SQLite and on PostgreSQL (koppel.testing's shared fixture)."""
    return koppel_state_store


@pytest.fixture
def shop() -> MemorySystem:
    return MemorySystem("shop")


@pytest.fixture
def books() -> MemorySystem:
    return MemorySystem("books")


def manager_of(**systems: object) -> KoppelPluginManager:
    """A plugin manager with the built-ins and ``systems`` registered by their names."""
    pm = KoppelPluginManager()
    pm.load_builtins()
    for name, system in systems.items():
        pm.register(system, name)
    return pm


@pytest.fixture
def manager(shop: MemorySystem, books: MemorySystem) -> KoppelPluginManager:
    return manager_of(shop=shop, books=books)


class Crash(BaseException):
    """Stands in for the process dying."""


def run_dying_at_booking(flow: Flow, store: StateStore, manager: KoppelPluginManager) -> None:
    """Run ``flow`` as a process that dies when it books its first chunk: what it wrote
    to the target stays there, unbound and with the cursor unmoved."""

    def dies(*args: object, **kwargs: object) -> None:
        raise Crash

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "book_chunk", dies)
        with pytest.raises(Crash):
            run_flow(flow, store, manager=manager)


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
