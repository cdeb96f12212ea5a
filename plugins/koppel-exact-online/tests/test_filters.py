"""The flow filters Exact Online declares per entity: core refuses any other key at run start and in
``koppel check`` (the standard suite proves it for every entity)."""

from __future__ import annotations

from koppel_exact_online.plugin import connector


def test_exact_filters_are_declared_per_entity() -> None:
    # No Exact resource reads by a filter today: every entity declares that it takes none.
    assert all(e.filters == {} for e in connector.koppel_system().entities)
