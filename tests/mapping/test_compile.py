"""Applying compiled mappings: overrides, write rules, nulls, lists and record errors."""

import functools
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koppel.errors import KoppelError, MappingError, MappingRecordError
from koppel.mapping import compile_mapping
from koppel.sync import Action

SPEC = {
    "fields": {
        "number": "Number",
        "email": {"expr": "Email", "write": "create_only"},
        "notes": {"expr": "Notes", "write": "if_empty"},
        "address.city": {"expr": "City", "write": "if_empty"},
        "kind": {"value": "sales"},
        "tags": {"value": ["a"]},
        "lines[]": {
            "source": "Rows",
            "fields": {
                "sku": "Sku",
                "quantity": "to_decimal(Qty)",
                "memo": {"expr": "Memo", "write": "if_empty"},
                "price": {"expr": "Price", "write": "create_only"},
            },
        },
    }
}
DATA = {
    "Number": "1001",
    "Email": "a@b.nl",
    "Notes": "new notes",
    "City": "Utrecht",
    "Rows": [
        {"Sku": "A", "Qty": "2", "Memo": "m1", "Price": 1},
        {"Sku": "B", "Qty": 1, "Memo": "m2", "Price": 2},
    ],
}


def mapping(**kwargs):
    return compile_mapping(SPEC, name="demo/orders/outbound", functions={}, **kwargs)


def test_apply_create_writes_every_field():
    out = mapping().apply(DATA, action=Action.CREATE)
    assert out == {
        "number": "1001",
        "email": "a@b.nl",
        "notes": "new notes",
        "address": {"city": "Utrecht"},
        "kind": "sales",
        "tags": ["a"],
        "lines": [
            {"sku": "A", "quantity": Decimal("2"), "memo": "m1", "price": 1},
            {"sku": "B", "quantity": Decimal("1"), "memo": "m2", "price": 2},
        ],
    }


def test_apply_update_keeps_create_only_out_and_fills_only_empty_fields():
    existing = {
        "notes": "",
        "address": {"city": "Amsterdam"},
        "lines": [{"memo": "kept"}],
    }
    out = mapping().apply(DATA, action=Action.UPDATE, existing=existing)
    assert out == {
        "number": "1001",
        "notes": "new notes",
        "kind": "sales",
        "tags": ["a"],
        "lines": [
            {"sku": "A", "quantity": Decimal("2")},
            {"sku": "B", "quantity": Decimal("1"), "memo": "m2"},
        ],
    }


def test_apply_update_without_existing_leaves_if_empty_fields_out():
    out = mapping().apply(DATA, action="update")
    assert "notes" not in out and "address" not in out
    assert all("memo" not in line for line in out["lines"])


def test_write_rule_sets():
    compiled = mapping()
    assert compiled.create_only == {"email"}
    assert compiled.if_empty == {"notes", "address.city"}
    assert "number" in compiled.always and "lines" in compiled.always


def test_constants_are_not_shared_between_records():
    compiled = mapping()
    first = compiled.apply(DATA)
    first["tags"].append("changed")
    assert compiled.apply(DATA)["tags"] == ["a"]


def test_overrides_change_replace_add_and_remove_fields():
    overrides = {
        "fields": {
            "number": {"write": "create_only"},
            "email": "lower(Email)",
            "kind": {"expr": "Kind", "default": "sales"},
            "notes": {"remove": True},
            "reference": {"value": "web"},
            "lines[]": {"fields": {"sku": "upper(Sku)", "price": {"remove": True}}},
        }
    }
    compiled = mapping(overrides=overrides)
    out = compiled.apply({**DATA, "Email": "A@B.NL", "Rows": [{"Sku": "a", "Qty": 1}]})
    assert out["email"] == "a@b.nl"
    assert out["kind"] == "sales"
    assert out["reference"] == "web"
    assert "notes" not in out
    assert out["lines"] == [{"sku": "A", "quantity": Decimal("1"), "memo": None}]
    assert compiled.create_only == {"number", "email"}


def test_override_of_a_missing_field_needs_an_expression():
    with pytest.raises(MappingError, match="exactly one of"):
        mapping(overrides={"fields": {"nope": {"write": "create_only"}}})


def test_lookups_from_spec_are_replaced_by_the_flow():
    spec = {"fields": {"t": "lookup('terms', T)"}, "lookups": {"terms": {"14": "SPEC"}}}
    assert compile_mapping(spec, functions={}).apply({"T": 14}) == {"t": "SPEC"}
    flow = compile_mapping(spec, lookups={"terms": {"14": "FLOW"}}, functions={})
    assert flow.apply({"T": 14}) == {"t": "FLOW"}


def test_null_handling_default_omit_error():
    spec = {
        "on_null": "omit",
        "fields": {
            "a": "A",
            "b": {"expr": "B", "on_null": "keep"},
            "c": {"expr": "C", "default": 0},
            "d": {"expr": "D", "on_null": "error"},
        },
    }
    compiled = compile_mapping(spec, name="m", functions={})
    assert compiled.apply({"D": 1}) == {"b": None, "c": 0, "d": 1}
    with pytest.raises(MappingRecordError) as caught:
        compiled.apply({}, record_id="9")
    assert caught.value.context["field"] == "d" and caught.value.context["record"] == "9"


@pytest.mark.parametrize("value", [{"nested": {"deep": 1}}, ["a"], []])
def test_required_field_that_is_an_object_or_list_is_a_record_error(value):
    spec = {
        "on_null": "omit",
        "fields": {
            "number": {"expr": "N", "on_null": "error"},
            "custom": "C",
            "customer": {"source": "B", "fields": {"name": "Name"}, "on_null": "error"},
        },
    }
    compiled = compile_mapping(spec, name="m", functions={})
    good = {"N": "1", "C": {"x": [1]}, "B": {"Name": "Jan"}}
    assert compiled.apply(good) == {
        "number": "1",
        "custom": {"x": [1]},
        "customer": {"name": "Jan"},
    }
    for action in (None, Action.UPDATE):
        with pytest.raises(MappingRecordError) as caught:
            compiled.apply({**good, "N": value}, action=action, record_id="9")
        assert caught.value.context["field"] == "number"
        assert "number is required" in caught.value.message
        assert caught.value.context["record"] == "9"


def test_required_field_in_a_line_that_is_an_object_names_the_line():
    spec = {
        "fields": {
            "lines[]": {"source": "Rows", "fields": {"sku": {"expr": "Sku", "on_null": "error"}}}
        }
    }
    compiled = compile_mapping(spec, functions={})
    with pytest.raises(MappingRecordError) as caught:
        compiled.apply({"Rows": [{"Sku": "A"}, {"Sku": {"nested": 1}}]})
    assert caught.value.context["field"] == "lines[1].sku"


def test_required_field_given_by_to_string_of_null_is_a_record_error():
    spec = {"fields": {"number": {"expr": "to_string(Number)", "on_null": "error"}}}
    compiled = compile_mapping(spec, functions={})
    assert compiled.apply({"Number": 10042}) == {"number": "10042"}
    with pytest.raises(MappingRecordError, match="number is required"):
        compiled.apply({"Number": None})


def test_required_field_given_empty_text_is_a_record_error():
    spec = {"fields": {"number": {"expr": "to_string(Number)", "on_null": "error"}}}
    compiled = compile_mapping(spec, functions={})
    for blank in ("", "   "):
        with pytest.raises(
            MappingRecordError, match="number is required, but its expression gave empty text"
        ):
            compiled.apply({"Number": blank})


def test_lists_map_missing_to_empty_and_refuse_non_lists():
    compiled = mapping()
    assert compiled.apply({"Number": 1})["lines"] == []
    with pytest.raises(MappingRecordError) as caught:
        compiled.apply({"Rows": {"Sku": "A"}}, record_id="7")
    assert caught.value.context["field"] == "lines"
    assert "must give a list" in caught.value.message


def test_record_error_in_a_line_names_its_index():
    data = {"Rows": [{"Qty": 1}, {"Qty": "two"}]}
    with pytest.raises(MappingRecordError) as caught:
        mapping().apply(data, record_id="5")
    assert caught.value.context["field"] == "lines[1].quantity"
    assert caught.value.context["expression"] == "to_decimal(Qty)"
    assert caught.value.context["value"] == "'two'"
    assert caught.value.context["record"] == "5"
    assert caught.value.context["mapping"] == "demo/orders/outbound"


def test_record_error_on_a_megabyte_value_is_cut_and_names_the_field():
    data = {"Rows": [{"Qty": "9" * 100 + "x" * 5_000_000}]}
    with pytest.raises(MappingRecordError) as caught:
        mapping().apply(data, record_id="5")
    assert caught.value.context["field"] == "lines[0].quantity"
    assert caught.value.context["value"].endswith("... (5,000,102 characters)")
    assert caught.value.context["value"].startswith("'" + "9" * 100 + "x")
    assert len(str(caught.value)) < 1_500


NOT_FINITE = [float("inf"), float("-inf"), float("nan"), Decimal("Infinity"), Decimal("NaN")]


@pytest.mark.parametrize("bad", NOT_FINITE, ids=str)
@pytest.mark.parametrize(
    ("data", "field"),
    [
        (lambda bad: {"Total": bad}, "total"),
        (lambda bad: {"B": bad}, "a.b"),
        (lambda bad: {"Rows": [{"Price": 1}, {"Price": bad}]}, "lines[1].price"),
        (lambda bad: {"Total": {"x": [1, bad]}}, "total.x[1]"),
    ],
)
@pytest.mark.parametrize("action", [None, Action.UPDATE])
def test_number_that_is_not_finite_is_a_record_error_naming_the_field(bad, data, field, action):
    spec = {
        "fields": {
            "total": "Total",
            "a.b": "B",
            "lines[]": {"source": "Rows", "fields": {"price": "Price"}},
        }
    }
    compiled = compile_mapping(spec, name="m", functions={})
    with pytest.raises(MappingRecordError) as caught:
        compiled.apply(data(bad), action=action, record_id="7")
    assert caught.value.context["field"] == field
    assert caught.value.context["record"] == "7"
    assert caught.value.context["mapping"] == "m"
    assert "not a finite number" in caught.value.message


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("A", json.loads('{"A": 1e999}')),
        ("to_number(S)", {"S": "1.0e999"}),
        ("sum(L)", {"L": [1e308, 1e308]}),
        ("avg(L)", {"L": [1e308, 1e308]}),
        ("upper(S) || A", json.loads('{"A": 1e999}')),
        ("B == `1` && A", json.loads('{"A": 1e999, "B": 1}')),
        ("lookup('t', S, A)", json.loads('{"A": 1e999}')),
        ("lookup('t', S, `1e999`)", {}),
        ("split(S)[0] || A", json.loads('{"A": 1e999}')),
        ("decimal(A)", {"A": "Infinity"}),
        ("unannotated(A)", {"A": "NaN"}),
        ("text_or_decimal(A)", {"A": "NaN"}),
        ("wrapped_text(A)", {"A": "NaN"}),
    ],
)
def test_expression_giving_a_number_that_is_not_finite_is_a_record_error(expression, data):
    def decimal(value: Any) -> Decimal:
        return Decimal(value)

    def unannotated(value):
        return Decimal(value)

    def text_or_decimal(value: Any) -> str | Decimal:
        return Decimal(value)

    def text(value: Any) -> str:
        return str(value)

    @functools.wraps(text)  # carries text's annotation, not what it returns
    def wrapped_text(value: Any) -> Any:
        return Decimal(value)

    functions = {
        "decimal": decimal,
        "unannotated": unannotated,
        "text_or_decimal": text_or_decimal,
        "wrapped_text": wrapped_text,
    }
    spec = {"fields": {"out": expression}}
    compiled = compile_mapping(spec, lookups={"t": {"x": 1}}, functions=functions)
    with pytest.raises(MappingRecordError, match="not a finite number") as caught:
        compiled.apply(data)
    assert caught.value.context["field"] == "out"


@pytest.mark.parametrize("entry", [{"value": float("inf")}, {"expr": "A", "default": float("nan")}])
def test_constant_or_default_that_is_not_finite_does_not_compile(entry):
    with pytest.raises(MappingError, match="not a finite number") as caught:
        compile_mapping({"fields": {"out": entry}}, functions={})
    assert caught.value.context["field"] == "out"


def test_lookup_table_value_that_is_not_finite_does_not_compile():
    with pytest.raises(MappingError, match="lookup table 'rates' holds inf at 'NL'"):
        compile_mapping(
            {"fields": {"out": "lookup('rates', C)"}},
            lookups={"rates": {"NL": float("inf")}},
            functions={},
        )


def test_object_sub_mapping():
    spec = {"fields": {"customer": {"source": "Buyer", "fields": {"name": "Name"}}}}
    compiled = compile_mapping(spec, functions={})
    assert compiled.apply({"Buyer": {"Name": "Jan"}}) == {"customer": {"name": "Jan"}}
    assert compiled.apply({}) == {"customer": None}


def test_jmespath_type_error_is_a_record_error():
    compiled = compile_mapping({"fields": {"n": "length(N)"}}, name="m", functions={})
    with pytest.raises(MappingRecordError) as caught:
        compiled.apply({"N": 5}, record_id="3")
    assert "length() expected" in caught.value.message
    assert caught.value.context["value"] == "5"


def test_plugin_function_failures_stay_record_errors():
    def explode(value):
        raise RuntimeError("boom")

    compiled = compile_mapping({"fields": {"n": "explode(N)"}}, functions={"explode": explode})
    with pytest.raises(MappingRecordError, match="RuntimeError: boom"):
        compiled.apply({"N": 1})


WIDE = {
    "fields": {
        "a": "a.b.c",
        "b": "to_decimal(a)",
        "c": "round_money(b)",
        "d": "sum(c)",
        "e": "to_date(a)",
        "f": "upper(a) || lower(b)",
        "g": "split_street(c)",
        "h": "country_code(a)",
        "i": "lookup('t', a)",
        "j": "concat(a, b)",
        "k": "join('-', c)",
        "l": "length(a)",
        "m": "a[0].b[1]",
        "lines[]": {"source": "c", "fields": {"x": "to_datetime(@)", "y": "a.b"}},
    }
}
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=8),
        st.sampled_from(["12.5", "2024-01-02", "Hoofdstraat 1", "NL", "/Date(0)/"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_apply_on_arbitrary_json_raises_only_koppel_errors(data):
    compiled = compile_mapping(WIDE, lookups={"t": {"x": 1}}, functions={})
    try:
        compiled.apply(data, record_id="r")
    except KoppelError as exc:
        assert isinstance(exc, MappingRecordError)
        assert exc.context["record"] == "r" and "field" in exc.context


def _outcome(run):
    try:
        return ("ok", _with_key_order(run()))
    except MappingRecordError as exc:
        return ("error", exc.message, exc.context)


def _with_key_order(value):
    if isinstance(value, dict):
        return [(key, _with_key_order(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_with_key_order(item) for item in value]
    return value


#: WIDE with nested targets, a nested sub-mapping and a required field, under each null rule.
NESTED = {
    "fields": {
        **WIDE["fields"],
        "p.q": "a",
        "p.r.s": "to_decimal(b)",
        "p.r.t": "c",
        "req": {"expr": "b", "on_null": "error", "default": "x"},
        "one": {"source": "a", "fields": {"x": "b", "y.z": "c"}},
        "lines[]": {"source": "c", "fields": {"x": "to_datetime(@)", "y.z": "a.b", "w": "a"}},
    }
}


@pytest.mark.parametrize("on_null", ["keep", "omit", "error"])
@settings(max_examples=200, deadline=None)
@given(data=json_values)
def test_apply_fast_path_equals_the_full_plan(on_null, data):
    spec = {**NESTED, "on_null": on_null}
    fast = compile_mapping(spec, lookups={"t": {"x": 1}}, functions={})
    full = compile_mapping(spec, lookups={"t": {"x": 1}}, functions={})
    full._fast = None
    assert fast._fast is not None
    assert _outcome(lambda: fast.apply(data, record_id="r")) == _outcome(
        lambda: full.apply(data, record_id="r")
    )


def test_nested_target_apart_from_its_first_field_may_be_omitted_in_the_full_plan_only():
    spec = {"fields": {"a.b": "x", "c": "y", "a.d": "z"}, "on_null": "omit"}
    compiled = compile_mapping(spec, functions={})
    assert compiled._fast is None
    assert list(compiled.apply({"y": 2, "z": 3})) == ["c", "a"]
    assert list(compile_mapping({**spec, "on_null": "keep"}, functions={}).apply({})) == ["a", "c"]


def test_mapping_nested_past_pythons_compiler_limits_still_maps() -> None:
    deep = "a0"
    for level in range(1, 100):  # 99 nested ||: deeper than Python allows blocks
        deep = f"a{level} || ({deep})"
    compiled = compile_mapping({"fields": {"x": deep}}, functions={})
    assert compiled.apply({"a0": 7}) == {"x": 7}
    many = compile_mapping(
        {"fields": {"x": f"coalesce({', '.join(f'a{i}' for i in range(3000))})"}}, functions={}
    )
    assert many.apply({"a2999": "last"}) == {"x": "last"}


def test_mapping_reads_a_null_object_past_its_sub_mapping_in_one_pass() -> None:
    calls: list[Any] = []

    def tick(value: Any) -> Any:
        calls.append(value)
        return value

    spec = {
        "fields": {
            "n": "tick(id)",
            "o": {"source": "x", "fields": {"q": "q"}},
            "c": "x.q",
        }
    }
    compiled = compile_mapping(spec, functions={"tick": tick})
    assert compiled.apply({"id": 1, "x": None}) == {"n": 1, "o": None, "c": None}
    assert calls == [1]  # the generated function did it all: no second pass by the plan
