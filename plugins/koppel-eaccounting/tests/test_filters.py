"""The flow filters eAccounting declares per entity: core refuses any other key at run start and in
``koppel check`` (the standard suite proves it for every entity)."""

from __future__ import annotations

from koppel_eaccounting.plugin import connector


def test_eaccounting_filters_are_declared_per_entity() -> None:
    declared = {e.name: set(e.filters or ()) for e in connector.koppel_system().entities}
    assert {name: keys for name, keys in declared.items() if keys} == {
        "orders": {"status", "statuses", "paid"},
        "products": {"active"},
        "stock": {"active"},
    }
