"""Writing a mapping as the source of one Python function, compiled once.

:class:`Source` collects the function's lines, fresh local names and the
objects its code refers to. :class:`Inliner` writes a JMESPath expression as
statements that do what :mod:`koppel.mapping._evaluator`'s closure does for the
same node; a node it writes no code for calls that closure. A written
expression gives the name of a local (or constant) holding its result, so the
caller may use it more than once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from koppel.mapping._evaluator import Node, _boolean, _Builder, _equals
from koppel.mapping._functions import CORE_FUNCTIONS, KoppelFunctions

__all__ = ["Emit", "Inliner", "Source", "field_value", "is_false_test"]

#: Core's functions that give the same text, number or null for the same arguments: a
#: second call with the same locals reads the first's result.
_SHARED = frozenset({"to_decimal", "round_money", "to_string", "to_number", "upper", "lower"})
#: Those that give a new object or array: shared where the result is only read from.
_READ_SHARED = frozenset({"split_street", "split"})

#: Steps that read a part of their input (text of these functions' results), not all of it.
_READS = frozenset({"field", "index"})

#: Writes an expression applied to a local into a :class:`Source`; gives its result's name.
Emit = Callable[["Source", str], str]


class Source:
    """The source of one function being written."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {}
        self._refs: dict[int, str] = {}
        self._locals = 0
        self._depth = 1
        #: Per open block: the locals known to hold a dict there.
        self._dicts: list[set[str]] = [set()]
        #: Locals that are set again after their first value (not reused by :meth:`reuse`).
        self.reset: set[str] = set()
        #: Per open block: the locals already holding a value, by what it was made from.
        self._known: list[dict[tuple[str, ...], str]] = [{}]

    def mark_dict(self, name: str) -> None:
        """The local ``name`` holds a dict until the current block ends."""
        self._dicts[-1].add(name)

    def is_dict(self, name: str) -> bool:
        """True when the local ``name`` holds a dict here."""
        return any(name in known for known in self._dicts)

    def local(self) -> str:
        """A fresh local name."""
        self._locals += 1
        return f"v{self._locals}"

    def ref(self, value: Any) -> str:
        """The global name the code reads ``value`` by (the same object every call)."""
        name = self._refs.get(id(value))
        if name is None:
            name = self._refs[id(value)] = f"k{len(self._refs)}"
            self.namespace[name] = value
        return name

    def line(self, text: str) -> None:
        self.lines.append("    " * self._depth + text)

    def assign(self, expression: str) -> str:
        """A fresh local set to ``expression``."""
        target = self.local()
        self.line(f"{target} = {expression}")
        return target

    def reuse(self, made: tuple[str, ...]) -> str | None:
        """The local already holding what ``made`` (an operation and locals) gives here."""
        for known in self._known:
            found = known.get(made)
            if found is not None:
                return found
        return None

    def remember(self, made: tuple[str, ...], result: str) -> None:
        """``result`` holds what ``made`` gives until the current block ends (unless one
        of its locals is set again)."""
        if not self.reset.intersection(made):
            self._known[-1][made] = result

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """Lines written inside are the body of ``header`` (``if ...:``, ``else:``)."""
        self.line(header)
        self._depth += 1
        self._known.append({})
        self._dicts.append(set())
        try:
            yield
        finally:
            self._dicts.pop()
            self._known.pop()
            self._depth -= 1

    def function(self, argument: str) -> Callable[[Any], Any] | None:
        """Compile the lines as the body of a function of ``argument``; None when Python's
        compiler refuses them (a mapping nested deeper than its limits)."""
        text = f"def mapped({argument}):\n" + "\n".join(self.lines) + "\n"
        try:
            code = compile(text, "<koppel mapping>", "exec")
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            return None
        exec(code, self.namespace)
        function: Callable[[Any], Any] = self.namespace["mapped"]
        return function


def field_value(value: Any, key: str) -> Any:
    """``value.key`` of a value that is not a dict: a mapping's entry, else null."""
    if value is None:
        return None
    try:
        return value.get(key)
    except AttributeError:
        return None


def is_false_test(name: str) -> str:
    """Code true when the local ``name`` is false in JMESPath's sense."""
    return f"({name} == '' or {name} == [] or {name} == {{}} or {name} is None or {name} is False)"


def _coalesce(source: Source, names: list[str]) -> str:
    """``coalesce``'s choice written out: the first local neither null nor empty text."""
    target = source.local()
    for index, name in enumerate(names):
        with source.block(f"{'elif' if index else 'if'} {name} is not None and {name} != '':"):
            source.line(f"{target} = {name}")
    with source.block("else:"):
        source.line(f"{target} = None")
    return target


class Inliner:
    """Writes expressions as code, calling ``functions`` as the closures would."""

    def __init__(self, functions: KoppelFunctions) -> None:
        self.functions = functions
        self.builder = _Builder(functions)

    def emit(self, node: Node, source: Source, value: str) -> str:
        """Write ``node`` applied to the local ``value``; the name of its result."""
        method = getattr(self, "_" + node["type"], None)
        if method is None:
            return self._closure(node, source, value)
        result: str = method(node, source, value)
        return result

    def _closure(self, node: Node, source: Source, value: str) -> str:
        return source.assign(f"{source.ref(self.builder.build(node))}({value})")

    def _field(self, node: Node, source: Source, value: str) -> str:
        key = node["value"]
        found = source.reuse((".", value, key))
        if found is not None:
            return found
        if source.is_dict(value):
            result = source.assign(f"{value}.get({key!r})")
        else:
            result = source.assign(
                f"{value}.get({key!r}) if type({value}) is dict "
                f"else {source.ref(field_value)}({value}, {key!r})"
            )
        source.remember((".", value, key), result)
        return result

    def _subexpression(self, node: Node, source: Source, value: str) -> str:
        children = node["children"]
        for child, after in zip(children, [*children[1:], None], strict=True):
            if child["type"] == "function_expression" and after and after["type"] in _READS:
                value = self._function_expression(child, source, value, read=True)
            else:
                value = self.emit(child, source, value)
        return value

    _index_expression = _subexpression
    _pipe = _subexpression

    def _index(self, node: Node, source: Source, value: str) -> str:
        position: int = node["value"]
        fits = f"len({value}) > {position}" if position >= 0 else f"len({value}) >= {-position}"
        return source.assign(
            f"{value}[{position}] if isinstance({value}, list) and {fits} else None"
        )

    def _literal(self, node: Node, source: Source, value: str) -> str:
        return source.ref(node["value"])

    def _current(self, node: Node, source: Source, value: str) -> str:
        return value

    _identity = _current

    def _function_expression(
        self, node: Node, source: Source, value: str, *, read: bool = False
    ) -> str:
        """A call; one of core's functions that gives the same for the same arguments is
        called once for them (one that gives an object or array only when ``read``)."""
        children = node["children"]
        if any(child["type"] == "expref" for child in children):
            return self._closure(node, source, value)
        names = [self.emit(child, source, value) for child in children]
        arguments = ", ".join(names)
        name = node["value"]
        function = self.functions.extra.get(name)
        shared = name in _SHARED or (read and name in _READ_SHARED)
        if function is not None and shared and function is CORE_FUNCTIONS[name]:
            made = (name, *names)
            result = source.reuse(made) or source.assign(f"{source.ref(function)}({arguments})")
            source.remember(made, result)
            return result
        if names and name == "coalesce" and function is CORE_FUNCTIONS[name]:
            return _coalesce(source, names)
        if function is not None:
            return source.assign(f"{source.ref(function)}({arguments})")
        call = source.ref(self.functions.call_function)
        return source.assign(f"{call}({name!r}, [{arguments}])")

    def _or_expression(self, node: Node, source: Source, value: str) -> str:
        return self._logic(node, source, value, either=True)

    def _and_expression(self, node: Node, source: Source, value: str) -> str:
        return self._logic(node, source, value, either=False)

    def _logic(self, node: Node, source: Source, value: str, *, either: bool) -> str:
        """``||`` (``either``) or ``&&``: the right operand only when the left decides nothing."""
        left, right = node["children"]
        target = source.assign(self.emit(left, source, value))
        source.reset.add(target)
        if _boolean(left):
            test = f"not {target}" if either else target
        else:
            test = is_false_test(target) if either else f"not {is_false_test(target)}"
        with source.block(f"if {test}:"):
            source.line(f"{target} = {self.emit(right, source, value)}")
        return target

    def _comparator(self, node: Node, source: Source, value: str) -> str:
        operator = node["value"]
        if operator not in ("eq", "ne"):
            return self._closure(node, source, value)
        children = node["children"]
        for literal, other in (children, children[::-1]):
            constant = literal["value"] if literal["type"] == "literal" else 0
            if constant is None or constant is True or constant is False:
                test = "is" if operator == "eq" else "is not"
                return source.assign(f"{self.emit(other, source, value)} {test} {constant!r}")
        left, right = (self.emit(child, source, value) for child in children)
        negate = "" if operator == "eq" else "not "
        return source.assign(f"{negate}{source.ref(_equals)}({left}, {right})")

    def _multi_select_list(self, node: Node, source: Source, value: str) -> str:
        target = source.local()
        with source.block(f"if {value} is None:"):
            source.line(f"{target} = None")
        with source.block("else:"):
            items = ", ".join(self.emit(child, source, value) for child in node["children"])
            source.line(f"{target} = [{items}]")
        return target

    def _filter_projection(self, node: Node, source: Source, value: str) -> str:
        left, right, condition = node["children"]
        base = self.emit(left, source, value)
        target, element = source.local(), source.local()
        with source.block(f"if isinstance({base}, list):"):
            source.line(f"{target} = []")
            with source.block(f"for {element} in {base}:"):
                test = self.emit(condition, source, element)
                if _boolean(condition) and right["type"] == "identity":
                    with source.block(f"if {test} and {element} is not None:"):
                        source.line(f"{target}.append({element})")
                else:
                    with source.block(f"if not {is_false_test(test)}:"):
                        current = self.emit(right, source, element)
                        with source.block(f"if {current} is not None:"):
                            source.line(f"{target}.append({current})")
        with source.block("else:"):
            source.line(f"{target} = None")
        return target
