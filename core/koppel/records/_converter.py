"""(Un)structuring canonical records with cattrs.

Money never passes through binary floating point: a ``float`` input becomes a
``Decimal`` through its shortest ``repr`` (``0.1`` -> ``Decimal("0.1")``).
Datetimes are timezone-aware: a naive input is taken as UTC. Errors name the
field path and the bad value.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

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


def make_converter() -> cattrs.Converter:
    """A new converter with koppel's hooks; each plugin keeps its own private one."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    converter.register_structure_hook(Decimal, lambda value, _: to_decimal(value))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(datetime, lambda value, _: to_datetime(value))
    converter.register_unstructure_hook(datetime, lambda value: value.isoformat())
    converter.register_structure_hook(date, lambda value, _: to_date(value))
    converter.register_unstructure_hook(date, lambda value: value.isoformat())
    converter.register_unstructure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum), lambda value: value.value
    )
    return converter


_converter = make_converter()


def structure(data: Any, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build a record of type ``cls`` from plain data.

    :raises MappingRecordError: naming the first bad field path and its value.
    """
    try:
        return (converter or _converter).structure(data, cls)
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
