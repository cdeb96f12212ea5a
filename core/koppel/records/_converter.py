"""(Un)structuring canonical records with cattrs.

Money never passes through binary floating point: a ``float`` input becomes a
``Decimal`` through its shortest ``repr`` (``0.1`` -> ``Decimal("0.1")``).
Datetimes are timezone-aware: a naive input is taken as UTC. Errors name the
field path and the bad value.

Speed: ``X | None`` fields and ``tuple[X, ...]`` fields get hooks resolved once
per type instead of cattrs' per-value dispatch, a value that already is a finite
``Decimal`` is taken as it is, and :func:`structure` first tries a converter
without detailed validation, whose record classes are structured by functions
generated with koppel's hooks inlined (:mod:`koppel.records._codegen`, also used
to unstructure); only a record that fails is structured again with the detailed
one, for the message naming the field path.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

from koppel.errors import MappingRecordError
from koppel.records import _hooks
from koppel.records._codegen import is_record_class, structure_fn, unstructure_fn
from koppel.records._hooks import to_date, to_datetime, to_decimal

__all__ = ["make_converter", "structure", "to_date", "to_datetime", "to_decimal", "unstructure"]

T = TypeVar("T")


def make_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """A new converter with koppel's hooks; each plugin keeps its own private one.

    :param detailed_validation: collect every error with its field path (cattrs'
        ``detailed_validation``); without it structuring is faster and stops at the
        first error, with no path.
    """
    converter = cattrs.Converter(detailed_validation=detailed_validation, forbid_extra_keys=False)
    converter.register_structure_hook(Decimal, _hooks.structure_decimal)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(datetime, _hooks.structure_datetime)
    converter.register_unstructure_hook(datetime, _hooks.isoformat)
    converter.register_structure_hook(date, _hooks.structure_date)
    converter.register_unstructure_hook(date, _hooks.isoformat)
    converter.register_unstructure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum), lambda value: value.value
    )
    converter.register_structure_hook(str, _hooks.structure_str)
    converter.register_structure_hook_factory(
        _hooks.optional_of, lambda t: _hooks.structure_optional(converter, t)
    )
    converter.register_unstructure_hook_factory(
        _hooks.optional_of, lambda t: _hooks.unstructure_optional(converter, t)
    )
    converter.register_unstructure_hook_factory(
        _hooks.items_of, lambda t: _hooks.unstructure_items(converter, t)
    )
    converter.register_unstructure_hook_factory(
        is_record_class, lambda cls: unstructure_fn(converter, cls)
    )
    if not detailed_validation:  # with it, cattrs' own hooks name the path of a bad field
        converter.register_structure_hook_factory(
            _hooks.items_of, lambda t: _hooks.structure_items(converter, t)
        )
        converter.register_structure_hook_factory(
            is_record_class, lambda cls: structure_fn(converter, cls)
        )
    return converter


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
