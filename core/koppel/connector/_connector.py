"""A system declared once; core answers every hook for it from its resources."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from koppel.connector._resource import OutboundMap, Resource
from koppel.connector._session import Session
from koppel.connector._settings import describe_settings, read_settings
from koppel.errors import ConfigurationError, PluginError
from koppel.plugins import hookimpl
from koppel.sync import (
    Action,
    Ambiguous,
    Connection,
    Direction,
    SourceRecord,
    TargetRecord,
    WriteResult,
)
from koppel.system import EntityInfo, SystemInfo

if TYPE_CHECKING:
    from koppel.http import OAuth2Config
    from koppel.records import OrderType
    from koppel.sandbox import Sandbox

__all__ = ["Connector"]


class Connector:
    """A system: its name, typed settings, how its client is built, one resource per entity.

    Registered with pluggy as a plugin object (its entry point names the object,
    ``acme = "koppel_acme.plugin:connector"``); its hook implementations below
    dispatch each call to the entity's resource, so no plugin code branches on
    entity names. A connector answers ``None`` for an entity it has no resource
    for, and for a hook its resource does not implement, like a raw plugin that
    does not implement it.

    :param name: the system's name (``exact-online``), as flow files give it.
    :param title: its display name.
    :param settings: the attrs class of its connection settings (:func:`setting` fields).
    :param client: builds the connection's client from its :class:`Session`, once per run;
        core closes it (its ``close()``) when the run ends.
    :param resources: one :class:`Resource` class per entity.
    :param package: the package whose ``mappings/`` folder holds the shipped mappings.
    :param oauth: the connection's OAuth2 registration, from its session, when it uses OAuth2.
    :param sandbox: makes the system's emulator: ``sandbox(seed, volume)``; or where to
        import it from on first use (``"koppel_acme.sandbox:make_sandbox"``), so that a
        run that needs no sandbox does not import it.
    :param functions: extra mapping functions (``mapping_functions``).
    :param local: the system works on local data only (a folder, the state store) and
        calls no API: ``--sandbox`` runs use it as it is.
    """

    def __init__(
        self,
        *,
        name: str,
        title: str,
        settings: type,
        client: Callable[[Session], Any],
        resources: Sequence[type[Resource]],
        package: str,
        description: str = "",
        oauth: Callable[[Session], OAuth2Config] | None = None,
        sandbox: Callable[[int, int | None], Sandbox] | str | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        local: bool = False,
    ) -> None:
        self.name = name
        self.title = title
        self.settings = settings
        self.build_client = client
        self.package = package
        self.description = description
        self.oauth = oauth
        self.sandbox = sandbox
        self.functions = dict(functions or {})
        self.local = local
        self.resources: dict[str, type[Resource]] = {}
        for resource in resources:
            if resource.entity in self.resources:
                raise PluginError(f"{name}: two resources for entity {resource.entity!r}")
            self.resources[resource.entity] = resource

    def __repr__(self) -> str:
        return f"<Connector {self.name} ({', '.join(self.resources)})>"

    # -- helpers -------------------------------------------------------------

    def session(self, connection: Connection) -> Session:
        """The connection's :class:`Session` for this run."""
        return Session.of(self, connection)

    def resource(self, connection: Connection, entity: str) -> Resource | None:
        """The resource of ``entity`` bound to the connection's session, or None."""
        cls = self.resources.get(entity)
        if cls is None:
            return None
        session = self.session(connection)
        key = f"koppel.connector.resource:{entity}"
        found: Resource = session.cached(key, lambda: cls(session))
        return found

    def check_settings(self, connection: str, values: Mapping[str, Any]) -> None:
        """Check settings offline (``koppel check``); raises ConfigurationError naming the key."""
        read_settings(self.settings, values, connection=connection)

    # -- hooks ---------------------------------------------------------------

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(
            name=self.name,
            title=self.title,
            description=self.description,
            settings=describe_settings(self.settings),
            local=self.local,
            check_settings=self.check_settings,
            entities=tuple(
                EntityInfo(
                    name=entity,
                    read=cls.can("fetch"),
                    write=cls.can("upsert"),
                    delete=cls.can("delete"),
                    match_keys=tuple(cls.match_keys),
                    update=cls.update,
                    deletions=cls.deletions,
                    description=cls.description,
                    filters=dict(cls.filters),
                    check_filters=cls.check_filters,
                )
                for entity, cls in self.resources.items()
            ),
        )

    @hookimpl
    def fetch_records(
        self, connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
    ) -> Iterable[SourceRecord] | None:
        resource = self.resource(connection, entity)
        if resource is None or not resource.can("fetch"):
            return None
        return resource.fetch(cursor, filters)

    @hookimpl
    def default_mapping(
        self, connection: Connection, entity: str, direction: Direction
    ) -> Mapping[str, Any] | None:
        from koppel.mapping import packaged_mapping

        resource = self.resource(connection, entity)
        if resource is None:
            return None
        return packaged_mapping(self.package, resource.mapping_name(Direction(direction)))

    @hookimpl(tryfirst=True)
    def map_record(
        self,
        connection: Connection,
        entity: str,
        direction: Direction,
        data: Mapping[str, Any],
        mapping: Any,
        action: Action | None,
        existing: Mapping[str, Any] | None,
    ) -> Mapping[str, Any] | None:
        cls = self.resources.get(entity)
        if cls is None or direction != Direction.OUTBOUND or not cls.can("map_outbound"):
            return None
        resource = self.resource(connection, entity)
        assert resource is not None
        request = OutboundMap(data=data, mapping=mapping, action=action, existing=existing)
        return resource.map_outbound(request)

    @hookimpl
    def find_existing(
        self, connection: Connection, entity: str, match_key: str, values: Sequence[str]
    ) -> Mapping[str, TargetRecord | Ambiguous] | None:
        resource = self.resource(connection, entity)
        if resource is None or not resource.can("find") or match_key not in resource.match_keys:
            return None
        return resource.find(match_key, values)

    @hookimpl
    def upsert(
        self,
        connection: Connection,
        entity: str,
        action: Action,
        payload: Mapping[str, Any],
        target_id: str | None,
    ) -> WriteResult | None:
        resource = self.resource(connection, entity)
        if resource is None or not resource.can("upsert"):
            return None
        return resource.upsert(action, payload, target_id)

    @hookimpl
    def delete_record(self, connection: Connection, entity: str, target_id: str) -> bool | None:
        resource = self.resource(connection, entity)
        if resource is None or not resource.can("delete"):
            return None
        resource.delete(target_id)
        return True

    @hookimpl(specname="check_online")
    def check_online_hook(
        self,
        connection: Connection,
        entity: str,
        direction: str,
        overrides: Mapping[str, Any] | None,
    ) -> str | None:
        # pluggy passes an implementation only the arguments it names without a default
        return self.check_online(connection, entity, direction, overrides)

    def check_online(
        self,
        connection: Connection,
        entity: str,
        direction: str,
        overrides: Mapping[str, Any] | None = None,
    ) -> str | None:
        """The ``check_online`` hook of ``entity``'s resource (``overrides`` as the hook
        gives them), callable directly too."""
        resource = self.resource(connection, entity)
        if resource is None or not resource.can("check_online"):
            return None
        if overrides is not None and resource.takes_overrides():
            return resource.check_online(direction, overrides=overrides)
        return resource.check_online(direction)

    @hookimpl
    def supports_order_types(self, connection: Connection) -> Iterable[OrderType] | None:
        cls = self.resources.get("orders")
        if cls is None:
            return None
        try:
            settings = self.session(connection).settings
        except ConfigurationError:  # settings not given (koppel plugins): every type it has
            settings = None
        return cls.order_types(settings)

    @hookimpl
    def oauth_config(self, connection: Connection) -> OAuth2Config | None:
        if self.oauth is None:
            return None
        return self.oauth(self.session(connection))

    @hookimpl
    def koppel_sandbox(self, seed: int, volume: int | None) -> Sandbox | None:
        if self.sandbox is None:
            return None
        make = self.sandbox
        if isinstance(make, str):
            module, _, name = make.partition(":")
            make = getattr(importlib.import_module(module), name)
        return make(seed, volume)

    @hookimpl
    def mapping_functions(self) -> Mapping[str, Callable[..., Any]]:
        return self.functions
