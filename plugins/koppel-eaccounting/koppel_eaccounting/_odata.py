"""The part of OData v4 ``$filter`` and ``$orderby`` the sandbox understands.

Enough for what clients send eAccounting: comparisons (``eq ne gt ge lt le``)
joined with ``and``/``or``/``not`` and parentheses, over fields (``Status``,
``Rows/ArticleNumber`` is not supported), with string, number, boolean, null,
GUID and date-time literals, and the functions ``contains``, ``startswith``,
``endswith``, ``tolower`` and ``toupper``. Anything else is a :class:`ODataError`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["ODataError", "compile_filter", "sort_records"]

Predicate = Callable[[dict[str, Any]], bool]
Value = Callable[[dict[str, Any]], Any]


class ODataError(ValueError):
    """A ``$filter`` or ``$orderby`` the sandbox cannot parse."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<datetime>\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?)
      | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
      | (?P<date>\d{4}-\d\d-\d\d)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": lambda a, b: isinstance(a, str) and isinstance(b, str) and b in a,
    "startswith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b),
    "endswith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b),
    "tolower": lambda a: a.lower() if isinstance(a, str) else a,
    "toupper": lambda a: a.upper() if isinstance(a, str) else a,
}


def _tokens(text: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ODataError(f"cannot parse $filter at position {position}: {text[position:]!r}")
        kind = match.lastgroup or ""
        raw = match.group(kind)
        value: Any = raw
        if kind == "string":
            value = raw[1:-1].replace("''", "'")
        elif kind == "number":
            value = float(raw) if "." in raw else int(raw)
        elif kind == "datetime":
            moment = datetime.fromisoformat(raw)
            value = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        elif kind == "guid":
            value = raw.lower()
        found.append((kind, value))
        position = match.end()
    return found


_TIME_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT")


def _as_comparable(value: Any) -> Any:
    """Record values for comparison: ISO time stamps as datetimes."""
    return _comparable_text(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=1 << 16)
def _comparable_text(text: str) -> Any:
    """``text`` as a datetime when it is an ISO time stamp (read again for every record
    of every list call, hence kept)."""
    if _TIME_STAMP.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return text


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise ODataError("$filter ends too early")
        self.index += 1
        return token

    def expect(self, punct: str) -> None:
        kind, value = self.take()
        if kind != "punct" or value != punct:
            raise ODataError(f"expected {punct!r} in $filter, got {value!r}")

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise ODataError(f"unexpected {self.peek()[1]!r} in $filter")  # type: ignore[index]
        return predicate

    def _is_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] == word

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self._is_word("or"):
            self.take()
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return lambda record: any(part(record) for part in parts)

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self._is_word("and"):
            self.take()
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return lambda record: all(part(record) for part in parts)

    def negation(self) -> Predicate:
        if self._is_word("not"):
            self.take()
            inner = self.negation()
            return lambda record: not inner(record)
        return self.comparison()

    def comparison(self) -> Predicate:
        token = self.peek()
        if token == ("punct", "("):
            self.take()
            inner = self.disjunction()
            self.expect(")")
            return inner
        left = self.operand()
        if self.peek() is not None and self.peek()[0] == "word" and self.peek()[1] in _COMPARISONS:  # type: ignore[index]
            operator = self.take()[1]
            right = self.operand()
            return _compare(operator, left, right)
        return lambda record: left(record) is True

    def operand(self) -> Value:
        kind, value = self.take()
        if kind == "word":
            if value in ("true", "false"):
                constant = value == "true"
                return lambda record: constant
            if value == "null":
                return lambda record: None
            if self.peek() == ("punct", "("):
                return self.function(value)
            field = value
            return lambda record: _as_comparable(record.get(field))
        if kind == "punct":
            raise ODataError(f"unexpected {value!r} in $filter")
        return lambda record: value

    def function(self, name: str) -> Value:
        if name not in _FUNCTIONS:
            raise ODataError(f"unknown function {name}() in $filter")
        self.expect("(")
        args = [self.operand()]
        while self.peek() == ("punct", ","):
            self.take()
            args.append(self.operand())
        self.expect(")")
        implementation = _FUNCTIONS[name]
        return lambda record: implementation(*(arg(record) for arg in args))


def _compare(operator: str, left: Value, right: Value) -> Predicate:
    def predicate(record: dict[str, Any]) -> bool:
        a, b = left(record), right(record)
        if isinstance(a, str) and isinstance(b, str) and _GUIDISH.match(a) and _GUIDISH.match(b):
            a, b = a.lower(), b.lower()
        if operator == "eq":
            return bool(a == b)
        if operator == "ne":
            return bool(a != b)
        if a is None or b is None:
            return False
        try:
            if operator == "gt":
                return bool(a > b)
            if operator == "ge":
                return bool(a >= b)
            if operator == "lt":
                return bool(a < b)
            return bool(a <= b)
        except TypeError:  # a stored value of another type (tests store junk) never matches
            return False

    return predicate


_GUIDISH = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def compile_filter(text: str) -> Predicate:
    """The predicate for a ``$filter`` expression.

    :raises ODataError: when the expression is not in the supported subset.
    """
    return _Parser(text).parse()


def _sort_key(field: str) -> Callable[[dict[str, Any]], Any]:
    def key(record: dict[str, Any]) -> Any:
        value = _as_comparable(record[field])
        # Values of one type sort among themselves; junk of other types (tests store
        # it to see a client cope) goes after them instead of breaking the sort.
        if isinstance(value, datetime):
            return (0, value.timestamp(), "")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (1, value, "")
        if isinstance(value, str):
            return (2, 0, value)
        return (3, 0, repr(value))

    return key


def sort_records(records: list[dict[str, Any]], orderby: str | None) -> list[dict[str, Any]]:
    """``records`` sorted by an ``$orderby`` such as ``ModifiedUtc asc, Number desc`` (stable)."""
    if not orderby or not orderby.strip():
        return records
    keys: list[tuple[str, bool]] = []
    for part in orderby.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise ODataError(f"cannot parse $orderby {orderby!r}")
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", words[0]):
            raise ODataError(f"cannot order by {words[0]!r}")
        keys.append((words[0], len(words) == 2 and words[1] == "desc"))
    result = list(records)
    for field, descending in reversed(keys):
        present = [r for r in result if r.get(field) is not None]
        missing = [r for r in result if r.get(field) is None]
        present.sort(key=_sort_key(field), reverse=descending)
        result = present + missing if not descending else missing + present
    return result
