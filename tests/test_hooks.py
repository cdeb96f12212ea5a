"""Every hook is documented in docs/hooks.md and has a test of its own here or elsewhere."""

import inspect
import re
from pathlib import Path

import pytest

from koppel import hookimpl, hookspecs
from koppel.plugins import KoppelPluginManager
from koppel.records import OrderType
from koppel.sync import Action, Connection, Direction, SourceRecord, TargetRecord, WriteResult
from koppel.system import EntityInfo, SystemInfo

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(
    name
    for name, obj in vars(hookspecs).items()
    if inspect.isfunction(obj) and hasattr(obj, "koppel_spec")
)


def _test_names() -> set[str]:
    names: set[str] = set()
    for folder in ("tests", "plugins"):
        for path in (ROOT / folder).rglob("test_*.py"):
            names.update(re.findall(r"^\s*def (test_\w+)", path.read_text(), re.MULTILINE))
    return names


def test_hooks_are_found():
    assert {"koppel_system", "fetch_records", "map_record", "upsert"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    docs = (ROOT / "docs" / "hooks.md").read_text()
    assert re.search(rf"^## `?{hook}`?\s*$", docs, re.MULTILINE), f"docs/hooks.md lacks ## {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test_of_its_own(hook):
    assert any(name.startswith(f"test_hook_{hook}") for name in _test_names()), hook


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hookspec_is_documented_in_code(hook):
    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    for param in inspect.signature(spec).parameters:
        assert f":param {param}:" in doc, f"{hook} does not document {param}"
    if spec.koppel_spec.get("firstresult"):
        assert "Stops at first non-None result." in doc


def test_documented_hooks_exist():
    docs = (ROOT / "docs" / "hooks.md").read_text()
    documented = set(re.findall(r"^## `?(\w+)`?\s*$", docs, re.MULTILINE))
    assert documented <= set(HOOKS), documented - set(HOOKS)


class Alpha:
    """A system plugin answering every per-system hook."""

    def __init__(self, name="alpha"):
        self.name = name

    @hookimpl
    def koppel_system(self):
        return SystemInfo(
            name=self.name,
            title="Alpha",
            entities=(EntityInfo(name="customers", read=True, write=True, match_keys=("email",)),),
        )

    @hookimpl
    def fetch_records(self, connection, entity, cursor, filters):
        start = int(cursor or 0)
        return (SourceRecord(id=str(i), data={"n": i}, cursor=str(i)) for i in range(start, 3))

    @hookimpl
    def default_mapping(self, connection, entity, direction):
        return {"fields": {"name": "Name"}, "system": self.name, "direction": str(direction)}

    @hookimpl
    def map_record(self, connection, entity, direction, data, mapping, action, existing):
        return {"mapped_by": self.name, **data}

    @hookimpl
    def find_existing(self, connection, entity, match_key, values):
        return {v: TargetRecord(id=f"T-{v}") for v in values if v.endswith("@known.nl")}

    @hookimpl
    def upsert(self, connection, entity, action, payload, target_id):
        return WriteResult(target_id=target_id or "new-1", response={"action": str(action)})

    @hookimpl
    def supports_order_types(self, connection):
        return [OrderType.ORDER, OrderType.FINANCIAL_MUTATION]


@pytest.fixture
def manager():
    manager = KoppelPluginManager()
    manager.register(Alpha(), "alpha")
    manager.register(Alpha("beta"), "beta")
    return manager


def conn(system="alpha"):
    return Connection(name=f"{system}-conn", system=system)


def test_hook_koppel_system_describes_each_system(manager):
    assert set(manager.systems) == {"alpha", "beta"}
    info = manager.system("alpha")
    assert info.readable == ("customers",) and info.writable == ("customers",)
    assert info.entity("customers").match_keys == ("email",)
    assert info.entity("orders") is None


def test_hook_fetch_records_reads_from_the_cursor(manager):
    records = manager.hooks_for("alpha").fetch_records(
        connection=conn(), entity="customers", cursor="1", filters={}
    )
    assert [r.id for r in records] == ["1", "2"]


def test_hook_default_mapping_comes_from_the_called_system(manager):
    spec = manager.hooks_for("beta").default_mapping(
        connection=conn("beta"), entity="customers", direction=Direction.INBOUND
    )
    assert spec["system"] == "beta" and spec["direction"] == "inbound"


def test_hook_map_record_first_result_wins(manager):
    class Late:
        @hookimpl(trylast=True)
        def map_record(self, connection, entity, direction, data, mapping, action, existing):
            return {"mapped_by": "late"}

    manager.register(Late(), "late")
    out = manager.hooks_for("alpha").map_record(
        connection=conn(),
        entity="customers",
        direction=Direction.OUTBOUND,
        data={"name": "Jan"},
        mapping=None,
        action=Action.CREATE,
        existing=None,
    )
    assert out == {"mapped_by": "alpha", "name": "Jan"}


def test_hook_find_existing_answers_only_known_values(manager):
    found = manager.hooks_for("alpha").find_existing(
        connection=conn(),
        entity="customers",
        match_key="email",
        values=["a@known.nl", "b@new.nl"],
    )
    assert list(found) == ["a@known.nl"] and found["a@known.nl"].id == "T-a@known.nl"


def test_hook_upsert_returns_the_target_id(manager):
    result = manager.hooks_for("alpha").upsert(
        connection=conn(), entity="customers", action=Action.UPDATE, payload={}, target_id="9"
    )
    assert result == WriteResult(target_id="9", response={"action": "update"})


def test_hook_supports_order_types_per_system(manager):
    answer = manager.hooks_for("alpha").supports_order_types(connection=conn())
    assert set(answer) == {OrderType.ORDER, OrderType.FINANCIAL_MUTATION}
