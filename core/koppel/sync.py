"""What flows through the hooks during a sync: connections, source records, writes."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs


@attrs.define(kw_only=True)
class Connection:
    """One configured account of a system, as a flow names it.

    ``settings`` are the plain settings, ``secrets`` the resolved credentials
    (never logged). ``transport`` replaces the network (a sandbox's
    ``httpx.MockTransport``); ``token_store`` keeps rotating OAuth tokens;
    ``clock`` is the :class:`koppel.http.Clock` the plugin's retries, rate-limit
    waits and token expiry run on (None: the real clock; a sandbox's fake one in
    tests); ``cache`` lives for one run and lets a plugin keep batched lookups.
    """

    name: str
    system: str
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    secrets: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    transport: Any = attrs.field(default=None, repr=False)
    token_store: Any = attrs.field(default=None, repr=False)
    clock: Any = attrs.field(default=None, repr=False)
    cache: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class SourceRecord:
    """One native record read from a source.

    ``cursor`` is the source's position after this record (a modification time,
    a sync timestamp); the engine stores the highest one it may safely pass.
    """

    id: str
    data: Mapping[str, Any]
    cursor: str | None = None


class Action(enum.StrEnum):
    """What the engine decided for one record."""

    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"
    FAIL = "fail"


class Direction(enum.StrEnum):
    """Which way a mapping goes: native -> canonical, or canonical -> native."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@attrs.frozen(kw_only=True)
class TargetRecord:
    """A record that exists in the target: its id and, when known, its current data."""

    id: str
    data: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class WriteResult:
    """The target's answer to a create or update."""

    target_id: str
    response: Mapping[str, Any] = attrs.field(factory=dict)
