"""Filters as data: a resource declares the ``[filters]`` keys it takes; ``koppel check``
and a run refuse any other key, and ``koppel plugins show`` lists them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

import koppel.plugins
from koppel.cli import cli
from koppel.connector import Connector, Resource
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.flows import parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.state import open_state
from koppel.sync import SourceRecord

SEEN: list[Mapping[str, Any]] = []


class Products(Resource):
    entity = "products"
    match_keys = {"sku": "sku"}
    filters = {"active": "true: active products only"}

    @classmethod
    def check_filters(cls, filters: Mapping[str, Any]) -> None:
        if "active" in filters and not isinstance(filters["active"], bool):
            raise ConfigurationError("filter active is true or false", path="filters.active")

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        SEEN.append(dict(filters))
        return [SourceRecord(id="p1", data={"sku": "S1"}, cursor="1")]


class Orders(Resource):
    entity = "orders"
    match_keys = {"number": "number"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        SEEN.append(dict(filters))
        return []


@attrs.frozen
class NoSettings:
    """The shop needs none."""


shop = Connector(
    name="shop",
    title="Shop",
    settings=NoSettings,
    client=lambda session: None,
    resources=(Products, Orders),
    package="koppel",
)

FLOW = """
source = "shop"
target = "books"
entity = "{entity}"

[connections.shop]
system = "{system}"

[connections.books]
system = "books"

[filters]
{filters}
"""


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[KoppelPluginManager]:
    SEEN.clear()
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(shop, "shop")
    pm.register(MemorySystem("raw"), "raw")
    pm.register(MemorySystem("books"), "books")
    monkeypatch.setattr(koppel.plugins, "_manager", pm)
    yield pm


def check(tmp_path: Path, entity: str, filters: str, system: str = "shop") -> Result:
    path = tmp_path / "flow.toml"
    path.write_text(FLOW.format(entity=entity, filters=filters, system=system))
    return CliRunner().invoke(cli, ["check", str(path)], catch_exceptions=False)


def run(tmp_path: Path, manager: KoppelPluginManager, entity: str, **filters: Any) -> Any:
    flow = parse_flow(
        {
            "name": "shop-products",
            "source": "shop",
            "target": "books",
            "entity": entity,
            "connections": {"shop": {"system": "shop"}, "books": {"system": "books"}},
            "filters": filters,
        }
    )
    with open_state(str(tmp_path / "state.sqlite3")) as store:
        return run_flow(flow, store, manager=manager)


def test_connector_filters_are_in_entity_info(manager: KoppelPluginManager) -> None:
    info = manager.system("shop")
    assert info.entity("products").filters == {"active": "true: active products only"}
    assert info.entity("orders").filters == {}
    assert manager.system("raw").entity("customers").filters is None


def test_check_refuses_an_undeclared_filter_naming_it_and_the_keys_taken(
    manager: KoppelPluginManager, tmp_path: Path
) -> None:
    result = check(tmp_path, "products", 'colour = "red"')
    assert result.exit_code == 2, result.output
    assert "FAIL  shop takes the filters: shop takes no filter 'colour' for products" in (
        result.output
    )
    assert "it takes: active" in result.output and "path=filters.colour" in result.output


def test_check_accepts_declared_filters_and_status_of_orders(
    manager: KoppelPluginManager, tmp_path: Path
) -> None:
    assert (
        "ok    shop takes the filters (active)"
        in check(tmp_path, "products", "active = true").output
    )
    orders = check(tmp_path, "orders", 'status = ["paid"]')
    assert "ok    shop takes the filters (status)" in orders.output
    refused = check(tmp_path, "orders", "active = true")
    assert refused.exit_code == 2 and "it takes: status" in refused.output


def test_check_leaves_filters_of_a_raw_hook_plugin_alone(
    manager: KoppelPluginManager, tmp_path: Path
) -> None:
    result = check(tmp_path, "customers", 'colour = "red"', system="raw")
    assert "ok    raw takes the filters (colour)" in result.output


def test_run_refuses_an_undeclared_filter_before_reading(
    manager: KoppelPluginManager, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="shop takes no filter 'colour' for products") as e:
        run(tmp_path, manager, "products", colour="red")
    assert e.value.context["path"] == "filters.colour"
    assert SEEN == []


def test_run_hands_declared_filters_to_the_resource(
    manager: KoppelPluginManager, tmp_path: Path
) -> None:
    run(tmp_path, manager, "products", active=True)
    assert SEEN == [{"active": True}]


def test_plugins_show_lists_each_entitys_filters(manager: KoppelPluginManager) -> None:
    text = CliRunner().invoke(cli, ["plugins", "show", "shop"]).output
    assert "products  active  true: active products only" in text
    shown = json.loads(CliRunner().invoke(cli, ["plugins", "show", "shop", "--json"]).output)
    filters = {e["name"]: e["filters"] for e in shown["entities"]}
    assert filters == {"products": {"active": "true: active products only"}, "orders": {}}


def test_check_and_run_refuse_a_filter_value_the_resource_refuses(
    manager: KoppelPluginManager, tmp_path: Path
) -> None:
    result = check(tmp_path, "products", 'active = "yes"')
    assert result.exit_code == 2, result.output
    assert "FAIL  shop takes the filters: filter active is true or false" in result.output
    assert "path=filters.active" in result.output
    with pytest.raises(ConfigurationError, match="filter active is true or false") as caught:
        run(tmp_path, manager, "products", active="yes")
    assert caught.value.context["flow"] == "shop-products"
    assert SEEN == []  # refused before anything was read
