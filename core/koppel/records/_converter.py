"""(Un)structuring canonical records with cattrs.

Money never passes through binary floating point: a ``float`` input becomes a
``Decimal`` through its shortest ``repr`` (``0.1`` -> ``Decimal("0.1")``).
Datetimes are timezone-aware: a naive input is taken as UTC. Errors name the
field path and the bad value.

Speed: ``X | None`` fields and ``tuple[X, ...]`` fields get hooks resolved once
per type instead of cattrs' per-value dispatch, a value that already is a finite
``Decimal`` is taken as it is, and :func:`structure` first tries a converter
without detailed validation; only a record that fails is structured again with
it, for the message naming the field path.
"""

from __future__ import annotations

import enum
import math
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.fns import identity

from koppel.errors import MappingRecordError

__all__ = ["make_converter", "structure", "to_date", "to_datetime", "to_decimal", "unstructure"]

T = TypeVar("T")

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def to_decimal(value: Any) -> Decimal:
    """Turn an int, float (via its repr), str or Decimal into a finite Decimal."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError(f"expected a number, got the boolean {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
    else:
        raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")
    if not result.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return result


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


def make_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """A new converter with koppel's hooks; each plugin keeps its own private one.

    :param detailed_validation: collect every error with its field path (cattrs'
        ``detailed_validation``); without it structuring is faster and stops at the
        first error, with no path.
    """
    converter = cattrs.Converter(detailed_validation=detailed_validation, forbid_extra_keys=False)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(datetime, lambda value, _: to_datetime(value))
    converter.register_unstructure_hook(datetime, lambda value: value.isoformat())
    converter.register_structure_hook(date, lambda value, _: to_date(value))
    converter.register_unstructure_hook(date, lambda value: value.isoformat())
    converter.register_unstructure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum), lambda value: value.value
    )
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook_factory(
        _optional_of, lambda t: _structure_optional(converter, t)
    )
    converter.register_unstructure_hook_factory(
        _optional_of, lambda t: _unstructure_optional(converter, t)
    )
    if not detailed_validation:  # with it, cattrs' own hook names the index of a bad item
        converter.register_structure_hook_factory(
            _items_of, lambda t: _structure_items(converter, t)
        )
    converter.register_unstructure_hook_factory(
        _items_of, lambda t: _unstructure_items(converter, t)
    )
    return converter


def _structure_decimal(value: Any, _: Any) -> Decimal:
    if value.__class__ is Decimal and value.is_finite():
        return value
    return to_decimal(value)


def _structure_str(value: Any, cls: Any) -> Any:
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


def _optional_of(tp: Any) -> Any:
    """The ``X`` of ``X | None`` (or ``Optional[X]``), else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def _structure_optional(converter: cattrs.Converter, tp: Any) -> Callable[[Any, Any], Any]:
    inner = _optional_of(tp)
    hook = converter.get_structure_hook(inner)
    if inner is str:
        return lambda value, _: (
            value if value is None or value.__class__ is str else _structure_str(value, str)
        )
    if inner is Decimal:
        return lambda value, _: (
            value
            if value is None or (value.__class__ is Decimal and value.is_finite())
            else to_decimal(value)
        )
    return lambda value, _: None if value is None else hook(value, inner)


def _unstructure_optional(converter: cattrs.Converter, tp: Any) -> Callable[[Any], Any]:
    inner = _optional_of(tp)
    hook = converter.get_unstructure_hook(inner)
    if hook is identity:
        return identity
    return lambda value: None if value is None else hook(value)


def _items_of(tp: Any) -> Any:
    """The ``X`` of ``tuple[X, ...]``, else None."""
    if typing.get_origin(tp) is not tuple:
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or args[1] is not Ellipsis or args[0] is Any:
        return None
    return args[0]


def _structure_items(converter: cattrs.Converter, tp: Any) -> Callable[[Any, Any], Any]:
    inner = _items_of(tp)
    hook = converter.get_structure_hook(inner)
    return lambda value, _: tuple([hook(item, inner) for item in value])


def _unstructure_items(converter: cattrs.Converter, tp: Any) -> Callable[[Any], Any]:
    """A list, as cattrs makes of a tuple."""
    hook = converter.get_unstructure_hook(_items_of(tp))
    if hook is identity:
        return list
    return lambda value: [hook(item) for item in value]


_converter = make_converter()
_fast = make_converter(detailed_validation=False)


def structure(data: Any, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build a record of type ``cls`` from plain data.

    :raises MappingRecordError: naming the first bad field path and its value.
    """
    if converter is None:
        try:
            return _fast.structure(data, cls)
        except Exception:  # structured again below, for the message with the field path
            converter = _converter
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        problems = _describe(exc)
        path, reason = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise MappingRecordError(f"{cls.__name__}.{path}: {reason}{more}", field=path) from exc
    except (TypeError, ValueError) as exc:
        raise MappingRecordError(f"{cls.__name__}: {exc}") from exc


def unstructure(record: Any, *, converter: cattrs.Converter | None = None) -> Any:
    """Plain JSON-ready data for a record: Decimals as strings, dates in ISO 8601."""
    return (converter or _converter).unstructure(record)


def _describe(exc: BaseException, path: str = "") -> list[tuple[str, str]]:
    """Flatten a cattrs exception group into (field path, reason) pairs."""
    from cattrs.errors import ForbiddenExtraKeysError

    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        found: list[tuple[str, str]] = []
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            name = note.name if hasattr(note, "name") else note.index
            step = f"[{name}]" if isinstance(name, int) else (f".{name}" if path else str(name))
            found.extend(_describe(inner, path + step))
        for inner in without:
            found.extend(_describe(inner, path))
        return found
    if isinstance(exc, ForbiddenExtraKeysError):
        return [(path or "<record>", f"unknown keys {sorted(exc.extra_fields)}")]
    if isinstance(exc, KeyError):
        return [(path, "is required")]
    return [(path or "<record>", str(exc) or type(exc).__name__)]
