"""The CRM side of a relations flow: the connection fetching and numbering need."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from koppel.errors import ConfigurationError
from koppel.sync import Direction

if TYPE_CHECKING:
    from koppel.flows import Flow
    from koppel.plugins import KoppelPluginManager
    from koppel.state import StateStore

__all__ = ["ENTITY", "CrmSide"]

#: The canonical entity a relations flow moves.
ENTITY = "relations"


@attrs.frozen
class CrmSide:
    """The CRM of a relations flow: its connection, hooks, the inbound mapping (with the
    flow's overrides) and the outbound one that writes numbers and messages back."""

    connection: Any
    hooks: Any
    inbound: Any
    outbound: Any

    @classmethod
    def build(
        cls,
        flow: Flow,
        store: StateStore,
        manager: KoppelPluginManager,
        token_store: Any,
        prepare: Callable[[Any], None] | None,
    ) -> CrmSide:
        """Connect to the flow's source.

        :raises ConfigurationError: when it cannot read relations or take their
            numbers back.
        """
        from koppel.engine._mappings import compile_flow_mapping
        from koppel.flows import build_connection
        from koppel.mapping import compile_mapping

        info = manager.system(flow.source.system)
        entity = info.entity(ENTITY)
        if entity is None or not entity.read or not entity.write:
            raise ConfigurationError(
                f"system {info.name} cannot read relations and take their numbers back",
                flow=flow.name,
                file=flow.label,
                path="source",
            )
        connection = build_connection(
            flow.source,
            file=flow.label,
            token_store=token_store if token_store is not None else store.token_store(),
        )
        connection.state = store
        try:
            if prepare is not None:
                prepare(connection)
            hooks = manager.hooks_for(flow.source.system)
            inbound = compile_flow_mapping(
                flow, hooks, connection, Direction.INBOUND, manager.mapping_functions()
            )
            spec = hooks.default_mapping(
                connection=connection, entity=ENTITY, direction=Direction.OUTBOUND
            )
            if spec is None:
                raise ConfigurationError(
                    f"system {info.name} ships no mapping to take relations' numbers back",
                    flow=flow.name,
                    path="source",
                )
            outbound = compile_mapping(
                spec, name=f"{info.name}/{ENTITY}/outbound", functions=manager.mapping_functions()
            )
        except BaseException:
            connection.close()
            raise
        return cls(connection=connection, hooks=hooks, inbound=inbound, outbound=outbound)
