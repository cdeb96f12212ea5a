"""Loading mapping files and the errors that name where a mapping is wrong."""

import json

import pytest

from koppel.errors import MappingError
from koppel.mapping import compile_mapping, load_mapping_file

TOML = """
description = "order"
[fields]
number = "Number"
billing_address.street = "Street"
"billing_address.city" = "City"
currency = { expr = "Currency", default = "EUR" }

[fields."lines[]"]
source = "Rows"
fields = { sku = "Sku" }
"""


def test_load_mapping_file_toml_nests_dotted_keys(tmp_path):
    path = tmp_path / "order.toml"
    path.write_text(TOML)
    spec = load_mapping_file(path)
    assert spec.file == str(path)
    mapping = compile_mapping(spec, functions={})
    assert mapping.fields == (
        "number",
        "billing_address.street",
        "billing_address.city",
        "currency",
        "lines",
    )
    out = mapping.apply({"Number": 1, "Street": "S", "City": "C", "Rows": [{"Sku": "A"}]})
    assert out == {
        "number": 1,
        "billing_address": {"street": "S", "city": "C"},
        "currency": "EUR",
        "lines": [{"sku": "A"}],
    }


def test_load_mapping_file_json(tmp_path):
    path = tmp_path / "order.json"
    path.write_text(json.dumps({"fields": {"number": "Number"}}))
    assert load_mapping_file(path) == {"fields": {"number": "Number"}}


def test_load_mapping_file_invalid_expression_names_file_field_expression_position(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[fields]\nnumber = "Number"\ntotal = "sum(Rows[].Amount"\n')
    with pytest.raises(MappingError) as caught:
        load_mapping_file(path)
    context = caught.value.context
    assert context["file"] == str(path)
    assert context["field"] == "total"
    assert context["expression"] == "sum(Rows[].Amount"
    assert context["position"] == 17
    assert "at position 17" in caught.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[fields", "invalid TOML"),
        ("fields = 3", "non-empty table"),
        ("[fieldz]\na = 'b'", "unknown key(s) fieldz"),
        ("[fields]\na = 3", "expected an expression string or a field table"),
        ("[fields]\na = { expr = 'x', value = 1 }", "exactly one of"),
        ("[fields]\na = { expr = 'x', write = 'sometimes' }", "write must be one of"),
        ("[fields]\na = { expr = 'x', on_null = 'skip' }", "on_null must be one of"),
        ("[fields]\n'a[]' = { expr = 'x' }", "needs source and fields"),
        ("[fields]\na = { fields = { b = 'c' } }", "needs a source"),
        ("[fields]\na = 'x'\n'a.b' = 'y'", "clashes"),
        ("[fields]\na = { value = 1, default = 2 }", "a constant has no default"),
        ("[fields]\na = 'x'\n[lookups]\nt = 1", "[lookups] must hold tables"),
    ],
)
def test_load_mapping_file_shape_errors_name_the_file(tmp_path, text, message):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(MappingError) as caught:
        load_mapping_file(path)
    assert message in caught.value.message
    assert caught.value.context["file"] == str(path)


def test_load_mapping_file_missing_and_wrong_suffix(tmp_path):
    with pytest.raises(MappingError, match="cannot read mapping"):
        load_mapping_file(tmp_path / "none.toml")
    (tmp_path / "m.yaml").write_text("x")
    with pytest.raises(MappingError, match=r"\.toml or \.json"):
        load_mapping_file(tmp_path / "m.yaml")


def test_compile_unknown_function_and_arity_fail_at_load(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text("[fields]\na = 'upper(b, c)'\n")
    with pytest.raises(MappingError) as caught:
        compile_mapping(load_mapping_file(path), name="x/y/inbound", functions={})
    assert caught.value.context["file"] == str(path)
    assert caught.value.context["field"] == "a"
    assert caught.value.context["mapping"] == "x/y/inbound"
    assert "upper() does not take 2 arguments" in caught.value.message
    with pytest.raises(MappingError, match="unknown function frobnicate"):
        compile_mapping({"fields": {"a": "frobnicate(b)"}}, functions={})


def test_compile_unknown_lookup_table_fails_at_load():
    with pytest.raises(MappingError, match=r"no lookup table 'terms' \(tables: vat\)"):
        compile_mapping({"fields": {"a": "lookup('terms', b)"}}, lookups={"vat": {}}, functions={})


def test_compile_errors_in_sub_mappings_name_the_nested_field():
    spec = {"fields": {"lines[]": {"source": "Rows", "fields": {"qty": "to_decimal(Q"}}}}
    with pytest.raises(MappingError) as caught:
        compile_mapping(spec, functions={})
    assert caught.value.context["field"] == "lines[].qty"


@pytest.mark.parametrize(
    "rule",
    [
        "{ expr = 'sku', wirte = 'create_only' }",
        "{ value = 'x', on_nul = 'omit' }",
        "{ source = 'Rows', fields = { a = 'A' }, writes = 'always' }",
    ],
)
def test_load_mapping_file_unknown_key_in_a_rule_names_field_and_key(tmp_path, rule):
    path = tmp_path / "m.toml"
    path.write_text(f"[fields]\nsku = {rule}\n")
    with pytest.raises(MappingError) as caught:
        load_mapping_file(path)
    assert caught.value.context["field"] == "sku"
    assert caught.value.context["file"] == str(path)
    message = caught.value.message
    assert "unknown key(s)" in message
    assert any(typo in message for typo in ("wirte", "on_nul", "writes"))
    assert "expr, fields, on_null, source, value, write" in message.replace("default, ", "")


def test_compile_unknown_key_in_a_rule_of_a_sub_mapping_or_override():
    spec = {"fields": {"lines[]": {"source": "R", "fields": {"q": {"expr": "Q", "wirte": "x"}}}}}
    with pytest.raises(MappingError, match=r"unknown key.*wirte") as caught:
        compile_mapping(spec, functions={})
    assert caught.value.context["field"] == "lines[].q"
    with pytest.raises(MappingError, match=r"unknown key.*wirte") as caught:
        compile_mapping(
            {"fields": {"sku": "Sku"}},
            overrides={"fields": {"sku": {"write": "create_only", "wirte": "always"}}},
            functions={},
        )
    assert caught.value.context["field"] == "sku"


def test_load_mapping_file_a_table_without_rule_keys_is_a_group_of_nested_targets(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(
        "[fields.billing_address]\nstreet = 'Street'\n"
        "city = { expr = 'City', write = 'create_only' }\n"
        "[fields]\n'amount.value' = 'Amount'\n'amount.write' = 'W'\n"
    )
    mapping = compile_mapping(load_mapping_file(path), functions={})
    out = mapping.apply({"Street": "S", "City": "C", "Amount": 1, "W": 2})
    assert out == {
        "billing_address": {"street": "S", "city": "C"},
        "amount": {"value": 1, "write": 2},
    }
    assert mapping.create_only == frozenset({"billing_address.city"})
