import json

from click.testing import CliRunner
from koppel.cli import cli


def test_plugins_json_lists_builtins_and_broken(monkeypatch):
    from koppel import plugins

    manager = plugins.KoppelPluginManager()
    manager.broken.append(plugins.BrokenPlugin("bad", "ImportError: nope", "koppel-bad", "0.1"))
    monkeypatch.setattr(plugins, "get_plugin_manager", lambda: manager)
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0
    listing = json.loads(result.output)
    assert listing["broken"] == [
        {
            "name": "bad",
            "distribution": "koppel-bad",
            "version": "0.1",
            "error": "ImportError: nope",
        }
    ]


def test_plugins_table_shows_system_and_broken(monkeypatch):
    from koppel import plugins

    from tests.test_hooks import Alpha

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
