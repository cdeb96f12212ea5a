"""The fast evaluator gives exactly what jmespath.search gives, on any data."""

import json
from decimal import Decimal

import jmespath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jmespath.visitor import Options

from koppel.mapping import CORE_FUNCTIONS, KoppelFunctions
from koppel.mapping._evaluator import check_functions, compile_expression
from koppel.mapping._functions import make_lookup
from koppel.mapping._inline import Inliner, Source

KEYS = ["a", "b", "c", "Qty", "x y"]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "a", "B", " a b ", "12", "1.5", "2024-01-31", "NL"]),
)
json_data = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
decimal_data = st.recursive(
    st.one_of(scalars, st.decimals(-100, 100, places=2, allow_nan=False)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


def _field(key):
    return f'"{key}"' if " " in key else key


literals = st.one_of(
    scalars.map(lambda v: f"`{json.dumps(v)}`"),
    st.sampled_from(["'a'", "'NL'", "`[1, 2]`", '`{"a": 1}`']),
)
leaves = st.one_of(st.sampled_from(KEYS).map(_field), st.just("@"), literals)

BUILTINS_1 = ["length", "type", "to_string", "to_number", "abs", "sum", "max", "keys", "sort"]
BUILTINS_1 += ["not_null", "to_array", "reverse", "avg", "values", "floor", "min"]
CUSTOM_1 = ["upper", "lower", "trim", "to_decimal", "round_money", "to_date", "to_datetime"]
CUSTOM_1 += ["split_street", "country_code", "coalesce", "concat", "split"]


def composite(children, unary_functions):
    field = st.sampled_from(KEYS).map(_field)
    return st.one_of(
        st.tuples(children, field).map(lambda t: f"({t[0]}).{t[1]}"),
        st.tuples(children, st.integers(-3, 3)).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(children, children).map(lambda t: f"({t[0]}) || ({t[1]})"),
        st.tuples(children, children).map(lambda t: f"({t[0]}) && ({t[1]})"),
        children.map(lambda c: f"!({c})"),
        st.tuples(children, children).map(lambda t: f"({t[0]}) | ({t[1]})"),
        st.tuples(children, children).map(lambda t: f"{{k: ({t[0]}), j: ({t[1]})}}"),
        st.tuples(children, children).map(lambda t: f"[({t[0]}), ({t[1]})]"),
        st.tuples(children, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), children).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
        st.tuples(children, field).map(lambda t: f"({t[0]})[*].{t[1]}"),
        st.tuples(children, field).map(lambda t: f"({t[0]})[].{t[1]}"),
        st.tuples(children, field).map(lambda t: f"({t[0]}).*.{t[1]}"),
        st.tuples(children, field, children).map(lambda t: f"({t[0]})[?{t[1]} == ({t[2]})].a"),
        st.tuples(children, field, children).map(lambda t: f"({t[0]})[?{t[1]} && ({t[2]})]"),
        st.tuples(children, field, children).map(lambda t: f"({t[0]})[?{t[1]} < ({t[2]}) || !a]"),
        st.tuples(children, st.sampled_from(["[0:2]", "[::-1]", "[1:]"])).map(
            lambda t: f"({t[0]}){t[1]}"
        ),
        st.tuples(children, field).map(lambda t: f"sort_by(({t[0]}), &{t[1]})"),
        st.tuples(st.sampled_from(unary_functions), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children).map(lambda t: f"contains(({t[0]}), ({t[1]}))"),
        st.tuples(children, children).map(lambda t: f"join(({t[0]}), ({t[1]}))"),
    )


builtin_expressions = st.recursive(leaves, lambda c: composite(c, BUILTINS_1), max_leaves=6)
custom_expressions = st.recursive(
    leaves, lambda c: composite(c, BUILTINS_1 + CUSTOM_1), max_leaves=6
)


def outcome(run):
    try:
        return ("ok", _canonical(run()))
    except Exception as exc:
        return ("error", type(exc).__name__)


def _canonical(value):
    """The value with its exact types, so 1 and 1.0 and True stay apart."""
    if isinstance(value, dict):
        return ("dict", sorted((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", [_canonical(v) for v in value])
    return (type(value).__name__, value)


def functions():
    return KoppelFunctions({**CORE_FUNCTIONS, "lookup": make_lookup({"t": {"a": "A"}})})


@SETTINGS
@given(builtin_expressions, json_data)
def test_evaluator_matches_jmespath_search_on_builtins(expression, data):
    """Without koppel's functions, on plain JSON: the very same as jmespath.search."""
    fast = compile_expression(expression, KoppelFunctions({}))
    assert outcome(lambda: fast(data)) == outcome(lambda: jmespath.search(expression, data))


@SETTINGS
@given(custom_expressions, decimal_data)
def test_evaluator_matches_the_interpreter_with_koppel_functions(expression, data):
    funcs = functions()
    fast = compile_expression(expression, funcs)
    options = Options(custom_functions=funcs)
    expected = outcome(lambda: jmespath.search(expression, data, options=options))
    assert outcome(lambda: fast(data)) == expected


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ("a.b.c", {"a": {"b": {"c": 1}}}, 1),
        ("a.b.c", {"a": {"b": "text"}}, None),
        ("a[1]", {"a": [1, 2]}, 2),
        ("a[-1].b", {"a": [{"b": 1}, {"b": 2}]}, 2),
        ("a[5]", {"a": [1]}, None),
        ('`{"k": [1]}`', None, {"k": [1]}),
        ("a || 'none'", {"a": ""}, "none"),
        ("rows[?qty > `1`].sku", {"rows": [{"qty": 1, "sku": "A"}, {"qty": 2, "sku": "B"}]}, ["B"]),
        (
            "sum(rows[].amount)",
            {"rows": [{"amount": Decimal("1.10")}, {"amount": 2}]},
            Decimal("3.10"),
        ),
        (
            "sum(rows[].amount)",
            {"rows": [{"amount": Decimal("0.1")}, {"amount": 0.2}]},
            Decimal("0.3"),
        ),
        (
            "max(rows[].amount)",
            {"rows": [{"amount": Decimal("1.5")}, {"amount": 1}]},
            Decimal("1.5"),
        ),
        ("type(a)", {"a": Decimal("1")}, "number"),
        ("to_string(a)", {"a": Decimal("1.50")}, "1.50"),
        ("abs(a)", {"a": Decimal("-2.5")}, Decimal("2.5")),
        ("a > `1`", {"a": Decimal("1.5")}, True),
    ],
)
def test_evaluator_examples(expression, data, expected):
    result = compile_expression(expression, functions())(data)
    assert result == expected and type(result) is type(expected)


def test_evaluator_check_functions_finds_unknown_names_and_bad_arity():
    problems = check_functions("nope(a) || upper(a, b) || length(a, b) || concat(a)", functions())
    assert problems == [
        "unknown function nope()",
        "upper() does not take 2 arguments",
        "length() takes 1 argument(s), got 2",
    ]


def inlined(expressions, funcs):
    """One function writing each expression as code, in turn, as a mapping writes its fields."""
    source = Source()
    inliner = Inliner(funcs)
    results = [inliner.emit(jmespath.compile(e).parsed, source, "data") for e in expressions]
    source.line(f"return [{', '.join(results)}]")
    return source.function("data")


def outcome_of_any_error(run):
    try:
        return ("ok", _canonical(run()))
    except Exception:  # the code raises a function's own error, the closure wraps it
        return ("error",)


@SETTINGS
@given(st.lists(custom_expressions, min_size=1, max_size=3), decimal_data)
def test_inlined_code_gives_what_the_closures_give(expressions, data):
    """Written as one function (calls and fields read once where that cannot show)."""
    funcs = functions()
    closures = [compile_expression(e, funcs) for e in expressions]
    code = inlined(expressions, funcs)
    expected = outcome_of_any_error(lambda: [closure(data) for closure in closures])
    assert outcome_of_any_error(lambda: code(data)) == expected


@pytest.mark.parametrize(
    ("expressions", "data"),
    [
        (["split_street(a).street", "split_street(a)", "split_street(a)"], {"a": "Laan 3 bis"}),
        (["split_street(a).number", "split_street(a) | @", "split_street(a) | @"], {"a": "Laan 3"}),
        (["split(a)[0]", "split(a)[1]", "split(a) | @", "split(a)"], {"a": "x y"}),
        (["coalesce(a, b, c)", "coalesce(b)", "coalesce(b, c)", "coalesce()"], {"a": "", "c": 0}),
        (["to_decimal(a)", "sum([to_decimal(a), to_decimal(b || `0`)])"], {"a": 1.5, "b": ""}),
        (["a.b", "a.b || c", "(a.b && c).d", "a.b"], {"a": {"b": 1}, "c": {"d": 2}}),
        (["rows[?x == `false` && y.z == `null`]", "rows[?x].y"], {"rows": [{"x": False}, None]}),
    ],
)
def test_inlined_code_examples(expressions, data):
    funcs = functions()
    results = inlined(expressions, funcs)(data)
    assert results == [compile_expression(e, funcs)(data) for e in expressions]
    objects = [id(r) for r in results if isinstance(r, dict | list)]
    assert len(objects) == len(set(objects))  # no object given to two fields
