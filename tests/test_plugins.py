import importlib.metadata
import sys
import types

import pytest

from koppel import hookimpl
from koppel.errors import PluginError
from koppel.plugins import KoppelPluginManager, disabled_plugins, get_plugin_manager
from koppel.sync import Connection
from koppel.system import EntityInfo, SystemInfo


class SystemPlugin:
    """A system plugin whose upsert records who was called."""

    def __init__(self, name, calls):
        self.name = name
        self.calls = calls

    @hookimpl
    def koppel_system(self):
        return SystemInfo(
            name=self.name, title=self.name.title(), entities=(EntityInfo(name="x", write=True),)
        )

    @hookimpl
    def upsert(self, connection, entity, action, payload, target_id):
        self.calls.append(self.name)
        return f"{self.name}-result"


class Spy:
    """A cross-cutting wrapper plugin."""

    def __init__(self):
        self.seen = []

    @hookimpl(wrapper=True)
    def upsert(self, connection, entity, action, payload, target_id):
        result = yield
        self.seen.append((connection.system, result))
        return result


def test_dispatch_reaches_only_the_system_called_but_wrappers_see_all():
    calls = []
    manager = KoppelPluginManager()
    spy = Spy()
    manager.register(spy, "spy")
    manager.register(SystemPlugin("alpha", calls), "alpha")
    manager.register(SystemPlugin("beta", calls), "beta")

    for system in ("alpha", "beta", "alpha"):
        manager.hooks_for(system).upsert(
            connection=Connection(name=system, system=system),
            entity="x",
            action="create",
            payload={},
            target_id=None,
        )

    assert calls == ["alpha", "beta", "alpha"]
    assert spy.seen == [
        ("alpha", "alpha-result"),
        ("beta", "beta-result"),
        ("alpha", "alpha-result"),
    ]


def test_a_system_registered_later_is_left_out_of_earlier_scopes():
    calls = []
    manager = KoppelPluginManager()
    manager.register(SystemPlugin("alpha", calls), "alpha")
    manager.hooks_for("alpha")
    manager.register(SystemPlugin("beta", calls), "beta")
    manager.hooks_for("alpha").upsert(
        connection=Connection(name="a", system="alpha"),
        entity="x",
        action="create",
        payload={},
        target_id=None,
    )
    assert calls == ["alpha"]


def test_unknown_system_names_what_is_installed():
    manager = KoppelPluginManager()
    manager.register(SystemPlugin("alpha", []), "alpha")
    with pytest.raises(
        PluginError, match=r"no plugin provides system 'gamma' \(installed: alpha\)"
    ):
        manager.hooks_for("gamma")


def test_hookimpl_matching_no_spec_is_rejected_naming_the_plugin():
    class Typo:
        @hookimpl
        def fetch_record(self, connection):  # missing "s"
            return None

    manager = KoppelPluginManager()
    with pytest.raises(PluginError, match=r"plugin 'typo'.*fetch_record"):
        manager.register(Typo(), "typo")
    assert "typo" not in manager.loaded
    assert manager.pm.get_plugin("typo") is None


def test_hookimpl_with_unknown_argument_is_rejected_naming_the_plugin():
    class WrongArgs:
        @hookimpl
        def upsert(self, connection, entity, record):
            return None

    with pytest.raises(PluginError, match=r"plugin 'wrong'.*record"):
        KoppelPluginManager().register(WrongArgs(), "wrong")


def test_two_plugins_cannot_claim_one_system():
    manager = KoppelPluginManager()
    manager.register(SystemPlugin("alpha", []), "alpha")
    with pytest.raises(PluginError, match="already provided by plugin 'alpha'"):
        manager.register(SystemPlugin("alpha", []), "alpha-again")


def test_system_description_must_be_a_system_info():
    class Bad:
        @hookimpl
        def koppel_system(self):
            return {"name": "bad"}

    with pytest.raises(PluginError, match="not SystemInfo"):
        KoppelPluginManager().register(Bad(), "bad")


class FakeEntryPoint:
    def __init__(self, name, module):
        self.name = name
        self.module = module
        self.dist = None

    def load(self):
        return __import__(self.module, fromlist=["_"])


@pytest.fixture
def fake_entry_points(monkeypatch):
    good = types.ModuleType("koppel_fake_good")
    good.koppel_system = hookimpl(
        lambda: SystemInfo(name="good", title="Good", entities=(EntityInfo(name="x", read=True),))
    )
    monkeypatch.setitem(sys.modules, "koppel_fake_good", good)
    points = [FakeEntryPoint("good", "koppel_fake_good"), FakeEntryPoint("bad", "koppel_no_such")]

    def entry_points(group):
        assert group == "koppel"
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    return points


def test_broken_plugin_is_reported_and_the_rest_loads(fake_entry_points):
    manager = KoppelPluginManager()
    manager.load_entry_points()
    assert list(manager.systems) == ["good"]
    [broken] = manager.broken
    assert broken.name == "bad"
    assert "ModuleNotFoundError" in broken.error and "koppel_no_such" in broken.error


def test_disabled_plugins_are_left_out(fake_entry_points, monkeypatch):
    monkeypatch.setenv("KOPPEL_DISABLE_PLUGINS", " bad , good,")
    assert disabled_plugins() == ["bad", "good"]
    manager = get_plugin_manager(refresh=True)
    try:
        assert "good" not in manager.loaded and manager.broken == []
    finally:
        monkeypatch.delenv("KOPPEL_DISABLE_PLUGINS")
        get_plugin_manager(refresh=True)


def test_builtins_register_through_the_same_manager():
    manager = get_plugin_manager(refresh=True)
    from koppel.plugins import BUILTIN_PLUGINS

    for name, _module in BUILTIN_PLUGINS:
        assert manager.loaded[name].builtin
