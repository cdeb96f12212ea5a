"""``koppel run --sandbox``: local systems need no sandbox, keyed sandboxes give their key."""

from __future__ import annotations

from typing import Any

import pytest

from koppel import hookimpl
from koppel.cli.run import Sandboxes
from koppel.errors import PluginError
from koppel.flows import ConnectionConfig
from koppel.plugins import KoppelPluginManager
from koppel.sandbox import Sandbox
from koppel.system import EntityInfo, SystemInfo


class Keyed:
    """A system whose sandbox accepts one API key."""

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(name="keyed", title="Keyed", entities=(EntityInfo(name="orders"),))

    @hookimpl
    def koppel_sandbox(self, seed: int, volume: int | None) -> Sandbox:
        return Sandbox("keyed", credentials={"api_key": "sandbox-key"})


@pytest.fixture
def sandboxes() -> Sandboxes:
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.load_entry_points()
    pm.register(Keyed(), "keyed")
    return Sandboxes(manager=pm)


def config(system: str, **credentials: Any) -> ConnectionConfig:
    return ConnectionConfig(name=system, system=system, credentials=credentials)


def test_sandbox_run_uses_a_local_system_as_it_is(sandboxes: Sandboxes) -> None:
    register = config("register")
    assert sandboxes.is_local("register") and sandboxes.is_local("ubl")
    assert sandboxes._as_sandbox_app(register) is register
    assert "register" not in sandboxes.boxes


def test_sandbox_run_gives_the_sandboxs_credentials_instead_of_the_flows(
    sandboxes: Sandboxes,
) -> None:
    given = sandboxes._as_sandbox_app(config("keyed", api_key="env:KEYED_API_KEY"))
    assert given.credentials == {"api_key": "sandbox-key"}


def test_sandbox_run_still_names_a_system_that_has_no_sandbox(sandboxes: Sandboxes) -> None:
    with pytest.raises(PluginError, match="no plugin provides system 'nowhere'"):
        sandboxes._as_sandbox_app(config("nowhere"))
