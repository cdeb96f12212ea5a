"""Finding a system's sandbox through the koppel_sandbox hook and attaching it."""

from __future__ import annotations

import httpx
import pytest

from koppel import hookimpl
from koppel.errors import PluginError
from koppel.plugins import KoppelPluginManager
from koppel.sandbox import OAuthEmulator, Sandbox, attach_sandbox, sandbox_for
from koppel.sync import Connection
from koppel.system import SystemInfo


class _System:
    def __init__(self, name: str, with_sandbox: bool) -> None:
        self.name = name
        self.with_sandbox = with_sandbox

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(name=self.name, title=self.name.title())

    @hookimpl
    def koppel_sandbox(self, seed: int) -> Sandbox | None:
        if not self.with_sandbox:
            return None
        sandbox = Sandbox(self.name, oauth=OAuthEmulator())
        sandbox.store.seed("items", [{"n": seed}])

        @sandbox.route("GET", "/items")
        def items(request: object) -> list[dict[str, object]]:
            return sandbox.store["items"].all()

        return sandbox


@pytest.fixture
def pm() -> KoppelPluginManager:
    manager = KoppelPluginManager()
    manager.register(_System("alpha", True), "alpha")
    manager.register(_System("beta", False), "beta")
    return manager


def test_hook_koppel_sandbox_reaches_only_its_system(pm: KoppelPluginManager) -> None:
    sandbox = sandbox_for("alpha", seed=7, pm=pm)
    assert sandbox.name == "alpha"
    assert sandbox.store["items"].all() == [{"n": 7, "id": "1"}]
    with pytest.raises(PluginError, match="'beta' provides no sandbox"):
        sandbox_for("beta", pm=pm)


def test_registry_unknown_system_is_plugin_error(pm: KoppelPluginManager) -> None:
    with pytest.raises(PluginError, match="no plugin provides system 'gamma'"):
        sandbox_for("gamma", pm=pm)


def test_registry_attach_sandbox_grants_token(pm: KoppelPluginManager) -> None:
    sandbox = sandbox_for("alpha", pm=pm)
    connection = attach_sandbox(Connection(name="shop", system="alpha"), sandbox)
    token = connection.token_store.load("shop")
    with httpx.Client(transport=connection.transport, base_url=sandbox.base_url) as client:
        assert client.get("/items").status_code == 401
        answer = client.get("/items", headers={"Authorization": f"Bearer {token.access_token}"})
    assert answer.status_code == 200
    assert sandbox.count("GET", "/items") == 2


def test_registry_attach_sandbox_gives_the_connection_its_clock(pm: KoppelPluginManager) -> None:
    from koppel.testing import FakeClock

    sandbox = sandbox_for("alpha", pm=pm)
    sandbox.clock = clock = FakeClock()
    connection = attach_sandbox(Connection(name="shop", system="alpha"), sandbox)
    assert connection.clock is clock


class _Sized:
    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(name="sized", title="Sized")

    @hookimpl
    def koppel_sandbox(self, seed: int, volume: int | None) -> Sandbox:
        sandbox = Sandbox("sized")
        sandbox.store.seed("orders", [{"n": n} for n in range(3 if volume is None else volume)])
        return sandbox


def test_registry_volume_reaches_hookimpls_that_take_it(pm: KoppelPluginManager) -> None:
    pm.register(_Sized(), "sized")
    assert len(sandbox_for("sized", pm=pm).store["orders"]) == 3
    assert len(sandbox_for("sized", volume=40, pm=pm).store["orders"]) == 40
    assert sandbox_for("alpha", pm=pm).name == "alpha"  # one without volume still works
    with pytest.raises(PluginError, match="the sandbox of 'alpha' takes no volume") as info:
        sandbox_for("alpha", volume=40, pm=pm)
    assert info.value.context["field"] == "volume"
