"""The functions a mapping expression can call beyond JMESPath's built-ins.

Core's functions are plain callables; plugins add their own through the
``mapping_functions`` hook. Every function passes ``null`` through (a null
argument gives a null result) unless its description says otherwise, and
raises :class:`TypeError` or :class:`ValueError` on bad input, which the
datamapper turns into a record-level error naming the field and the value.

JMESPath's built-ins are kept, with ``Decimal`` accepted wherever a number is:
``sum``, ``avg``, ``to_number``, ``to_string`` and ``type`` are extended so
that every input the built-in accepts gives the built-in's result. A mapping
calls core's own ``to_string`` and ``to_number`` instead, which keep null and
refuse an array or object: JMESPath's give the text ``"null"`` and JSON text.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from jmespath import exceptions as jp_exceptions
from jmespath import functions as jp_functions

from koppel import records
from koppel.errors import RecordError
from koppel.mapping._countries import country_code
from koppel.mapping._street import split_street

__all__ = [
    "CORE_FUNCTIONS",
    "FunctionCallError",
    "KoppelFunctions",
    "builtin_function_names",
    "check_arity",
    "make_lookup",
    "make_vat_code",
]

_MISSING: Any = object()


class FunctionCallError(Exception):
    """A mapping function refused its arguments; carries them for the error message."""

    def __init__(self, name: str, args: tuple[Any, ...], error: BaseException) -> None:
        super().__init__(f"{name}(): {error}")
        self.name = name
        self.args_ = args
        self.error = error

    @property
    def value(self) -> Any:
        """The offending value: the only argument, or all of them."""
        explicit = getattr(self.error, "value", _MISSING)
        if explicit is not _MISSING:
            return explicit
        return self.args_[0] if len(self.args_) == 1 else list(self.args_)


def _text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {_describe(value)}")


def _describe(value: Any) -> str:
    kind = {bool: "boolean", list: "array", dict: "object", str: "string"}.get(type(value))
    if kind is None:
        kind = "number" if isinstance(value, int | float | Decimal) else type(value).__name__
    return f"{kind} {value!r}"


def _to_text(value: Any) -> str:
    """The text of a scalar as concat and join write it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise TypeError(f"expected a string or number, got {_describe(value)}")


def concat(*values: Any) -> str:
    """Join strings and numbers without a separator; nulls are left out."""
    return "".join(_to_text(v) for v in values if v is not None)


def join(separator: Any, values: Any) -> str:
    """``join(sep, array)``: JMESPath's join, also taking numbers and skipping nulls."""
    sep = _text(separator, "join")
    if not isinstance(values, list):
        raise TypeError(f"expected an array, got {_describe(values)}")
    return sep.join(_to_text(v) for v in values if v is not None)


def upper(value: Any) -> str | None:
    """Upper-case a string."""
    return None if value is None else _text(value, "upper").upper()


def lower(value: Any) -> str | None:
    """Lower-case a string."""
    return None if value is None else _text(value, "lower").lower()


def trim(value: Any, characters: Any = None) -> str | None:
    """Strip whitespace (or the given characters) from both ends."""
    if value is None:
        return None
    chars = None if characters is None else _text(characters, "trim")
    return _text(value, "trim").strip(chars)


def replace(value: Any, old: Any, new: Any) -> str | None:
    """Replace every occurrence of ``old`` by ``new``."""
    if value is None:
        return None
    return _text(value, "replace").replace(_text(old, "replace"), _text(new, "replace"))


def split(value: Any, separator: Any = None) -> list[str] | None:
    """Split a string on ``separator`` (whitespace when omitted)."""
    if value is None:
        return None
    sep = None if separator is None else _text(separator, "split")
    if sep == "":
        raise ValueError("the separator must not be empty")
    return _text(value, "split").split(sep)


def coalesce(*values: Any) -> Any:
    """The first argument that is neither null nor the empty string, else null."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


def to_string(value: Any) -> str | None:
    """A string as it is, a number or boolean as JSON writes it; null stays null."""
    if value is None or isinstance(value, str):
        return value
    if type(value) is int:
        return str(value)  # as JSON writes it
    if isinstance(value, list | dict):
        raise TypeError(f"expected a string, number or boolean, got {_describe(value)}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"expected a finite number, got {value!r}")
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return json.dumps(value)


def to_number(value: Any) -> Any:
    """JMESPath's ``to_number``: a number, or a numeric string's; else null, as null is."""
    if isinstance(value, list | dict):
        raise TypeError(f"expected a string or number, got {_describe(value)}")
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return None


def to_decimal(value: Any) -> Decimal | None:
    """A number or numeric string as an exact ``Decimal`` (floats through their repr)."""
    return None if value is None else _decimal(value)


def round_money(value: Any, places: Any = 2) -> Decimal | None:
    """Round half away from zero to ``places`` decimals (2 by default), as a ``Decimal``."""
    if value is None:
        return None
    exponent = _EXPONENTS.get(places) if type(places) is int else None
    if exponent is None:
        if isinstance(places, bool) or not isinstance(places, int | float | Decimal):
            raise TypeError(f"places must be a whole number, got {_describe(places)}")
        if places != int(places) or not 0 <= places <= 12:
            raise ValueError(f"places must be a whole number from 0 to 12, got {places!r}")
        exponent = _EXPONENTS[int(places)]
    return _decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(13)}


#: Every mapping function takes its Decimals as :func:`koppel.records.to_decimal` makes them.
_decimal = records.to_decimal


def to_date(value: Any) -> str | None:
    """An ISO date or ``/Date(ms)/`` as an ISO date string ``YYYY-MM-DD``."""
    if value is None or value == "":
        return None
    return records.to_date(value).isoformat()


def to_datetime(value: Any) -> str | None:
    """An ISO date-time or ``/Date(ms)/`` as an ISO date-time string with offset (UTC if none)."""
    if value is None or value == "":
        return None
    return records.to_datetime(value).isoformat()


def make_lookup(tables: Mapping[str, Mapping[str, Any]]) -> Callable[..., Any]:
    """The ``lookup(table, value[, default])`` function over the given tables."""

    def lookup(table: Any, value: Any, default: Any = _MISSING) -> Any:
        name = _text(table, "lookup")
        entries = tables.get(name)
        if entries is None:
            known = ", ".join(sorted(tables)) or "none"
            raise ValueError(f"no lookup table {name!r} (tables: {known})")
        if value is None:
            return None if default is _MISSING else default
        if isinstance(value, list | dict):
            raise TypeError(f"cannot look up {_describe(value)}")
        key = value if isinstance(value, str) else _to_text(value)
        if key in entries:
            return entries[key]
        if default is not _MISSING:
            return default
        error = ValueError(f"{value!r} is not in lookup table {name!r} and no default is given")
        error.value = value  # type: ignore[attr-defined]
        raise error

    return lookup


def make_vat_code(tables: Mapping[str, Mapping[str, Any]]) -> Callable[..., Any]:
    """The ``vat_code(country, rate[, default])`` function over the ``vat_codes`` table.

    The table is keyed ``"COUNTRY:RATE"`` (``"NL:21"``), with ``"*:RATE"`` for any
    country, and read as :func:`koppel.accounting.tax_tables` reads it for journal
    entries: the row for the country, else the ``"*"`` row, else ``default``. With
    no table (or an empty one), or no country or rate, the result is ``default``.
    A rate is a percentage (``21``, ``"9.0"``).

    :raises RecordError: naming the table and key when a table is given, no row
        matches and there is no default.
    """
    parsed: list[Any] = []

    def vat_code(country: Any, rate: Any, default: Any = None) -> Any:
        rows = tables.get("vat_codes")
        if not rows or country in (None, "") or rate in (None, ""):
            return default
        if not parsed:
            from koppel.accounting import tax_tables  # not imported by mappings that need none

            parsed.append(tax_tables({"vat_codes": rows})[0])
        try:
            return parsed[0].lookup(records.to_decimal(rate), _text(country, "vat_code"))
        except RecordError:
            if default is None:
                raise
            return default

    return vat_code


#: Core's functions by name; ``lookup`` and ``vat_code`` are added per mapping with its tables.
CORE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": concat,
    "join": join,
    "upper": upper,
    "lower": lower,
    "trim": trim,
    "replace": replace,
    "split": split,
    "coalesce": coalesce,
    "to_string": to_string,
    "to_number": to_number,
    "to_decimal": to_decimal,
    "round_money": round_money,
    "to_date": to_date,
    "to_datetime": to_datetime,
    "split_street": split_street,
    "country_code": country_code,
}


def check_arity(name: str, function: Callable[..., Any], count: int) -> str | None:
    """Why ``function`` cannot take ``count`` positional arguments, or None when it can."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*([None] * count))
    except TypeError:
        return f"{name}() does not take {count} argument{'s' if count != 1 else ''}"
    return None


_F = TypeVar("_F", bound=Callable[..., Any])


def _signature(*arguments: dict[str, Any]) -> Callable[[_F], _F]:
    """jmespath's ``signature`` decorator, typed."""
    decorate: Callable[[_F], _F] = jp_functions.signature(*arguments)
    return decorate


def _finite_decimals(arguments: list[Any]) -> bool:
    """True when ``arguments`` is one non-empty array of finite ``Decimal`` numbers."""
    if len(arguments) != 1 or type(arguments[0]) is not list or not arguments[0]:
        return False
    for item in arguments[0]:  # a loop: all() of a generator costs more than the sum
        if type(item) is not Decimal or not item.is_finite():
            break
    else:
        return True
    return False


def _decimal_aware(value: Any) -> bool:
    return type(value) is Decimal


#: The Python type names a signature's types allow, by signature (a few dozen at most).
_ALLOWED_PYTYPES: dict[tuple[str, ...], tuple[list[str], list[Any]]] = {}


class KoppelFunctions(jp_functions.Functions):  # type: ignore[misc]  # untyped base
    """JMESPath's built-ins with ``Decimal`` as a number, plus plain callables by name.

    ``extra`` functions take precedence over built-ins of the same name; they
    are called with the evaluated arguments, and their ``TypeError``,
    ``ValueError`` and ``ArithmeticError`` come out as :class:`FunctionCallError`.
    """

    def __init__(self, extra: Mapping[str, Callable[..., Any]]) -> None:
        self.extra = dict(extra)

    def call_function(self, function_name: str, resolved_args: list[Any]) -> Any:
        function = self.extra.get(function_name)
        if function is None:
            if function_name == "sum" and _finite_decimals(resolved_args):
                return sum(resolved_args[0], Decimal(0))  # what _func_sum gives, unchecked
            return super().call_function(function_name, resolved_args)
        try:
            return function(*resolved_args)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise FunctionCallError(function_name, tuple(resolved_args), exc) from exc

    def _get_allowed_pytypes(self, types: Any) -> tuple[list[str], list[Any]]:
        key = tuple(types)  # a built-in's signature: asked on every call, the same each time
        found = _ALLOWED_PYTYPES.get(key)
        if found is None:
            allowed, subtypes = super()._get_allowed_pytypes(types)
            if "float" in allowed:
                allowed.append("Decimal")
            subtypes = [(*sub, "Decimal") if "float" in sub else sub for sub in subtypes]
            found = _ALLOWED_PYTYPES[key] = (allowed, subtypes)
        return found

    def _convert_to_jmespath_type(self, pyobject: str) -> str:
        return (
            "number" if pyobject == "Decimal" else str(super()._convert_to_jmespath_type(pyobject))
        )

    @_signature({"types": ["array-number"]})
    def _func_sum(self, arg: list[Any]) -> Any:
        if any(map(_decimal_aware, arg)):
            return sum((_decimal(item) for item in arg), Decimal(0))
        return sum(arg)

    @_signature({"types": ["array-number"]})
    def _func_avg(self, arg: list[Any]) -> Any:
        if not arg:
            return None
        return self._func_sum(arg) / len(arg)

    @_signature({"types": []})
    def _func_to_number(self, arg: Any) -> Any:
        if type(arg) is Decimal:
            return arg
        return super()._func_to_number(arg)

    @_signature({"types": []})
    def _func_to_string(self, arg: Any) -> Any:
        if type(arg) is Decimal:
            return str(arg)
        return super()._func_to_string(arg)

    @_signature({"types": []})
    def _func_type(self, arg: Any) -> Any:
        if type(arg) is Decimal:
            return "number"
        return super()._func_type(arg)


def builtin_function_names() -> frozenset[str]:
    """Names of JMESPath's built-in functions."""
    return frozenset(jp_functions.Functions.FUNCTION_TABLE)


JMESPathError = jp_exceptions.JMESPathError
