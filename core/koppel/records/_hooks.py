"""koppel's (un)structure hooks: the field conversions behind :mod:`koppel.records`.

Money never passes through binary floating point: a ``float`` input becomes a
``Decimal`` through its shortest ``repr`` (``0.1`` -> ``Decimal("0.1")``).
Datetimes are timezone-aware: a naive input is taken as UTC.

The hooks for ``X | None`` and ``tuple[X, ...]`` are partials of module-level
functions, so that :mod:`koppel.records._codegen` can recognise and inline them.
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import cattrs
from cattrs.fns import identity

StructureHook = Callable[[Any, Any], Any]
UnstructureHook = Callable[[Any], Any]

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def to_decimal(value: Any) -> Decimal:
    """Turn an int, float (via its repr), str or Decimal into a finite Decimal.

    A float's Decimal is kept for the next time: amounts, prices and rates repeat
    from record to record.
    """
    kind = type(value)
    if kind is Decimal:
        result: Decimal = value
    elif kind is float:
        result = _FLOATS.get(value) or _float_decimal(value)
    elif kind is int:
        return Decimal(value)
    else:
        result = _other_decimal(value)
    if not result.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return result


def _float_decimal(value: float) -> Decimal:
    """A float's Decimal, kept when finite; zero's sign picks one of two (as keys
    ``-0.0 == 0.0``)."""
    if not value:
        return _ZEROS[math.copysign(1.0, value) < 0]
    result = Decimal(repr(value))
    if result.is_finite():
        if len(_FLOATS) >= _FLOATS_KEPT:
            _FLOATS.clear()
        _FLOATS[value] = result
    return result


#: Decimals of floats by value, at most :data:`_FLOATS_KEPT` of them.
_FLOATS: dict[float, Decimal] = {}
_FLOATS_KEPT = 4096
_ZEROS = (Decimal("0.0"), Decimal("-0.0"))


def _other_decimal(value: Any) -> Decimal:
    """:func:`to_decimal` of anything but a plain Decimal, float or int."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got the boolean {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
    raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")


def to_datetime(value: Any) -> datetime:
    """Parse ISO 8601 or Exact Online's ``/Date(ms)/``; naive values are taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        match = _MS_DATE.match(value.strip())
        if match:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected an ISO date-time or /Date(ms)/, got {value!r}") from None
    else:
        raise TypeError(f"expected a date-time string, got {type(value).__name__} {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_date(value: Any) -> date:
    """Parse an ISO date (a date-time keeps only its date) or ``/Date(ms)/``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _MS_DATE.match(text):
            return to_datetime(text).date()
        try:
            return date.fromisoformat(text[:10]) if len(text) > 10 else date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected an ISO date or /Date(ms)/, got {value!r}") from None
    raise TypeError(f"expected a date string, got {type(value).__name__} {value!r}")


def structure_decimal(value: Any, _: Any) -> Decimal:
    """A finite Decimal as it is, anything else through :func:`to_decimal`."""
    if value.__class__ is Decimal and value.is_finite():
        return value
    return to_decimal(value)


def structure_str(value: Any, cls: Any) -> Any:
    """Text as it is, a finite number as its text; anything else is refused.

    cattrs' ``str(value)`` turned an object into its Python repr, which landed in
    the target as text. A subclass of str (a ``StrEnum``) checks with its own
    constructor.
    """
    if value.__class__ is str and cls is str:
        return value
    if cls is not str:
        return cls(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if (isinstance(value, float) and not math.isfinite(value)) or (
            isinstance(value, Decimal) and not value.is_finite()
        ):
            raise ValueError(f"expected text or a finite number, got {value!r}")
        return str(value)
    kind = {bool: "boolean", list: "array", dict: "object"}.get(type(value), type(value).__name__)
    raise TypeError(f"expected text, got {kind} {value!r}")


def structure_optional_str(value: Any, _: Any) -> str | None:
    """``str | None``: None, text as it is, else :func:`structure_str`."""
    if value is None or value.__class__ is str:
        return value
    return structure_str(value, str)  # type: ignore[no-any-return]


def structure_optional_decimal(value: Any, _: Any) -> Decimal | None:
    """``Decimal | None``: None, a finite Decimal as it is, else :func:`to_decimal`."""
    if value is None or (value.__class__ is Decimal and value.is_finite()):
        return value
    return to_decimal(value)


def structure_datetime(value: Any, _: Any) -> datetime:
    """See :func:`to_datetime`."""
    return to_datetime(value)


def structure_date(value: Any, _: Any) -> date:
    """See :func:`to_date`."""
    return to_date(value)


def isoformat(value: date) -> str:
    """A date or date-time in ISO 8601."""
    return value.isoformat()


def optional_of(tp: Any) -> Any:
    """The ``X`` of ``X | None`` (or ``Optional[X]``), else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def none_or_structured(hook: StructureHook, inner: Any, value: Any, _: Any) -> Any:
    """The ``X | None`` hook as a partial of ``hook`` and ``inner``."""
    return None if value is None else hook(value, inner)


def none_or_unstructured(hook: UnstructureHook, value: Any) -> Any:
    """The ``X | None`` unstructure hook as a partial of ``hook``."""
    return None if value is None else hook(value)


def structure_optional(converter: cattrs.Converter, tp: Any) -> StructureHook:
    """The hook of ``X | None``, resolving the hook of ``X`` once."""
    inner = optional_of(tp)
    if inner is str:
        return structure_optional_str
    if inner is Decimal:
        return structure_optional_decimal
    return partial(none_or_structured, converter.get_structure_hook(inner), inner)


def unstructure_optional(converter: cattrs.Converter, tp: Any) -> UnstructureHook:
    """The unstructure hook of ``X | None``, resolving the hook of ``X`` once."""
    hook = converter.get_unstructure_hook(optional_of(tp))
    if hook is identity:
        return identity
    return partial(none_or_unstructured, hook)


def items_of(tp: Any) -> Any:
    """The ``X`` of ``tuple[X, ...]``, else None."""
    if typing.get_origin(tp) is not tuple:
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or args[1] is not Ellipsis or args[0] is Any:
        return None
    return args[0]


def structured_items(hook: StructureHook, inner: Any, value: Any, _: Any) -> tuple[Any, ...]:
    """The ``tuple[X, ...]`` hook as a partial of ``hook`` and ``inner``."""
    return tuple([hook(item, inner) for item in value])


def unstructured_items(hook: UnstructureHook, value: Any) -> list[Any]:
    """The ``tuple[X, ...]`` unstructure hook (a list, as cattrs makes of a tuple)."""
    return [hook(item) for item in value]


def structure_items(converter: cattrs.Converter, tp: Any) -> StructureHook:
    """The hook of ``tuple[X, ...]``, resolving the hook of ``X`` once."""
    inner = items_of(tp)
    return partial(structured_items, converter.get_structure_hook(inner), inner)


def unstructure_items(converter: cattrs.Converter, tp: Any) -> UnstructureHook:
    """The unstructure hook of ``tuple[X, ...]``, resolving the hook of ``X`` once."""
    hook = converter.get_unstructure_hook(items_of(tp))
    if hook is identity:
        return list
    return partial(unstructured_items, hook)
