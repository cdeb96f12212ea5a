"""Everything a run needs before its first record: connections, hooks, mappings, rules."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from koppel.engine._calls import direct_caller
from koppel.engine._fingerprint import flow_fingerprint
from koppel.engine._mappings import compile_flow_mapping
from koppel.engine._rules import RecordRules
from koppel.engine.dry_run import DRY_RUN
from koppel.errors import ConfigurationError
from koppel.flows import Flow, build_connection
from koppel.log import get_logger
from koppel.records import ENTITY_RECORDS
from koppel.sync import Connection, Direction

if TYPE_CHECKING:
    from koppel.plugins import KoppelPluginManager
    from koppel.state import StateStore
    from koppel.system import SystemInfo

__all__ = [
    "ConnectionHook",
    "RunParts",
    "build_parts",
    "check_deletions",
    "check_filters",
    "flow_settings",
]

#: Called with each of a run's two connections once they are built (see ``run_flow``).
ConnectionHook = Callable[[Connection], object]


@attrs.define(eq=False)
class RunParts:
    """The pieces of one run that every step shares (built by :func:`build_parts`)."""

    flow: Flow
    store: StateStore
    dry_run: bool
    source: Connection
    target: Connection
    source_hooks: Any
    target_hooks: Any
    #: The ``upsert`` caller (in a dry run one that leaves every system plugin out).
    upsert: Any
    map_inbound: Callable[..., Any]
    map_outbound: Callable[..., Any]
    inbound: Any
    outbound: Any
    rules: RecordRules
    match_keys: tuple[str, ...]
    record_class: type | None
    #: False when the target never updates the entity (``EntityInfo.update``).
    updates: bool = True
    #: What the output depends on besides the source record (:func:`flow_fingerprint`).
    fingerprint: str = ""
    store_lock: threading.Lock = attrs.field(factory=threading.Lock)

    @property
    def entity(self) -> str:
        return self.flow.entity

    @property
    def scope(self) -> tuple[str, str, str]:
        """(source connection, target connection, entity): the key of the run's bindings."""
        return (self.flow.source.name, self.flow.target.name, self.flow.entity)


def build_parts(
    flow: Flow,
    store: StateStore,
    manager: KoppelPluginManager,
    *,
    dry_run: bool = False,
    transports: Mapping[str, Any] | None = None,
    token_store: Any = None,
    prepare_connection: ConnectionHook | None = None,
) -> RunParts:
    """Check that the flow can run and build its connections, mappings and rules.

    :raises ConfigurationError: when the source cannot read or the target cannot
        write the entity, the source does not take a filter of the flow, or the
        target does not support the order type.
    """
    source_info = manager.system(flow.source.system)
    target_info = manager.system(flow.target.system)
    source_entity = source_info.entity(flow.entity)
    target_entity = target_info.entity(flow.entity)
    if source_entity is None or not source_entity.read:
        raise ConfigurationError(
            f"system {source_info.name} cannot read {flow.entity!r}; "
            f"it reads: {', '.join(source_info.readable) or 'nothing'}",
            flow=flow.name,
            file=flow.label,
            path="entity",
        )
    if target_entity is None or not target_entity.write:
        raise ConfigurationError(
            f"system {target_info.name} cannot write {flow.entity!r}; "
            f"it writes: {', '.join(target_info.writable) or 'nothing'}",
            flow=flow.name,
            file=flow.label,
            path="entity",
        )
    check_filters(flow, source_info)
    check_deletions(flow, target_info)
    log = get_logger(component="engine")
    unused = unpropagated_deletions(flow, source_info)
    if unused:
        log.warning(unused, flow=flow.name, file=flow.label, path="settings.deletions")
    for config, info in ((flow.source, source_info), (flow.target, target_info)):
        unknown = unknown_settings({**config.settings, **config.credentials}, info)
        if unknown:
            log.warning(
                f"connection {config.name}: setting(s) not known to {info.name}, "
                f"left unused: {', '.join(unknown)}",
                flow=flow.name,
                file=flow.label,
            )
    transports = transports or {}
    tokens = token_store if token_store is not None else store.token_store()
    source = build_connection(
        flow.source,
        file=flow.label,
        transport=transports.get(flow.source.name),
        token_store=tokens,
    )
    target = build_connection(
        flow.target,
        file=flow.label,
        transport=transports.get(flow.target.name),
        token_store=tokens,
        settings=flow_settings(flow),
    )
    source.state = target.state = store
    try:
        return _assemble(
            flow,
            store,
            manager,
            source,
            target,
            dry_run=dry_run,
            prepare_connection=prepare_connection,
        )
    except BaseException:
        source.close()
        target.close()
        raise


def _assemble(
    flow: Flow,
    store: StateStore,
    manager: KoppelPluginManager,
    source: Connection,
    target: Connection,
    *,
    dry_run: bool,
    prepare_connection: ConnectionHook | None,
) -> RunParts:
    """The rest of :func:`build_parts`, once the connections exist."""
    source_hooks = manager.hooks_for(flow.source.system)
    target_hooks = manager.hooks_for(flow.target.system)
    target_info = manager.system(flow.target.system)
    target_entity = target_info.entity(flow.entity)
    assert target_entity is not None
    if prepare_connection is not None:
        prepare_connection(source)
        prepare_connection(target)
    upsert = target_hooks.upsert
    if dry_run:  # both marked: a source that acts when closed (webhooks) acts not either
        source.cache[DRY_RUN] = target.cache[DRY_RUN] = True
        systems = [p.plugin for p in manager.loaded.values() if p.system is not None]
        upsert = manager.pm.subset_hook_caller("upsert", remove_plugins=systems)
    if flow.order_type is not None:
        from koppel.accounting import check_order_type_supported

        supported = target_hooks.supports_order_types(connection=target) or ()
        check_order_type_supported(
            flow.order_type, supported, system=target_info.name, flow=flow.name
        )
    return RunParts(
        flow=flow,
        store=store,
        dry_run=dry_run,
        source=source,
        target=target,
        source_hooks=source_hooks,
        target_hooks=target_hooks,
        upsert=upsert,
        map_inbound=direct_caller(source_hooks.map_record),
        map_outbound=direct_caller(target_hooks.map_record),
        inbound=compile_flow_mapping(
            flow, source_hooks, source, Direction.INBOUND, manager.mapping_functions()
        ),
        outbound=compile_flow_mapping(
            flow, target_hooks, target, Direction.OUTBOUND, manager.mapping_functions()
        ),
        rules=RecordRules(flow, target_hooks=target_hooks, target=target, target_info=target_info),
        match_keys=tuple(target_entity.match_keys),
        record_class=ENTITY_RECORDS.get(flow.entity),
        updates=target_entity.update,
        fingerprint=flow_fingerprint(
            flow, manager, source=(source_hooks, source), target=(target_hooks, target)
        ),
    )


def check_filters(flow: Flow, source: SystemInfo) -> None:
    """Check the flow's ``[filters]`` against what the source entity declares it takes
    (``EntityInfo.filters``; ``status`` of orders the engine applies itself).

    An entity that declares nothing (None, a raw-hook plugin) is not checked.

    :raises ConfigurationError: naming ``filters.<key>`` and the keys the entity takes.
    """
    entity = source.entity(flow.entity)
    if entity is None or entity.filters is None:
        return
    takes = set(entity.filters) | ({"status"} if flow.entity == "orders" else set())
    for key in flow.filters:
        if key not in takes:
            raise ConfigurationError(
                f"{source.name} takes no filter {key!r} for {flow.entity}; "
                f"it takes: {', '.join(sorted(takes)) or 'none'}",
                flow=flow.name,
                file=flow.label,
                path=f"filters.{key}",
            )
    if entity.check_filters is not None:
        try:
            entity.check_filters(dict(flow.filters))
        except ConfigurationError as exc:
            raise exc.with_context(flow=flow.name, file=flow.label) from None


def unknown_settings(given: Mapping[str, Any], info: SystemInfo) -> list[str]:
    """The keys of ``given`` the system declares no setting for, each with the declared
    one it is a letter or two off, when there is one ("full_reload_deletion (did you
    mean full_reload_deletions?)"). A system that declares no settings has none unknown."""
    import difflib

    known = sorted(s.name for s in info.settings)
    named = []
    for key in sorted(k for k in given if known and k not in known):
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        named.append(f"{key} (did you mean {close[0]}?)" if close else key)
    return named


def check_deletions(flow: Flow, target: SystemInfo) -> None:
    """Refuse ``deletions = "propagate"`` for a target that cannot delete the entity.

    :raises ConfigurationError: naming ``settings.deletions``.
    """
    entity = target.entity(flow.entity)
    if flow.settings.deletions == "propagate" and (entity is None or not entity.delete):
        raise ConfigurationError(
            f'{target.name} cannot delete {flow.entity}, so deletions = "propagate" cannot '
            f'be kept; use deletions = "report" (the default)',
            flow=flow.name,
            file=flow.label,
            path="settings.deletions",
        )


def unpropagated_deletions(flow: Flow, source: SystemInfo) -> str | None:
    """What to warn of when a flow propagates deletions its source never reports."""
    entity = source.entity(flow.entity)
    if flow.settings.deletions != "propagate" or entity is None or entity.deletions:
        return None
    return (
        f'deletions = "propagate" has nothing to do: {source.name} reports no deletions '
        f"of {flow.entity}"
    )


def flow_settings(flow: Flow) -> dict[str, Any]:
    """The flow's own settings the target connection gets (default debtor, order type, ...)."""
    settings: dict[str, Any] = {**flow.settings.extra}
    if flow.settings.default_debtor is not None:
        settings["default_debtor"] = flow.settings.default_debtor
    if flow.order_type is not None:
        settings["order_type"] = flow.order_type
    return settings
