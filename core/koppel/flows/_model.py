"""What a parsed flow file holds: connections, the entity, filters, settings, mappings."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from koppel.flows._schedule import Schedule

__all__ = ["ConnectionConfig", "Flow", "FlowSettings", "WriteRule"]


class WriteRule(enum.StrEnum):
    """When an outbound field is written to the target.

    ``create_only`` is the "update checkbox" left off: set on create, never
    overwritten; ``if_empty`` writes only when the target's value is empty.
    """

    ALWAYS = "always"
    CREATE_ONLY = "create_only"
    IF_EMPTY = "if_empty"


@attrs.frozen(kw_only=True)
class ConnectionConfig:
    """One connection of a flow file: its system, plain settings and credential references.

    ``credentials`` maps a credential name to a reference (``env:NAME`` or
    ``keyring:service/name``); it is resolved only when the flow runs.
    """

    name: str
    system: str
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    credentials: Mapping[str, str] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class FlowSettings:
    """The flow's own settings (``[settings]``); ``extra`` keeps keys koppel does not know."""

    default_debtor: str | None = None
    write_rules: Mapping[str, WriteRule] = attrs.field(factory=dict)
    concurrency: int = 4
    chunk_size: int = 500
    #: Several target records share a record's match value: ``error`` (park it,
    #: naming them) or ``first`` (take the one the target ranks first).
    on_ambiguous: str = "error"
    #: A record deleted in the source: ``report`` it, or ``propagate`` (delete the
    #: bound target record too).
    deletions: str = "report"
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Flow:
    """A flow: read ``entity`` from ``source``, write it to ``target``.

    ``mapping`` holds the overrides per direction (``inbound`` is laid over the
    source's default mapping, ``outbound`` over the target's); ``lookups`` are
    the named lookup tables, loaded already; ``state`` is the state store's
    path or URL (a relative path is relative to the flow file), None for the
    default; ``schedule`` is when the worker runs it, None for by hand only;
    ``warnings`` are problems that do not stop the flow (a plain secret in the file).
    """

    name: str
    path: Path | None
    source: ConnectionConfig
    target: ConnectionConfig
    entity: str
    order_type: str | None = None
    filters: Mapping[str, Any] = attrs.field(factory=dict)
    settings: FlowSettings = attrs.field(factory=FlowSettings)
    mapping: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    lookups: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    schedule: Schedule | None = None
    state: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The flow file's path when known, else the flow's name (for messages)."""
        return str(self.path) if self.path else self.name

    def mapping_overrides(self, direction: str) -> Mapping[str, Any]:
        """The overrides for ``direction`` (``inbound`` or ``outbound``); empty when none."""
        return self.mapping.get(direction, {})

    def state_location(self, override: str | None = None) -> str | None:
        """Where the state store is: ``override``, else the flow's ``state`` resolved.

        A relative path in the flow file is taken relative to the file's folder.
        """
        location = override or self.state
        if location is None or override is not None or "://" in location:
            return location
        path = Path(location).expanduser()
        if not path.is_absolute() and self.path is not None:
            path = self.path.parent / path
        return str(path)
