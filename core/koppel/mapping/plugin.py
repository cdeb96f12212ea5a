"""The built-in datamapper: core's ``map_record``, applying the flow's compiled mapping.

Registered as the built-in plugin ``datamapper``. A system plugin that needs
more than a mapping table implements ``map_record`` with ``tryfirst=True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppel.errors import MappingRecordError
from koppel.mapping._compile import CompiledMapping
from koppel.plugins import hookimpl
from koppel.sync import Action

__all__ = ["map_record"]

#: Keys tried, in order, for a record's id in error messages.
_ID_KEYS = ("id", "Id", "ID", "number", "Number")


@hookimpl
def map_record(
    data: Mapping[str, Any],
    mapping: Any,
    action: Action | None,
    existing: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """Apply ``mapping`` (a :class:`CompiledMapping`) to ``data``; None when there is none."""
    if not isinstance(mapping, CompiledMapping):
        return None
    try:
        return mapping.apply(data, action=action, existing=existing)
    except MappingRecordError as exc:  # the id is looked up for an error only
        exc.with_context(record=record_id(data))
        raise


def record_id(data: Any) -> str | None:
    """The record's own id, when it has one under a usual key."""
    if isinstance(data, Mapping):
        for key in _ID_KEYS:
            value = data.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return None
