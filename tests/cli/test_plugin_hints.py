"""What koppel says about a system no plugin provides: broken, misspelt or not installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from koppel import hookimpl
from koppel.cli import cli
from koppel.errors import PluginError
from koppel.plugins import BrokenPlugin, KoppelPluginManager
from koppel.system import EntityInfo, SystemInfo


class Acme:
    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(name="acme-books", title="Acme", entities=(EntityInfo(name="orders"),))


@pytest.fixture
def manager() -> KoppelPluginManager:
    manager = KoppelPluginManager()
    manager.load_builtins()
    return manager


def test_a_broken_plugin_is_said_to_be_broken_with_its_error(
    manager: KoppelPluginManager,
) -> None:
    manager.broken.append(
        BrokenPlugin("acme", "ModuleNotFoundError: No module named 'zeep'", "koppel-acme", "1.0")
    )
    with pytest.raises(PluginError) as info:
        manager.system("acme")
    assert "installed but broken: ModuleNotFoundError: No module named 'zeep'" in str(info.value)
    assert "pip install koppel-acme" not in str(info.value)


def test_a_misspelt_system_gets_did_you_mean(manager: KoppelPluginManager) -> None:
    manager.register(Acme(), "acme")
    with pytest.raises(PluginError, match="did you mean 'acme-books'"):
        manager.system("acme-boks")


def test_an_unknown_system_gets_the_pip_hint(manager: KoppelPluginManager) -> None:
    with pytest.raises(PluginError, match="pip install koppel-acme"):
        manager.system("acme")


def test_check_of_a_flow_with_a_typo_says_did_you_mean(tmp_path: Path) -> None:
    pytest.importorskip("koppel_eaccounting")
    flow = tmp_path / "f.toml"
    flow.write_text(
        'source = "a"\ntarget = "b"\nentity = "products"\n'
        '[connections.a]\nsystem = "eaccountng"\n[connections.b]\nsystem = "folder"\n'
    )
    result = CliRunner().invoke(cli, ["check", str(flow)])
    assert result.exit_code == 2
    assert "did you mean 'eaccounting'?" in result.output
