"""Compile a JMESPath expression into a fast Python closure.

The expression is parsed by jmespath once; its syntax tree is then turned into
nested closures that do what jmespath's ``TreeInterpreter`` does for the same
node, without the per-node dispatch. Node types without a closure here (slices,
functions taking ``&expression`` arguments) are handed to the interpreter, so
every expression runs and gives exactly what ``jmespath.search`` gives.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Number
from typing import Any

import jmespath
from jmespath.visitor import Options, TreeInterpreter

from koppel.mapping._functions import FunctionCallError, KoppelFunctions, check_arity

__all__ = ["Evaluator", "check_functions", "compile_expression"]

Evaluator = Callable[[Any], Any]
Node = dict[str, Any]


def compile_expression(expression: str, functions: KoppelFunctions) -> Evaluator:
    """Parse ``expression`` and build its evaluator.

    :raises jmespath.exceptions.ParseError: when the expression is invalid.
    """
    parsed = jmespath.compile(expression).parsed
    return _Builder(functions).build(parsed)


def check_functions(expression: str, functions: KoppelFunctions) -> list[str]:
    """Problems with the function calls in ``expression``: unknown names, wrong arity."""
    problems: list[str] = []
    _check(jmespath.compile(expression).parsed, functions, problems)
    return problems


def _check(node: Node, functions: KoppelFunctions, problems: list[str]) -> None:
    if node.get("type") == "function_expression":
        name, count = node["value"], len(node["children"])
        extra = functions.extra.get(name)
        if extra is not None:
            problem = check_arity(name, extra, count)
            if problem:
                problems.append(problem)
        elif name in functions.FUNCTION_TABLE:
            signature = functions.FUNCTION_TABLE[name]["signature"]
            variadic = bool(signature) and signature[-1].get("variadic")
            if count < len(signature) or (not variadic and count != len(signature)):
                problems.append(f"{name}() takes {len(signature)} argument(s), got {count}")
        else:
            problems.append(f"unknown function {name}()")
    for child in node.get("children", ()):
        if isinstance(child, dict):
            _check(child, functions, problems)


def _is_false(value: Any) -> bool:
    return value == "" or value == [] or value == {} or value is None or value is False


def _boolean(node: Node) -> bool:
    """True when ``node`` gives only true, false or null: Python's truth then is JMESPath's."""
    if node["type"] in ("comparator", "not_expression"):
        return True
    if node["type"] in ("and_expression", "or_expression"):
        return all(_boolean(child) for child in node["children"])
    return False


def _is_actual_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, Number)


def _is_comparable(value: Any) -> bool:
    return _is_actual_number(value) or isinstance(value, str)


def _equals(left: Any, right: Any) -> bool:
    if _is_actual_number(left) and left in (0, 1):
        if isinstance(right, bool):
            return False
    elif _is_actual_number(right) and right in (0, 1) and isinstance(left, bool):
        return False
    return bool(left == right)


_ORDERING: dict[str, Callable[[Any, Any], Any]] = {
    "lt": lambda a, b: a < b,
    "gt": lambda a, b: a > b,
    "lte": lambda a, b: a <= b,
    "gte": lambda a, b: a >= b,
}


class _Builder:
    def __init__(self, functions: KoppelFunctions) -> None:
        self.functions = functions
        self.interpreter = TreeInterpreter(Options(custom_functions=functions))

    def build(self, node: Node) -> Evaluator:
        method = getattr(self, "_" + node["type"], None)
        if method is None:
            return self._fallback(node)
        result: Evaluator = method(node)
        return result

    def _fallback(self, node: Node) -> Evaluator:
        visit = self.interpreter.visit
        return lambda value: visit(node, value)

    # -- paths -------------------------------------------------------------

    def _field(self, node: Node) -> Evaluator:
        key = node["value"]

        def field(value: Any) -> Any:
            if type(value) is dict:
                return value.get(key)
            try:
                return value.get(key)
            except AttributeError:
                return None

        return field

    def _subexpression(self, node: Node) -> Evaluator:
        children = node["children"]
        if all(child["type"] == "field" for child in children):
            return _field_path(tuple(child["value"] for child in children))
        if len(children) == 2 and children[1]["type"] == "field":
            return _then_field(self.build(children[0]), children[1]["value"])
        return _chain([self.build(child) for child in children])

    _index_expression = _subexpression
    _pipe = _subexpression

    def _index(self, node: Node) -> Evaluator:
        position = node["value"]

        def index(value: Any) -> Any:
            if not isinstance(value, list):
                return None
            try:
                return value[position]
            except IndexError:
                return None

        return index

    def _literal(self, node: Node) -> Evaluator:
        constant = node["value"]
        return lambda value: constant

    def _current(self, node: Node) -> Evaluator:
        return lambda value: value

    _identity = _current

    # -- functions ---------------------------------------------------------

    def _function_expression(self, node: Node) -> Evaluator:
        if any(child["type"] == "expref" for child in node["children"]):
            return self._fallback(node)
        name = node["value"]
        args = [self.build(child) for child in node["children"]]
        extra = self.functions.extra.get(name)
        if extra is None:
            call = self.functions.call_function
            return lambda value: call(name, [arg(value) for arg in args])
        children = node["children"]
        if len(children) == 1 and children[0]["type"] == "field":
            return _call_on_field(name, extra, children[0]["value"])
        return _direct_call(name, extra, args)

    # -- logic -------------------------------------------------------------

    def _or_expression(self, node: Node) -> Evaluator:
        left, right = (self.build(child) for child in node["children"])
        if _boolean(node["children"][0]):
            return lambda value: left(value) or right(value)

        def either(value: Any) -> Any:
            matched = left(value)
            if _is_false(matched):
                matched = right(value)
            return matched

        return either

    def _and_expression(self, node: Node) -> Evaluator:
        left, right = (self.build(child) for child in node["children"])
        if _boolean(node["children"][0]):
            return lambda value: left(value) and right(value)

        def both(value: Any) -> Any:
            matched = left(value)
            if _is_false(matched):
                return matched
            return right(value)

        return both

    def _not_expression(self, node: Node) -> Evaluator:
        (inner,) = (self.build(child) for child in node["children"])

        def negate(value: Any) -> Any:
            result = inner(value)
            if _is_actual_number(result) and result == 0:
                return False
            return not result

        return negate

    def _comparator(self, node: Node) -> Evaluator:
        operator = node["value"]
        if operator in ("eq", "ne"):
            identity = self._identity_test(node["children"], operator == "eq")
            if identity is not None:
                return identity
        left, right = (self.build(child) for child in node["children"])
        if operator == "eq":
            return lambda value: _equals(left(value), right(value))
        if operator == "ne":
            return lambda value: not _equals(left(value), right(value))
        compare = _ORDERING[operator]

        def ordering(value: Any) -> Any:
            a, b = left(value), right(value)
            if not (_is_comparable(a) and _is_comparable(b)):
                return None
            return compare(a, b)

        return ordering

    def _identity_test(self, children: list[Node], equal: bool) -> Evaluator | None:
        """``x == `null``` (or `` `true` ``, `` `false` ``; ``!=`` too) as an identity test,
        or None for another comparison. On JSON values it gives what :func:`_equals` gives:
        nothing else equals null, and a number equal to a boolean (0, 1) does not count."""
        for literal, other in (children, children[::-1]):
            constant = literal["value"] if literal["type"] == "literal" else 0
            if constant is None or constant is True or constant is False:
                operand = self.build(other)
                if equal:
                    return lambda value: operand(value) is constant
                return lambda value: operand(value) is not constant
        return None

    # -- building values ---------------------------------------------------

    def _multi_select_list(self, node: Node) -> Evaluator:
        items = [self.build(child) for child in node["children"]]

        def select_list(value: Any) -> Any:
            if value is None:
                return None
            return [item(value) for item in items]

        return select_list

    def _multi_select_dict(self, node: Node) -> Evaluator:
        pairs = [(child["value"], self.build(child["children"][0])) for child in node["children"]]

        def select_dict(value: Any) -> Any:
            if value is None:
                return None
            return {key: item(value) for key, item in pairs}

        return select_dict

    # -- projections -------------------------------------------------------

    def _projection(self, node: Node) -> Evaluator:
        left, right = (self.build(child) for child in node["children"])

        def project(value: Any) -> Any:
            base = left(value)
            if not isinstance(base, list):
                return None
            collected = []
            for element in base:
                current = right(element)
                if current is not None:
                    collected.append(current)
            return collected

        return project

    def _value_projection(self, node: Node) -> Evaluator:
        left, right = (self.build(child) for child in node["children"])

        def project_values(value: Any) -> Any:
            base = left(value)
            try:
                base = base.values()
            except AttributeError:
                return None
            collected = []
            for element in base:
                current = right(element)
                if current is not None:
                    collected.append(current)
            return collected

        return project_values

    def _filter_projection(self, node: Node) -> Evaluator:
        left, right, condition = (self.build(child) for child in node["children"])
        if _boolean(node["children"][2]) and node["children"][1]["type"] == "identity":

            def select(value: Any) -> Any:
                base = left(value)
                if not isinstance(base, list):
                    return None
                return [element for element in base if condition(element) and element is not None]

            return select

        def project_filtered(value: Any) -> Any:
            base = left(value)
            if not isinstance(base, list):
                return None
            collected = []
            for element in base:
                if not _is_false(condition(element)):
                    current = right(element)
                    if current is not None:
                        collected.append(current)
            return collected

        return project_filtered

    def _flatten(self, node: Node) -> Evaluator:
        (inner,) = (self.build(child) for child in node["children"])

        def flatten(value: Any) -> Any:
            base = inner(value)
            if not isinstance(base, list):
                return None
            merged: list[Any] = []
            for element in base:
                if isinstance(element, list):
                    merged.extend(element)
                else:
                    merged.append(element)
            return merged

        return flatten


def _field_path(keys: tuple[str, ...]) -> Evaluator:
    def path(value: Any) -> Any:
        for key in keys:
            if type(value) is dict:
                value = value.get(key)
            elif value is None:
                return None
            else:
                try:
                    value = value.get(key)
                except AttributeError:
                    return None
        return value

    return path


def _then_field(first: Evaluator, key: str) -> Evaluator:
    """``<expression>.key`` without a call for the field."""

    def then_field(value: Any) -> Any:
        result = first(value)
        if type(result) is dict:
            return result.get(key)
        try:
            return result.get(key)
        except AttributeError:
            return None

    return then_field


def _chain(steps: list[Evaluator]) -> Evaluator:
    if len(steps) == 2:
        first, second = steps
        return lambda value: second(first(value))

    def chain(value: Any) -> Any:
        for step in steps:
            value = step(value)
        return value

    return chain


def _call_on_field(name: str, function: Callable[..., Any], key: str) -> Evaluator:
    """``function(key)``: a plain function of one field, in one step."""

    def call_on_field(value: Any) -> Any:
        if type(value) is dict:
            argument = value.get(key)
        else:
            try:
                argument = value.get(key)
            except AttributeError:
                argument = None
        try:
            return function(argument)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise FunctionCallError(name, (argument,), exc) from exc

    return call_on_field


def _direct_call(name: str, function: Callable[..., Any], args: list[Evaluator]) -> Evaluator:
    """Call a plain mapping function without jmespath's dispatch and type checks."""
    if len(args) == 1:
        (only,) = args

        def call1(value: Any) -> Any:
            argument = only(value)
            try:
                return function(argument)
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise FunctionCallError(name, (argument,), exc) from exc

        return call1

    if len(args) == 2:
        first, second = args

        def call2(value: Any) -> Any:
            a, b = first(value), second(value)
            try:
                return function(a, b)
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise FunctionCallError(name, (a, b), exc) from exc

        return call2
    if len(args) == 3:
        first, second, third = args

        def call3(value: Any) -> Any:
            a, b, c = first(value), second(value), third(value)
            try:
                return function(a, b, c)
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise FunctionCallError(name, (a, b, c), exc) from exc

        return call3

    def call(value: Any) -> Any:
        arguments = [arg(value) for arg in args]
        try:
            return function(*arguments)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise FunctionCallError(name, tuple(arguments), exc) from exc

    return call
