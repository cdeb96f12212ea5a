"""The generated (un)structure functions give what cattrs' own give, and keep hooks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType

import attrs
import cattrs
import pytest
from cattrs.gen import make_dict_unstructure_fn

from koppel.records import (
    Creditor,
    Customer,
    Order,
    OrderLine,
    Relation,
    evolve,
    make_converter,
    structure,
    unstructure,
)

_ORDER = {
    "id": 7,
    "number": "1001",
    "order_type": "invoice",
    "order_date": "2024-05-01T10:00:00",
    "customer": {
        "name": "Jan",
        "company_name": "Bakkerij de Vries",
        "contact": {"name": "Jan", "email": "jan@devries.nl"},
        "billing_address": {"street": "Dorpsstraat", "house_number": 5},
        "custom": {"tier": "gold"},
    },
    "shipping_address": None,
    "lines": [
        {"sku": "A", "quantity": "2", "unit_price": 7.5, "vat_rate": 21},
        {"ean": 8712345010078, "quantity": Decimal("1.0"), "total": None},
    ],
    "costs": [{"kind": "shipping", "amount": "4.95", "vat_rate": None}],
    "exchange_rate": 1.1,
    "prices_include_vat": 1,
    "vat_calculation": "per_total",
    "total_incl_vat": Decimal("20.00"),
    "custom": {"channel": "web"},
    "not_a_field": "ignored",
}


def test_generated_structure_gives_what_cattrs_detailed_structure_gives():
    fast, detailed = make_converter(detailed_validation=False), make_converter()
    assert fast.structure(_ORDER, Order) == detailed.structure(_ORDER, Order)
    assert fast.structure({}, Order) == detailed.structure({}, Order) == Order()


def test_generated_unstructure_gives_what_cattrs_unstructure_gives():
    converter = make_converter()
    order = structure(_ORDER, Order)
    plain = converter.unstructure(order)
    expected = make_dict_unstructure_fn(Order, converter)(order)
    assert plain == expected
    assert [type(v) for v in plain.values()] == [type(v) for v in expected.values()]
    assert plain["lines"][0]["quantity"] == "2" and plain["order_date"] == "2024-05-01"


def test_generated_structure_takes_any_mapping_and_fresh_factory_defaults():
    order = structure(MappingProxyType({"number": "1"}), Order)
    assert order.number == "1" and order.custom == {}
    assert structure({}, Order).custom is not order.custom


def test_generated_structure_runs_the_attrs_converters_of_fields():
    creditor = structure({"name": "ACME", "vat_number": " nl 8123.45.678.b01 "}, Creditor)
    assert creditor == Creditor(name="ACME", vat_number=" nl 8123.45.678.b01 ")


def test_a_bad_nested_value_names_its_path_as_before():
    data = {**_ORDER, "lines": [{"sku": "A"}, {"sku": "B", "quantity": "three"}]}
    with pytest.raises(Exception, match=r"^Order\.lines\[1\]\.quantity: expected a number"):
        structure(data, Order)
    with pytest.raises(Exception, match=r"^Order\.costs\[0\]\.kind: is required"):
        structure({"costs": [{"amount": "1"}]}, Order)


def test_hooks_registered_on_a_converter_are_called_not_inlined():
    converter = make_converter(detailed_validation=False)
    converter.register_structure_hook(Decimal, lambda value, _: Decimal(value) * 100)
    converter.register_structure_hook(
        Customer, lambda value, _: Customer(name=f"hooked {value['name']}")
    )
    converter.register_unstructure_hook(date, lambda value: value.strftime("%d-%m-%Y"))
    order = converter.structure(
        {"customer": {"name": "Jan"}, "order_date": "2024-05-01", "lines": [{"quantity": 2}]},
        Order,
    )
    assert order.customer == Customer(name="hooked Jan")
    assert order.lines[0].quantity == Decimal(200)
    assert converter.unstructure(order)["order_date"] == "01-05-2024"


@attrs.frozen(kw_only=True)
class _Node:
    name: str
    child: _Node | None = None
    children: tuple[_Node, ...] = ()


_NEW_CALLS: list[type] = []


@attrs.frozen(kw_only=True)
class _Made:
    record: str = "r"

    def __new__(cls, *args: object, **kwargs: object) -> _Made:
        _NEW_CALLS.append(cls)
        return super().__new__(cls)


def test_a_class_with_its_own_new_is_made_by_calling_it():
    converter = make_converter(detailed_validation=False)
    made = converter.structure({"record": "x"}, _Made)
    assert evolve(made, record="y") == _Made(record="y")
    assert len(_NEW_CALLS) == 3  # structure, evolve and the expected record


def test_a_class_whose_fields_lead_back_to_it():
    converter = make_converter(detailed_validation=False)
    data = {"name": "a", "child": {"name": "b"}, "children": [{"name": "c"}]}
    node = converter.structure(data, _Node)
    assert node == _Node(name="a", child=_Node(name="b"), children=(_Node(name="c"),))
    assert converter.unstructure(node) == {
        "name": "a",
        "child": {"name": "b", "child": None, "children": []},
        "children": [{"name": "c", "child": None, "children": []}],
    }


@attrs.frozen
class _WithPrivate:
    _secret: str = "x"
    derived: int = attrs.field(init=False, default=1)


def test_classes_the_generator_does_not_cover_get_cattrs_functions():
    converter = make_converter(detailed_validation=False)
    assert converter.structure({"_secret": "y"}, _WithPrivate) == _WithPrivate(secret="y")
    assert converter.unstructure(_WithPrivate("y")) == cattrs.Converter().unstructure(
        _WithPrivate("y")
    )


def test_enum_members_and_relations_round_trip():
    relation = structure({"kind": "creditor", "modified_at": "2024-05-01T10:00:00"}, Relation)
    assert structure(unstructure(relation), Relation) == relation
    line = structure({"quantity": 3}, OrderLine)
    assert unstructure(line)["quantity"] == "3"


@attrs.frozen(kw_only=True)
class _Evolving:
    _secret: str = "x"
    record: str = ""
    count: int = attrs.field(default=0, converter=int)
    derived: int = attrs.field(init=False)

    @derived.default
    def _derived(self) -> int:
        return self.count * 2


def test_evolve_makes_what_attrs_evolve_makes():
    order = structure(_ORDER, Order)
    customer = Customer(name="Piet")
    assert evolve(order, customer=customer) == attrs.evolve(order, customer=customer)
    assert evolve(order) == order and evolve(order) is not order
    record = _Evolving(secret="s", count=1)
    assert evolve(record, count="4") == attrs.evolve(record, count="4")
    assert evolve(record, count="4").derived == 8
    assert evolve(record, secret="t") == attrs.evolve(record, secret="t")
    assert evolve(record, record="r") == attrs.evolve(record, record="r")
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        evolve(order, colour="red")


@attrs.frozen
class _Line:
    sku: str
    qty: int = 1


class _OwnDefault(_Line):
    """A plain subclass whose own ``__init__`` has another default than the field's."""

    def __init__(self, sku: str, qty: int = 2) -> None:
        super().__init__(sku, qty)


@attrs.define(init=False)
class _OwnInit:
    x: int
    y: int = 1

    def __init__(self, x: int, y: int = 5) -> None:
        self.__attrs_init__(x, y)


def test_a_class_with_its_own_init_gets_its_own_defaults():
    converter = make_converter(detailed_validation=False)
    assert converter.structure({"sku": "a"}, _OwnDefault) == _OwnDefault("a", 2)
    assert converter.structure({"sku": "a"}, _OwnDefault).qty == 2
    assert converter.structure({"x": 1}, _OwnInit).y == 5


def test_a_class_whose_name_is_no_identifier_is_generated_for():
    spaced = attrs.make_class("Order Line", {"a": attrs.field(default=1, type=int)}, frozen=True)
    converter = make_converter(detailed_validation=False)
    record = converter.structure({"a": 3}, spaced)
    assert record.a == 3 and converter.unstructure(record) == {"a": 3}
    assert evolve(record, a=4) == attrs.evolve(record, a=4)
