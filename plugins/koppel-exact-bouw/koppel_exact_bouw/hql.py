"""The part of Heimdall's query language (HQL, the ``q`` of every ``/list/...`` call) the
plugin speaks: conditions joined by ``AND``, then ``ORDER BY``, ``LIMIT`` and ``OFFSET``.

Seen in published clients of the live API (facts.CLIENTS): ``id = 123``,
``project.id = 3494115``, ``processed = false``, ``logDate >= "2026-01-01"``, ``LIMIT 1000``.
``IN (...)``, ``ORDER BY`` and ``OFFSET`` are ASSUMED (README.md, Assumptions).

:func:`query` writes a ``q`` for the client; :func:`parse` reads one for the sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from koppel.errors import ValidationError

__all__ = ["Condition", "Query", "condition", "literal", "parse", "query"]

OPERATORS = ("IN", ">=", "<=", "!=", "=", ">", "<")
_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)'
    r"|(?P<op>>=|<=|!=|=|>|<|\(|\)|,)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)


def literal(value: Any) -> str:
    """``value`` in HQL: ``true``/``false``, a bare number, else a double-quoted string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def condition(field: str, operator: str, value: Any) -> str:
    """One condition; ``IN`` takes a sequence of values."""
    if operator == "IN":
        return f"{field} IN ({', '.join(literal(v) for v in value)})"
    return f"{field} {operator} {literal(value)}"


def query(conditions: Sequence[str], order: Sequence[str], limit: int, offset: int = 0) -> str:
    """A ``q``: ``conditions`` joined by ``AND``, ordered ascending by ``order``, one page."""
    parts = [" AND ".join(conditions)] if conditions else []
    if order:
        parts.append("ORDER BY " + ", ".join(f"{field} ASC" for field in order))
    parts.append(f"LIMIT {int(limit)} OFFSET {int(offset)}")
    return " ".join(parts)


@attrs.frozen
class Condition:
    """``field operator value`` (``value`` is a tuple for ``IN``)."""

    field: str
    operator: str
    value: Any


@attrs.frozen
class Query:
    """A parsed ``q``."""

    conditions: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()
    limit: int | None = None
    offset: int = 0


def parse(text: str, mapped: Sequence[str]) -> Query:
    """Read ``q``; a field outside ``mapped`` or a syntax error is refused as the API does.

    :raises ValidationError: naming the field or the place it cannot read.
    """
    tokens = _tokens(text)
    reader = _Reader(tokens, text)
    conditions: list[Condition] = []
    order: list[tuple[str, bool]] = []
    limit: int | None = None
    offset = 0
    while reader.more() and not reader.keyword("ORDER", "LIMIT", "OFFSET"):
        if conditions:
            reader.expect_word("AND")
        conditions.append(_condition(reader, mapped))
    if reader.take_word("ORDER"):
        reader.expect_word("BY")
        while True:
            field = _field(reader, mapped)
            descending = reader.take_word("DESC")
            if not descending:
                reader.take_word("ASC")
            order.append((field, descending))
            if not reader.take(","):
                break
    if reader.take_word("LIMIT"):
        limit = reader.integer()
    if reader.take_word("OFFSET"):
        offset = reader.integer()
    if reader.more():
        raise ValidationError(f"HQL: unexpected {reader.peek()!r} in {text!r}", field="q")
    return Query(tuple(conditions), tuple(order), limit, offset)


def _tokens(text: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValidationError(f"HQL: cannot read {text[position:]!r}", field="q")
        kind = match.lastgroup or ""
        raw = match.group(kind)
        value: Any = raw
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif kind == "number":
            value = float(raw) if "." in raw else int(raw)
        elif kind == "word" and raw.lower() in ("true", "false"):
            kind, value = "bool", raw.lower() == "true"
        found.append((kind, value))
        position = match.end()
    return found


def _condition(reader: _Reader, mapped: Sequence[str]) -> Condition:
    field = _field(reader, mapped)
    if reader.take_word("IN"):
        reader.expect("(")
        values = [reader.value()]
        while reader.take(","):
            values.append(reader.value())
        reader.expect(")")
        return Condition(field, "IN", tuple(values))
    operator = reader.operator()
    return Condition(field, operator, reader.value())


def _field(reader: _Reader, mapped: Sequence[str]) -> str:
    field = reader.word()
    if field not in mapped:
        raise ValidationError(f"HQL: {field} is not a mapped field", field=field)
    return field


class _Reader:
    def __init__(self, tokens: list[tuple[str, Any]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.at = 0

    def more(self) -> bool:
        return self.at < len(self.tokens)

    def peek(self) -> Any:
        return self.tokens[self.at][1] if self.more() else "the end"

    def fail(self, wanted: str) -> ValidationError:
        return ValidationError(
            f"HQL: {wanted} expected, not {self.peek()!r} in {self.text!r}", field="q"
        )

    def keyword(self, *words: str) -> bool:
        return self.more() and self.tokens[self.at][0] == "word" and self.peek().upper() in words

    def take_word(self, word: str) -> bool:
        if self.keyword(word):
            self.at += 1
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.take_word(word):
            raise self.fail(word)

    def take(self, symbol: str) -> bool:
        if self.more() and self.tokens[self.at] == ("op", symbol):
            self.at += 1
            return True
        return False

    def expect(self, symbol: str) -> None:
        if not self.take(symbol):
            raise self.fail(repr(symbol))

    def word(self) -> str:
        if not self.more() or self.tokens[self.at][0] != "word":
            raise self.fail("a field")
        self.at += 1
        return str(self.tokens[self.at - 1][1])

    def operator(self) -> str:
        if self.more() and self.tokens[self.at][0] == "op" and self.peek() in OPERATORS:
            self.at += 1
            return str(self.tokens[self.at - 1][1])
        raise self.fail("an operator")

    def value(self) -> Any:
        if self.more() and self.tokens[self.at][0] in ("string", "number", "bool"):
            self.at += 1
            return self.tokens[self.at - 1][1]
        raise self.fail("a value")

    def integer(self) -> int:
        value = self.value()
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(f"HQL: {value!r} is no count", field="q")
        return value
