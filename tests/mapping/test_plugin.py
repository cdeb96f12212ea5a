"""The built-in datamapper plugin and the mapping_functions hook."""

import pytest

from koppel import hookimpl
from koppel.errors import MappingRecordError, PluginError
from koppel.mapping import CompiledMapping, collect_functions, compile_mapping
from koppel.plugins import KoppelPluginManager
from koppel.sync import Action, Connection, Direction

SPEC = {
    "fields": {
        "number": "Number",
        "email": {"expr": "Email", "write": "create_only"},
        "code": "acme_code(Number)",
    }
}


class Acme:
    @hookimpl
    def mapping_functions(self):
        return {"acme_code": lambda value: None if value is None else f"A-{value}"}


@pytest.fixture
def manager():
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(Acme(), "acme")
    return manager


def test_hook_mapping_functions_adds_functions_to_every_mapping(manager):
    functions = collect_functions(manager.pm)
    mapping = compile_mapping(SPEC, name="acme/orders/inbound", functions=functions)
    assert mapping.apply({"Number": 7, "Email": "a@b.nl"}) == {
        "number": 7,
        "email": "a@b.nl",
        "code": "A-7",
    }


def test_hook_mapping_functions_refuses_a_builtin_name(manager):
    class Greedy:
        @hookimpl
        def mapping_functions(self):
            return {"upper": str.upper}

    manager.register(Greedy(), "greedy")
    with pytest.raises(PluginError, match=r"'greedy'.*upper"):
        collect_functions(manager.pm)


def test_hook_mapping_functions_refuses_a_name_two_plugins_register(manager):
    manager.register(type("Again", (Acme,), {})(), "again")
    with pytest.raises(
        PluginError, match="plugins 'acme' and 'again' both register mapping function acme_code"
    ):
        collect_functions(manager.pm)


def test_hook_mapping_functions_refuses_what_is_not_a_table(manager):
    class Wrong:
        @hookimpl
        def mapping_functions(self):
            return ["acme_other"]

    manager.register(Wrong(), "wrong")
    with pytest.raises(PluginError, match=r"'wrong'.*must return a mapping"):
        collect_functions(manager.pm)


def test_hook_map_record_builtin_datamapper_applies_the_mapping(manager):
    mapping = compile_mapping(SPEC, functions=collect_functions(manager.pm))
    out = manager.hook.map_record(
        connection=Connection(name="c", system="acme"),
        entity="orders",
        direction=Direction.OUTBOUND,
        data={"Number": 1, "Email": "x@y.nl"},
        mapping=mapping,
        action=Action.UPDATE,
        existing=None,
    )
    assert out == {"number": 1, "code": "A-1"}


def test_hook_map_record_builtin_datamapper_names_the_record_id(manager):
    mapping = compile_mapping({"fields": {"n": "to_decimal(Amount)"}}, name="m", functions={})
    with pytest.raises(MappingRecordError) as caught:
        manager.hook.map_record(
            connection=Connection(name="c", system="acme"),
            entity="orders",
            direction=Direction.INBOUND,
            data={"Id": 42, "Amount": "many"},
            mapping=mapping,
            action=None,
            existing=None,
        )
    assert caught.value.context["record"] == "42"
    assert caught.value.context["mapping"] == "m"


def test_hook_map_record_builtin_datamapper_passes_without_a_mapping(manager):
    out = manager.hook.map_record(
        connection=Connection(name="c", system="acme"),
        entity="orders",
        direction=Direction.INBOUND,
        data={"Id": 1},
        mapping=None,
        action=None,
        existing=None,
    )
    assert out is None


def test_datamapper_is_a_builtin_plugin(manager):
    assert manager.loaded["datamapper"].builtin
    assert isinstance(compile_mapping(SPEC, functions={"acme_code": str}), CompiledMapping)
