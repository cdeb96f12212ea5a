"""What a flow's output depends on besides the source record: its fingerprint.

A binding keeps the hash of the raw source record under this fingerprint when
the record was synced; a later run that reads the same record under the same
fingerprint skips it before mapping. The fingerprint covers the mappings (the
systems' own and the flow's overrides), lookup tables, the flow's entity,
order type, filters and settings, both connections' plain settings and the
versions of koppel and of both system plugins: changing any of them maps every
record again (and updates only those whose payload changed).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs

import koppel
from koppel.engine._hash import hash_text
from koppel.flows import Flow
from koppel.sync import Connection, Direction

if TYPE_CHECKING:
    from koppel.plugins import KoppelPluginManager

__all__ = ["flow_fingerprint"]


def flow_fingerprint(
    flow: Flow,
    manager: KoppelPluginManager,
    *,
    source: tuple[Any, Connection],
    target: tuple[Any, Connection],
) -> str:
    """The fingerprint of ``flow`` as it runs now; ``source`` and ``target`` are each
    (hook caller, connection)."""
    versions = {
        plugin.name: plugin.version
        for plugin in manager.loaded.values()
        if plugin.system is not None
        and plugin.system.name in (flow.source.system, flow.target.system)
    }
    document = {
        "koppel": koppel.__version__,
        "plugins": versions,
        "entity": flow.entity,
        "order_type": flow.order_type,
        "filters": flow.filters,
        "settings": attrs.asdict(flow.settings),
        "mapping": flow.mapping,
        "lookups": flow.lookups,
        "connections": [flow.source.settings, flow.target.settings],
        "inbound": _spec(flow, *source, Direction.INBOUND),
        "outbound": _spec(flow, *target, Direction.OUTBOUND),
    }
    return hash_text(json.dumps(document, sort_keys=True, default=str))


def _spec(flow: Flow, hooks: Any, connection: Connection, direction: Direction) -> object:
    """The system's own mapping for the flow's entity in ``direction`` (as data)."""
    return hooks.default_mapping(connection=connection, entity=flow.entity, direction=direction)
