"""The flow filters Exact Online declares per entity: core refuses any other key at run
start (and ``koppel check``), so no filter is silently ignored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.flows import parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.state import open_state
from koppel_exact_online.plugin import connector


def run_with(tmp_path: Path, entity: str, filters: dict[str, Any]) -> Any:
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "exact-online")
    manager.register(MemorySystem("books"), "books")
    flow = parse_flow(
        {
            "name": f"{entity}-flow",
            "source": "src",
            "target": "books",
            "entity": entity,
            "connections": {"src": {"system": "exact-online"}, "books": {"system": "books"}},
            "filters": filters,
        }
    )
    with open_state(str(tmp_path / "state.sqlite3")) as store:
        return run_flow(flow, store, manager=manager)


def test_exact_filters_are_declared_per_entity() -> None:
    # No Exact resource reads by a filter today: every entity declares that it takes none.
    assert all(e.filters == {} for e in connector.koppel_system().entities)


def test_exact_run_refuses_any_filter_of_products(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError,
        match="exact-online takes no filter 'active' for products; it takes: none",
    ) as raised:
        run_with(tmp_path, "products", {"active": True})
    assert raised.value.context["path"] == "filters.active"


def test_exact_run_refuses_a_filter_other_than_status_of_orders(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError, match="no filter 'warehouse' for orders; it takes: status"
    ) as raised:
        run_with(tmp_path, "orders", {"status": ["paid"], "warehouse": "1"})
    assert raised.value.context["path"] == "filters.warehouse"
