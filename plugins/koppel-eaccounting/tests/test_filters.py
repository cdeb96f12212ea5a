"""The flow filters eAccounting declares per entity: core refuses any other key at run
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
from koppel_eaccounting.plugin import connector


def run_with(tmp_path: Path, entity: str, filters: dict[str, Any]) -> Any:
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "eaccounting")
    manager.register(MemorySystem("books"), "books")
    flow = parse_flow(
        {
            "name": f"{entity}-flow",
            "source": "src",
            "target": "books",
            "entity": entity,
            "connections": {"src": {"system": "eaccounting"}, "books": {"system": "books"}},
            "filters": filters,
        }
    )
    with open_state(str(tmp_path / "state.sqlite3")) as store:
        return run_flow(flow, store, manager=manager)


def test_eaccounting_filters_are_declared_per_entity() -> None:
    declared = {e.name: set(e.filters or ()) for e in connector.koppel_system().entities}
    assert {name: keys for name, keys in declared.items() if keys} == {
        "orders": {"status", "statuses"},
        "products": {"active"},
        "stock": {"active"},
    }


def test_eaccounting_run_refuses_a_filter_customers_do_not_take(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError,
        match="eaccounting takes no filter 'active' for customers; it takes: none",
    ) as raised:
        run_with(tmp_path, "customers", {"active": True})
    assert raised.value.context["path"] == "filters.active"


def test_eaccounting_run_refuses_a_filter_orders_do_not_take(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="it takes: status, statuses") as raised:
        run_with(tmp_path, "orders", {"active": True})
    assert raised.value.context["path"] == "filters.active"
