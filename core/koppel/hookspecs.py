"""The hooks through which plugins extend koppel.

A **system plugin** implements :func:`koppel_system` and the data hooks for
its system. A call for system X reaches only X's implementation plus the
**cross-cutting plugins** (those that implement no ``koppel_system``: core's
datamapper, dry run, audit), which typically wrap a hook with
``@hookimpl(wrapper=True)``. Hooks are called with keyword arguments only;
argument names are API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from koppel.http import OAuth2Config
    from koppel.records import OrderType
    from koppel.sandbox import Sandbox
    from koppel.sync import (
        Action,
        Ambiguous,
        Connection,
        Direction,
        SourceRecord,
        TargetRecord,
        WriteResult,
    )
    from koppel.system import SystemInfo

hookspec = pluggy.HookspecMarker("koppel")


@hookspec
def koppel_system() -> SystemInfo:
    """Describe the system this plugin connects.

    Called once when the plugin manager loads plugins. Implementing it makes a
    plugin a system plugin: calls for other systems never reach it.

    :return: the system's name (as flow files spell it), title, entities with
        their match keys, and settings.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def fetch_records(
    connection: Connection,
    entity: str,
    cursor: str | None,
    filters: Mapping[str, Any],
) -> Iterable[SourceRecord] | None:
    """Read the records of ``entity`` changed since ``cursor``, oldest first.

    Called once per flow run on the source system. Pages lazily: the engine
    consumes the iterable as it goes.

    :param connection: the source connection.
    :param entity: the entity to read, one the system declares readable.
    :param cursor: the position stored after the last run, or None for a full read.
    :param filters: the flow's filters for this entity (such as ``status``).
    :return: the native records, each with its id and cursor position.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def default_mapping(
    connection: Connection, entity: str, direction: Direction
) -> Mapping[str, Any] | None:
    """The mapping this system ships for ``entity`` in ``direction``, as data.

    Called once per flow run, before any record is mapped; the flow file's
    overrides are laid over the answer and the result is compiled once.

    :param connection: the connection of the system whose native side is mapped.
    :param entity: the entity being synced.
    :param direction: ``inbound`` (native -> canonical) or ``outbound``.
    :return: the mapping specification (as loaded from the plugin's TOML file).

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def map_record(
    connection: Connection,
    entity: str,
    direction: Direction,
    data: Mapping[str, Any],
    mapping: Any,
    action: Action | None,
    existing: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """Map one record: native -> canonical (inbound) or canonical -> native (outbound).

    Called per record. Core's built-in datamapper implements it by applying
    ``mapping``; a plugin implements it (``tryfirst=True``) only when a mapping
    table cannot express what it needs.

    :param connection: the connection whose system the native side belongs to.
    :param entity: the entity being synced.
    :param direction: ``inbound`` or ``outbound``.
    :param data: the input: native data inbound, unstructured canonical data outbound.
    :param mapping: the flow's compiled mapping for this system, entity and direction.
    :param action: outbound only: ``create`` or ``update`` (write rules depend on it).
    :param existing: outbound updates: the target's current data, when known.
    :return: the mapped data.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec
def mapping_functions() -> Mapping[str, Callable[..., Any]]:
    """Extra functions that mapping expressions may call, by name.

    Called when a mapping is compiled; every plugin contributes (not per
    system). A function receives the evaluated arguments and raises
    :class:`TypeError` or :class:`ValueError` on bad input, which becomes a
    record-level error naming the field and value. Names may not repeat a
    JMESPath built-in, a core function or another plugin's function.

    :return: function name (an identifier) -> callable.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def find_existing(
    connection: Connection,
    entity: str,
    match_key: str,
    values: Sequence[str],
) -> Mapping[str, TargetRecord | Ambiguous] | None:
    """Find target records by match key, for many values in one go.

    Called by the engine for records that no binding knows, in batches, so
    that a run costs one query per batch, not one per record. Values are
    normalised by the engine (e-mail addresses trimmed and lower-cased).
    A value that several target records share answers :class:`~koppel.sync.Ambiguous`
    with all of them (:func:`koppel.sync.one_match`), never one picked silently.

    :param connection: the target connection.
    :param entity: the entity to look in.
    :param match_key: a canonical field named in the entity's ``match_keys``, or several
        joined by ``+`` (``invoice_number+line``).
    :param values: the match-key values to look up; those of a key joining fields are
        their values as a JSON list (``["INV-7", "530006"]``).
    :return: the records that exist, keyed by match-key value; absent values do not exist.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def upsert(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult | None:
    """Create or update one record in the target.

    Called per record that the engine decided to create or update. Raise a
    :class:`~koppel.errors.RejectedError` with the API's message when the
    target refuses the record.

    :param connection: the target connection.
    :param entity: the entity to write.
    :param action: ``create`` or ``update``.
    :param payload: the native payload produced by the outbound mapping.
    :param target_id: the record's id in the target for an update, else None.
    :return: the target's id for the record and its answer.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def delete_record(connection: Connection, entity: str, target_id: str) -> bool | None:
    """Delete one record in the target, because its source record was deleted.

    Called only for flows with ``deletions = "propagate"``, for a bound record
    whose source reported it deleted. A record already gone counts as deleted.

    :param connection: the target connection.
    :param entity: the entity the record belongs to.
    :param target_id: the target record's id (from the binding).
    :return: True once deleted; None when this plugin cannot delete ``entity``.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def check_online(
    connection: Connection, entity: str, direction: str, overrides: Mapping[str, Any] | None
) -> str | None:
    """Ask the system itself whether ``connection`` can read or write ``entity`` as
    configured (``koppel check --online``): the customer's own definitions, the
    fields the mappings use (the system's default mapping with the flow's overrides
    laid over it), the rights of the credentials.

    :param connection: the connection, with its credentials resolved.
    :param entity: the flow's entity.
    :param direction: ``read`` (the flow's source) or ``write`` (its target).
    :param overrides: the flow's mapping overrides for this direction
        (``[mapping.inbound]`` to read, ``[mapping.outbound]`` with the flow's
        ``write_rules`` to write) in the datamapper's shape, ``{"fields": {...}}``; None
        when the flow overrides nothing. An implementation may leave the argument out.
    :return: one line saying what was checked; None when nothing can be checked online.
    :raises ConfigurationError: naming the setting to fix when the system says no.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def supports_order_types(connection: Connection) -> Iterable[OrderType] | None:
    """Which order types this system accepts as a target.

    Called by ``koppel check`` and before an order flow runs.

    :param connection: the target connection (settings may change the answer).
    :return: the supported order types.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def oauth_config(connection: Connection) -> OAuth2Config | None:
    """The OAuth2 endpoints and client of this system, for ``koppel auth``.

    Called by ``koppel auth CONNECTION --flow FILE`` before it prints the
    authorization URL; options given on the command line win over the answer.

    :param connection: the connection to authorise, with its settings and
        resolved credentials (client id and secret).
    :return: the authorization and token endpoints, client id and secret,
        redirect URI and scopes.

    Stops at first non-None result.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def koppel_sandbox(seed: int, volume: int | None) -> Sandbox | None:
    """An emulator of this system's API, with demo data.

    Called per system when a flow runs with ``--sandbox``, by ``koppel sandbox
    serve SYSTEM`` and by the standard connector test suite; each call builds a
    fresh sandbox with its own state.

    :param seed: seeds the demo data and any random fault injection, so that a
        run can be repeated exactly.
    :param volume: how many records of the system's main entities to generate
        (eAccounting: orders), or None for the demo's own amount. A hookimpl may
        leave it out of its signature; asking that system for a volume is then
        an error.
    :return: a :class:`koppel.sandbox.Sandbox`, whose ``transport()`` replaces the network.

    Stops at first non-None result.
    """
    raise NotImplementedError
