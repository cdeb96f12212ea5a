"""Core's mapping functions, called through a compiled mapping as users write them."""

from decimal import Decimal

import pytest

from koppel.errors import MappingRecordError
from koppel.mapping import compile_mapping, country_code, split_street


def run(expression, data=None, lookups=None):
    mapping = compile_mapping(
        {"fields": {"out": expression}}, name="t", lookups=lookups, functions={}
    )
    return mapping.apply(data or {}, record_id="r1")["out"]


@pytest.mark.parametrize(
    ("line", "street", "number", "addition"),
    [
        ("Hoofdstraat 12a", "Hoofdstraat", "12", "a"),
        ("Laan 1940-1945 3 bis", "Laan 1940-1945", "3", "bis"),
        ("2e Jan Steenstraat 7-II", "2e Jan Steenstraat", "7", "II"),
        ("Dorpsplein", "Dorpsplein", None, None),
        ("Hoofdstraat 12 A", "Hoofdstraat", "12", "A"),
        ("  Van Baerlestraat   101 hs ", "Van Baerlestraat", "101", "hs"),
        ("Kerkweg 3-1", "Kerkweg", "3", "1"),
        ("Postbus 123", "Postbus", "123", None),
        ("Hoofdstraat 12,", "Hoofdstraat", "12", None),
    ],
)
def test_split_street_dutch_addresses(line, street, number, addition):
    assert split_street(line) == {"street": street, "number": number, "addition": addition}


def test_split_street_in_an_expression():
    assert run("split_street(a).number", {"a": "Laan 1940-1945 3 bis"}) == "3"
    assert run("split_street(a)", {}) is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Nederland", "NL"),
        ("the Netherlands", "NL"),
        ("Holland", "NL"),
        ("NLD", "NL"),
        ("nl", "NL"),
        ("België", "BE"),
        ("Belgie", "BE"),
        ("Germany", "DE"),
        ("DEU", "DE"),
        ("Verenigd Koninkrijk", "GB"),
        ("United States", "US"),
        ("Bosnia & Herzegovina", "BA"),
        ("Bosnië en Herzegovina", "BA"),
        ("  frankrijk ", "FR"),
    ],
)
def test_country_code_names_and_codes(name, code):
    assert country_code(name) == code


def test_country_code_unknown_is_a_record_error():
    with pytest.raises(MappingRecordError) as caught:
        run("country_code(c)", {"c": "Atlantis"})
    assert caught.value.context["value"] == "'Atlantis'"
    assert "unknown country" in caught.value.message


def test_lookup_with_and_without_default():
    tables = {"terms": {"14": "NET14", "30": "NET30"}}
    assert run("lookup('terms', t)", {"t": "14"}, tables) == "NET14"
    assert run("lookup('terms', t)", {"t": 30}, tables) == "NET30"
    assert run("lookup('terms', t, 'NET7')", {"t": 99}, tables) == "NET7"
    assert run("lookup('terms', t)", {}, tables) is None
    with pytest.raises(MappingRecordError) as caught:
        run("lookup('terms', t)", {"t": 99}, tables)
    assert caught.value.context == {
        "mapping": "t",
        "record": "r1",
        "field": "out",
        "expression": "lookup('terms', t)",
        "value": "99",
    }


def test_strings():
    data = {"a": " Jan ", "b": "de Vries", "n": 12, "d": Decimal("1.50")}
    assert run("concat(trim(a), ' ', b)", data) == "Jan de Vries"
    assert run("concat(b, missing, n, '/', d)", data) == "de Vries12/1.50"
    assert run("join('-', [b, missing, n])", data) == "de Vries-12"
    assert run("upper(b)", data) == "DE VRIES"
    assert run("lower('ABC')", data) == "abc"
    assert run("trim('--x--', '-')", data) == "x"
    assert run("replace(b, ' ', '_')", data) == "de_Vries"
    assert run("split('a;b', ';')", data) == ["a", "b"]
    assert run("split('a b')", data) == ["a", "b"]
    assert run("coalesce(missing, '', b)", data) == "de Vries"
    assert run("coalesce(missing, '')", data) is None


def test_string_functions_refuse_other_types():
    with pytest.raises(MappingRecordError, match="expected a string"):
        run("upper(n)", {"n": 1})


def test_numbers_stay_exact():
    data = {"rows": [{"p": 0.1}, {"p": "0.2"}, {"p": Decimal("0.005")}]}
    assert run("sum(rows[].to_decimal(p))", data) == Decimal("0.305")
    assert run("round_money(sum(rows[].to_decimal(p)))", data) == Decimal("0.31")
    assert run("round_money(`2.675`)", {}) == Decimal("2.68")
    assert run("round_money(`-2.5`, `0`)", {}) == Decimal("-3")
    assert run("to_decimal(`1.1`)", {}) == Decimal("1.1")
    assert run("sum(rows[].p)", {"rows": [{"p": 1}, {"p": 2}]}) == 3


def test_round_money_refuses_bad_places():
    with pytest.raises(MappingRecordError, match="places"):
        run("round_money(`1`, `1.5`)")


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("to_date(v)", "/Date(1641034800000)/", "2022-01-01"),
        ("to_date(v)", "2024-02-29T23:30:00+01:00", "2024-02-29"),
        ("to_date(v)", "2024-02-29", "2024-02-29"),
        ("to_datetime(v)", "/Date(1641034800000)/", "2022-01-01T11:00:00+00:00"),
        ("to_datetime(v)", "2024-02-29T23:30:00", "2024-02-29T23:30:00+00:00"),
        ("to_date(v)", None, None),
        ("to_date(v)", "", None),
    ],
)
def test_dates(expression, value, expected):
    assert run(expression, {"v": value}) == expected


def test_unparseable_date_is_a_record_error():
    with pytest.raises(MappingRecordError) as caught:
        run("to_date(v)", {"v": "31-01-2024"})
    assert caught.value.context["value"] == "'31-01-2024'"
    assert caught.value.context["field"] == "out"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, None),
        ({"a": None}, None),
        ({"a": "10042"}, "10042"),
        ({"a": 10042}, "10042"),
        ({"a": 1.5}, "1.5"),
        ({"a": True}, "true"),
        ({"a": Decimal("1.50")}, "1.50"),
    ],
)
def test_to_string_keeps_null_and_writes_scalars_as_json_does(data, expected):
    assert run("to_string(a)", data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [({}, None), ({"a": None}, None), ({"a": "12"}, 12), ({"a": "1.5"}, 1.5), ({"a": "x"}, None)],
)
def test_to_number_keeps_null_and_gives_jmespaths_numbers(data, expected):
    assert run("to_number(a)", data) == expected


@pytest.mark.parametrize("function", ["to_string", "to_number"])
@pytest.mark.parametrize("value", [{"nested": {"deep": 1}}, ["a", "b"]])
def test_to_string_and_to_number_of_an_object_or_list_is_a_record_error(function, value):
    with pytest.raises(MappingRecordError) as caught:
        run(f"{function}(a)", {"a": value})
    assert caught.value.context["field"] == "out"
    assert caught.value.context["record"] == "r1"
    assert f"{function}()" in caught.value.message


@pytest.mark.parametrize(
    "items",
    [
        [],
        [Decimal("1.10"), Decimal("2")],
        [Decimal("-0")],
        [Decimal("1E+2"), Decimal("0.001")],
        [Decimal("1"), 2],
        [Decimal("1"), 0.5],
        [Decimal("NaN")],
        [1, 2],
        "12",
    ],
)
def test_sum_of_decimals_gives_what_jmespaths_checked_sum_gives(items):
    from jmespath import functions as jp_functions

    from koppel.mapping import KoppelFunctions

    functions = KoppelFunctions({})

    def outcome(call):
        try:
            return repr(call(functions, "sum", [items]))
        except Exception as exc:
            return type(exc).__name__

    assert outcome(KoppelFunctions.call_function) == outcome(jp_functions.Functions.call_function)
