"""The part of OData v2 ``$filter`` the sandbox understands, as Exact answers it.

Comparisons ``Field eq|ne|gt|ge|lt|le literal`` (text ``'…'``, ``guid'…'``,
numbers, ``123L``, ``true``/``false``, ``null``), ``trim(Field)``, ``and``, ``or`` and
parentheses. Anything else is a 400 "Error in query syntax", as on Exact.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["FilterSyntaxError", "compile_filter"]

Predicate = Callable[[Mapping[str, Any]], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<guid>guid'(?P<g>[^']*)')|(?P<text>'(?P<t>(?:[^']|'')*)')"
    r"|(?P<num>-?\d+(?:\.\d+)?)L?|(?P<word>[A-Za-z_][A-Za-z0-9_/]*))"
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


class FilterSyntaxError(ValueError):
    """The filter is not one the sandbox (or Exact) accepts."""


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterSyntaxError(f"Error in query syntax near {text[pos : pos + 20]!r}")
        pos = match.end()
        if match.group("lp"):
            out.append(("(", None))
        elif match.group("rp"):
            out.append((")", None))
        elif match.group("guid"):
            out.append(("value", match.group("g").lower()))
        elif match.group("text") is not None:
            out.append(("value", match.group("t").replace("''", "'")))
        elif match.group("num"):
            number = match.group("num")
            out.append(("value", float(number) if "." in number else int(number)))
        else:
            word = match.group("word")
            if word in ("true", "false"):
                out.append(("value", word == "true"))
            elif word == "null":
                out.append(("value", None))
            else:
                out.append(("word", word))
    return out


def _normalise(value: Any) -> Any:
    """Guids compare case-insensitively, as on Exact."""
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        return value.lower()
    return value


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise FilterSyntaxError("Error in query syntax: unexpected end")
        self.pos += 1
        return token

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.atom()
        while self.peek() == ("word", "and"):
            self.take()
            right = self.atom()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def atom(self) -> Predicate:
        kind, value = self.take()
        if kind == "(":
            inner = self.expression()
            if self.take()[0] != ")":
                raise FilterSyntaxError("Error in query syntax: ) expected")
            return inner
        if kind != "word":
            raise FilterSyntaxError("Error in query syntax: a field name expected")
        trim = False
        field = value
        if value == "trim" and self.peek() == ("(", None):
            self.take()
            field = self.take()[1]
            if self.take()[0] != ")":
                raise FilterSyntaxError("Error in query syntax: ) expected")
            trim = True
        op_kind, op = self.take()
        if op_kind != "word" or op not in _OPS:
            raise FilterSyntaxError(f"Error in query syntax: unknown operator {op!r}")
        value_kind, literal = self.take()
        if value_kind != "value":
            raise FilterSyntaxError("Error in query syntax: a value expected")
        compare = _OPS[op]

        def predicate(record: Mapping[str, Any]) -> bool:
            got = _normalise(record.get(field))
            if trim and isinstance(got, str):
                got = got.strip()
            try:
                return bool(compare(got, literal))
            except TypeError:
                return False

        return predicate


def compile_filter(text: str | None) -> Predicate:
    """A predicate over records for ``$filter`` text (everything passes when empty).

    :raises FilterSyntaxError: for syntax the sandbox does not know.
    """
    if not text or not text.strip():
        return lambda record: True
    parser = _Parser(_tokens(text))
    predicate = parser.expression()
    if parser.peek() is not None:
        raise FilterSyntaxError("Error in query syntax: unexpected trailing text")
    return predicate
