"""Facts about a real API, each with its source: endpoints, their fields, types and limits.

A plugin records what the system's reference says once, as data that its
sandbox enforces and its client reads::

    from koppel.sandbox import ApiContract, Contract, Endpoint, Field, Source

    SPEC = Source("https://developer.acme.invalid/v2/openapi.json", "2025-03-01")

    LINE = Contract("Row", [
        Field("ArticleNumber", "text", required=True, max_length=40),
        Field("Quantity", "decimal", required=True),
    ], source=SPEC)
    ORDER = Contract("Order", [
        Field("Id", "guid", read_only=True),
        Field("Number", "text", required=True, max_length=12),
        Field("Country", "text", max_length=3, width=3),  # answered as 'NL '
        Field("Status", "integer", enum=(1, 2, 3)),
        Field("Rows", "list", of=LINE),
    ], source=SPEC, read_only="ignore")  # the API ignores read-only fields
    API = ApiContract("acme", [
        Endpoint("POST", "/v2/orders", body=ORDER, source=SPEC),
        Endpoint("PUT", "/v2/orders/{id}", body=ORDER.partial(), source=SPEC),
    ])

A fact the reference does not give is recorded with a :class:`Source` that
says so (``Source("assumption: ...", date)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, Literal, get_args

import attrs

from koppel.sandbox._check import (
    Violation,
    check_object,
    generic_path,
    shape_object,
    strip_object,
)

__all__ = [
    "FIELD_TYPES",
    "ApiContract",
    "Contract",
    "Endpoint",
    "Field",
    "FieldType",
    "OnBreach",
    "Source",
]

FieldType = Literal[
    "text", "integer", "decimal", "boolean", "date", "datetime", "guid", "object", "list"
]
#: The types a field can have (``decimal`` is any JSON number).
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
#: What the real API does with a field it does not take: refuse the request or ignore the field.
OnBreach = Literal["refuse", "ignore"]
_TEXT_ONLY = ("max_length", "width", "pattern")


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _values(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(values)


@attrs.frozen
class Source:
    """Where a fact was read (a URL, or a document and its section) and the day it was read."""

    where: str
    read: date = attrs.field(converter=_day)
    note: str = attrs.field(default="", kw_only=True)

    def __str__(self) -> str:
        return f"{self.where} (read {self.read.isoformat()})"


@attrs.frozen
class Field:
    """One field of a request body, a query or an answer, as the real API defines it.

    :param type: one of :data:`FIELD_TYPES`.
    :param required: a request without it (or with null) is refused.
    :param read_only: the API does not take it on create or update; the
        contract's ``read_only`` says whether it refuses or ignores it.
    :param nullable: null is a value the API takes.
    :param max_length: the longest text the API takes.
    :param enum: the only values the API takes.
    :param pattern: a regular expression the whole text must match.
    :param width: answers pad the text with spaces to this width (Exact's ``'NL '``).
    :param of: the contract of an object, or of each object in a list.
    :param source: where these facts were read, when not the contract's source.
    """

    name: str
    type: FieldType = attrs.field(validator=attrs.validators.in_(FIELD_TYPES))
    required: bool = attrs.field(default=False, kw_only=True)
    read_only: bool = attrs.field(default=False, kw_only=True)
    nullable: bool = attrs.field(default=True, kw_only=True)
    max_length: int | None = attrs.field(default=None, kw_only=True)
    enum: tuple[Any, ...] = attrs.field(default=(), kw_only=True, converter=_values)
    pattern: str | None = attrs.field(default=None, kw_only=True)
    width: int | None = attrs.field(default=None, kw_only=True)
    of: Contract | None = attrs.field(default=None, kw_only=True)
    source: Source | None = attrs.field(default=None, kw_only=True)
    note: str = attrs.field(default="", kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.of is not None and self.type not in ("object", "list"):
            raise ValueError(f"field {self.name}: only an object or list has a contract (of=)")
        for option in _TEXT_ONLY:
            if getattr(self, option) is not None and self.type != "text":
                raise ValueError(f"field {self.name}: {option} is for text fields")
        if self.pattern is not None:
            re.compile(self.pattern)


def _fields(fields: Iterable[Field]) -> tuple[Field, ...]:
    return tuple(fields)


@attrs.frozen
class Contract:
    """The fields of one kind of object (a request body, a query, an answer, a line).

    :param unknown: what the API does with a field it does not define.
    :param read_only: what it does with a read-only field sent to it.
    :param source: where the facts were read (a field may name its own).
    """

    name: str
    fields: tuple[Field, ...] = attrs.field(converter=_fields)
    source: Source = attrs.field(kw_only=True)
    unknown: OnBreach = attrs.field(default="refuse", kw_only=True)
    read_only: OnBreach = attrs.field(default="refuse", kw_only=True)
    _by_name: Mapping[str, Field] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_name = {field.name: field for field in self.fields}
        if len(by_name) != len(self.fields):
            raise ValueError(f"contract {self.name} names a field twice")
        object.__setattr__(self, "_by_name", by_name)

    def field(self, name: str) -> Field:
        """The field called ``name``.

        :raises KeyError: naming the contract when it has none.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.name} has no field {name!r}") from None

    def get(self, name: str) -> Field | None:
        """The field called ``name``, or None."""
        return self._by_name.get(name)

    def check(
        self, value: Any, *, path: str = "", query: bool = False, seen: set[str] | None = None
    ) -> list[Violation]:
        """What ``value`` breaks of this contract (nested objects and lists included).

        :param path: where ``value`` sits, prefixed to each violation's path.
        :param query: values are query text (``"50"`` is an integer).
        :param seen: collects the paths of the fields sent, below ``path`` (lists as ``Rows[]``).
        """
        sent: set[str] = set()
        found = check_object(self, value, path=path, query=query, seen=sent)
        if seen is not None:
            skip = len(generic_path(path)) + 1 if path else 0
            seen |= {p[skip:] for p in sent}
        return found

    def strip(self, value: Any) -> Any:
        """``value`` without the fields the API ignores (unknown or read-only, as declared)."""
        return strip_object(self, value)

    def shape(self, record: Any, *, nulls: bool = False) -> Any:
        """``record`` as the API answers it: text padded to each field's ``width``.

        :param nulls: also answer every declared field ``record`` lacks, as null.
        """
        return shape_object(self, record, nulls=nulls)

    def partial(self, *, read_only: Iterable[str] = ()) -> Contract:
        """This contract for an update that sends only what changes: none of its
        fields required (nested contracts keep theirs), the fields named in
        ``read_only`` not writable any more."""
        frozen = set(read_only)
        for name in frozen:
            self.field(name)
        fields = [
            attrs.evolve(field, required=False, read_only=field.read_only or field.name in frozen)
            for field in self.fields
        ]
        return attrs.evolve(self, fields=fields)

    def paths(self, prefix: str = "") -> Iterator[tuple[str, Field]]:
        """Every field's path, nested ones included (``Rows[].Quantity``)."""
        for field in self.fields:
            path = f"{prefix}.{field.name}" if prefix else field.name
            yield path, field
            if field.of is not None:
                yield from field.of.paths(f"{path}[]" if field.type == "list" else path)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[A-Za-z_][A-Za-z0-9_]*\})", pattern)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{regex}/?$")


def _upper(method: str) -> str:
    return method.upper()


@attrs.frozen
class Endpoint:
    """One endpoint of the real API: method, path pattern and the contracts of its parts.

    :param pattern: the path, ``{name}`` for a segment (as :meth:`Sandbox.route` takes it).
    :param body: the request body's contract (None: not checked).
    :param query: the query parameters' contract (None: not checked).
    :param answer: the answer's records, for :meth:`Contract.shape` and the client.
    """

    method: str = attrs.field(converter=_upper)
    pattern: str
    body: Contract | None = attrs.field(default=None, kw_only=True)
    query: Contract | None = attrs.field(default=None, kw_only=True)
    answer: Contract | None = attrs.field(default=None, kw_only=True)
    source: Source = attrs.field(kw_only=True)
    note: str = attrs.field(default="", kw_only=True)

    @property
    def key(self) -> str:
        """``METHOD pattern``, as violations and reports name it."""
        return f"{self.method} {self.pattern}"

    def check(
        self, body: Any, params: Mapping[str, str], *, seen: set[str] | None = None
    ) -> list[Violation]:
        """What a request with ``body`` (parsed JSON) and ``params`` breaks.

        :param seen: collects ``body:PATH`` and ``query:NAME`` of what was sent.
        """
        found: list[Violation] = []
        for part, contract, value in (("body", self.body, body), ("query", self.query, params)):
            if contract is None:
                continue
            sent: set[str] = set()
            broken = check_object(contract, value, path="", query=part == "query", seen=sent)
            found += [attrs.evolve(v, endpoint=self.key, part=part) for v in broken]
            if seen is not None:
                seen |= {f"{part}:{path}" for path in sent}
        return found

    def declared(self) -> Iterator[str]:
        """``body:PATH`` and ``query:NAME`` of every field a client may send."""
        for part, contract in (("body", self.body), ("query", self.query)):
            if contract is not None:
                yield from (f"{part}:{p}" for p, f in contract.paths() if not f.read_only)


def _endpoints(endpoints: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    return tuple(endpoints)


@attrs.frozen
class ApiContract:
    """Every endpoint of one system that a plugin uses: the plugin's table of facts."""

    system: str
    endpoints: tuple[Endpoint, ...] = attrs.field(converter=_endpoints)
    _regexes: tuple[re.Pattern[str], ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        keys = [endpoint.key for endpoint in self.endpoints]
        if len(set(keys)) != len(keys):
            raise ValueError(f"the {self.system} contract declares an endpoint twice")
        regexes = tuple(_pattern_regex(endpoint.pattern) for endpoint in self.endpoints)
        object.__setattr__(self, "_regexes", regexes)

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self.endpoints)

    def get(self, method: str, pattern: str) -> Endpoint:
        """The endpoint declared as ``method pattern``.

        :raises KeyError: when there is none.
        """
        for endpoint in self.endpoints:
            if endpoint.method == method.upper() and endpoint.pattern == pattern:
                return endpoint
        raise KeyError(f"the {self.system} contract has no endpoint {method.upper()} {pattern}")

    def match(self, method: str, path: str) -> Endpoint | None:
        """The first endpoint whose pattern matches the concrete ``path`` (for a
        sandbox route that serves several endpoints), or None."""
        for endpoint, regex in zip(self.endpoints, self._regexes, strict=True):
            if endpoint.method == method.upper() and regex.match(path):
                return endpoint
        return None
