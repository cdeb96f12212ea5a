"""Stock formulas an operator writes, parsed safely (no ``eval``).

Grammar: numbers, the names ``on_hand``, ``reserved`` and ``available``,
``+ - * /``, unary minus, parentheses, and ``min(a, b, ...)`` / ``max(a, b, ...)``::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal

import attrs

from koppel.errors import ConfigurationError

__all__ = ["STOCK_NAMES", "StockFormula"]

#: The stock fields a formula may use.
STOCK_NAMES = ("on_hand", "reserved", "available")

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z_]\w*)|(\S))")
_FUNCTIONS: dict[str, Callable[[list[Decimal]], Decimal]] = {"min": min, "max": max}

_Node = Callable[[Mapping[str, Decimal]], Decimal]


@attrs.frozen
class StockFormula:
    """A compiled stock formula; call :meth:`evaluate` with the stock fields.

    >>> StockFormula.parse("max(on_hand - reserved, 0)").evaluate(
    ...     {"on_hand": Decimal(5), "reserved": Decimal(7), "available": Decimal(0)})
    Decimal('0')
    """

    text: str
    _node: _Node = attrs.field(repr=False, eq=False)

    @classmethod
    def parse(cls, text: str) -> StockFormula:
        """Compile ``text``.

        :raises ConfigurationError: naming the position and what was wrong.
        """
        return cls(text, _Parser(text).parse())

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal:
        """The formula's value; ``values`` holds every name in :data:`STOCK_NAMES`.

        :raises ZeroDivisionError: when the formula divides by zero for these values.
        """
        return self._node(values)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        for match in _TOKEN.finditer(text):
            number, name, symbol = match.groups()
            kind = "number" if number else "name" if name else "symbol"
            self.tokens.append((kind, number or name or symbol, match.start(match.lastindex or 0)))
        self.pos = 0

    def fail(self, message: str) -> ConfigurationError:
        at = self.tokens[self.pos][2] if self.pos < len(self.tokens) else len(self.text)
        return ConfigurationError(
            f"stock formula {self.text!r}: {message} at position {at + 1}", field="stock_formula"
        )

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str) -> None:
        if self.peek() != expected:
            found = f", found {self.peek()!r}" if self.peek() else ""
            raise self.fail(f"expected {expected!r}{found}")
        self.pos += 1

    def parse(self) -> _Node:
        if not self.tokens:
            raise self.fail("empty formula")
        node = self.expr()
        if self.pos < len(self.tokens):
            raise self.fail(f"unexpected {self.peek()!r}")
        return node

    def expr(self) -> _Node:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = self.peek()
            self.pos += 1
            left, right = node, self.term()
            node = _add(left, right) if op == "+" else _sub(left, right)
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.peek()
            self.pos += 1
            left, right = node, self.unary()
            node = _mul(left, right) if op == "*" else _div(left, right)
        return node

    def unary(self) -> _Node:
        if self.peek() == "-":
            self.pos += 1
            inner = self.unary()
            return lambda values: -inner(values)
        return self.atom()

    def atom(self) -> _Node:
        if self.pos >= len(self.tokens):
            raise self.fail("formula ends early")
        kind, value, _ = self.tokens[self.pos]
        if kind == "number":
            self.pos += 1
            number = Decimal(value)
            return lambda values: number
        if kind == "name" and value in _FUNCTIONS:
            self.pos += 1
            self.take("(")
            args = [self.expr()]
            while self.peek() == ",":
                self.pos += 1
                args.append(self.expr())
            self.take(")")
            func = _FUNCTIONS[value]
            return lambda values: func([arg(values) for arg in args])
        if kind == "name":
            if value not in STOCK_NAMES:
                raise self.fail(f"unknown name {value!r} (use {', '.join(STOCK_NAMES)})")
            self.pos += 1
            return lambda values: values[value]
        if value == "(":
            self.pos += 1
            node = self.expr()
            self.take(")")
            return node
        raise self.fail(f"unexpected {value!r}")


def _add(a: _Node, b: _Node) -> _Node:
    return lambda values: a(values) + b(values)


def _sub(a: _Node, b: _Node) -> _Node:
    return lambda values: a(values) - b(values)


def _mul(a: _Node, b: _Node) -> _Node:
    return lambda values: a(values) * b(values)


def _div(a: _Node, b: _Node) -> _Node:
    return lambda values: a(values) / b(values)
