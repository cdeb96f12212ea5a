"""The mappings of one run: the system's default laid under the flow's overrides, compiled once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from koppel.flows import Flow
from koppel.sync import Connection, Direction

__all__ = ["compile_flow_mapping", "flow_overrides"]


def flow_overrides(flow: Flow, direction: Direction) -> dict[str, Any] | None:
    """The flow's overrides for ``direction`` in the datamapper's shape, or None.

    ``[mapping.<direction>]`` holds field overrides; outbound, the flow's
    ``settings.write_rules`` are added to them.
    """
    fields: dict[str, Any] = dict(flow.mapping_overrides(str(direction)))
    if direction == Direction.OUTBOUND:
        for field, rule in flow.settings.write_rules.items():
            entry = fields.get(field)
            if isinstance(entry, str):
                fields[field] = {"expr": entry, "write": str(rule)}
            elif isinstance(entry, Mapping):
                fields[field] = {**entry, "write": str(rule)}
            else:
                fields[field] = {"write": str(rule)}
    return {"fields": fields} if fields else None


def compile_flow_mapping(
    flow: Flow,
    hooks: Any,
    connection: Connection,
    direction: Direction,
    functions: Mapping[str, Callable[..., Any]],
) -> Any:
    """Compile ``connection``'s mapping for the flow's entity in ``direction``, or None.

    None means records pass through unchanged: the system ships no mapping and
    the flow overrides nothing. ``functions`` are the plugins' mapping functions
    (:meth:`koppel.plugins.KoppelPluginManager.mapping_functions`).

    :raises MappingError: naming the flow file, mapping, field and expression.
    """
    spec = hooks.default_mapping(connection=connection, entity=flow.entity, direction=direction)
    overrides = flow_overrides(flow, direction)
    if spec is None and overrides is None:
        return None
    from koppel.errors import MappingError
    from koppel.mapping import compile_mapping

    name = f"{connection.system}/{flow.entity}/{direction}"
    try:
        if spec is None:
            return compile_mapping(
                overrides or {}, name=name, lookups=flow.lookups, functions=functions
            )
        return compile_mapping(
            spec, name=name, overrides=overrides, lookups=flow.lookups, functions=functions
        )
    except MappingError as exc:
        raise exc.with_context(flow=flow.name, connection=connection.name) from None
