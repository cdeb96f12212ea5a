import json

from click.testing import CliRunner

from koppel import hookimpl, plugins
from koppel.cli import cli
from koppel.records import OrderType
from koppel.system import EntityInfo, SystemInfo


class Alpha:
    @hookimpl
    def koppel_system(self):
        return SystemInfo(
            name="alpha", title="Alpha", entities=(EntityInfo(name="customers", read=True),)
        )

    @hookimpl
    def supports_order_types(self, connection):
        return [OrderType.ORDER, OrderType.FINANCIAL_MUTATION]


def test_plugins_json_lists_plugins_and_broken(monkeypatch):
    manager = plugins.KoppelPluginManager()
    manager.register(Alpha(), "alpha", distribution="koppel-alpha", version="2.0")
    manager.broken.append(plugins.BrokenPlugin("bad", "ImportError: nope", "koppel-bad", "0.1"))
    monkeypatch.setattr(plugins, "get_plugin_manager", lambda: manager)
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0
    listing = json.loads(result.output)
    [alpha] = listing["plugins"]
    assert alpha["system"] == "alpha" and alpha["reads"] == ["customers"]
    assert alpha["order_types"] == ["order", "financial_mutation"]
    assert alpha["hooks"] == ["koppel_system", "supports_order_types"]
    assert listing["broken"] == [
        {
            "name": "bad",
            "distribution": "koppel-bad",
            "version": "0.1",
            "error": "ImportError: nope",
        }
    ]


def test_plugins_table_shows_system_and_broken(monkeypatch):
    manager = plugins.KoppelPluginManager()
    manager.register(Alpha(), "alpha", distribution="koppel-alpha", version="2.0")
    manager.broken.append(plugins.BrokenPlugin("bad", "ImportError: nope"))
    monkeypatch.setattr(plugins, "get_plugin_manager", lambda: manager)
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0
    header, row, broken = result.output.splitlines()
    assert header.split() == ["name", "version", "reads", "writes", "order", "types", "hooks"]
    assert row.startswith("alpha") and "2.0" in row and "financial_mutation" in row
    assert broken == "broken: bad (None): ImportError: nope"


def test_plugins_show_lists_every_setting_with_type_default_and_description() -> None:
    import pytest

    pytest.importorskip("koppel_eaccounting")
    shown = CliRunner().invoke(cli, ["plugins", "show", "eaccounting"])
    assert shown.exit_code == 0, shown.output
    assert "page_size" in shown.output and "int" in shown.output and "500" in shown.output
    assert "client_id (credential)" in shown.output
    as_json = json.loads(
        CliRunner().invoke(cli, ["plugins", "show", "eaccounting", "--json"]).output
    )
    page_size = next(s for s in as_json["settings"] if s["name"] == "page_size")
    assert (page_size["type"], page_size["default"]) == ("int", 500)
    assert {e["name"] for e in as_json["entities"]} >= {"orders", "customers"}
