"""One entity of a system: how to read it, find it by match key and write it."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from koppel.sync import Action, Ambiguous, Direction, SourceRecord, TargetRecord, WriteResult

if TYPE_CHECKING:
    from koppel.connector._session import Session
    from koppel.records import OrderType

__all__ = ["OutboundMap", "Resource"]


@attrs.frozen(kw_only=True)
class OutboundMap:
    """What :meth:`Resource.map_outbound` is asked to map: the canonical record, the
    flow's compiled mapping, the action (None in a plan) and the target's current data."""

    data: Mapping[str, Any]
    mapping: Any
    action: Action | None
    existing: Mapping[str, Any] | None

    def apply(self, data: Mapping[str, Any] | None = None, **options: Any) -> dict[str, Any]:
        """The flow's mapping applied to ``data`` (the record itself by default)."""
        result: dict[str, Any] = self.mapping.apply(
            self.data if data is None else data,
            action=self.action,
            existing=self.existing,
            **options,
        )
        return result


class Resource:
    """One entity of a system, declared as a class; core makes one per connection and run.

    Class attributes declare it; the methods it overrides say what it can do::

        class Customers(Resource):
            entity = "customers"
            match_keys = {"email": "EmailAddress"}  # canonical key -> native field
            description = "customers (/v2/customers)"

            def fetch(self, cursor, filters):
                return read_each(self.client.changed_since("customers", cursor), ...)

            def find(self, match_key, values):
                field = self.match_keys[match_key]
                return {v: TargetRecord(id=r["Id"], data=r) for v, r in ...}

            def upsert(self, action, payload, target_id):
                return WriteResult(target_id=self.client.save(payload, target_id)["Id"])

    A resource that overrides :meth:`fetch` can be read, one that overrides
    :meth:`upsert` written. ``update = False`` says the system takes a record
    once and never changes it. :attr:`session` gives the connection, its typed
    settings, its client (built once per run by core) and a per-run cache.
    """

    #: The canonical entity name (``customers``, ``products``, ``orders``, ...).
    entity: ClassVar[str]
    #: Canonical match key -> the native field it is looked up by, tried in order.
    match_keys: ClassVar[Mapping[str, str]] = {}
    #: False: the system takes a record once and never updates it.
    update: ClassVar[bool] = True
    #: True: :meth:`fetch` reports records deleted in the source
    #: (``SourceRecord.removed``), so ``deletions = "propagate"`` has something to do.
    deletions: ClassVar[bool] = False
    #: One line for ``koppel plugins show``.
    description: ClassVar[str] = ""
    #: The keys of a flow's ``[filters]`` that :meth:`fetch` honours -> one line each on
    #: what it selects; core refuses a flow with any other key (``koppel check``, run).
    filters: ClassVar[Mapping[str, str]] = {}

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def client(self) -> Any:
        """The connection's client, built once per run."""
        return self.session.client

    @property
    def settings(self) -> Any:
        """The connection's typed settings."""
        return self.session.settings

    # -- what a resource can do: override ---------------------------------

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        """Records changed since ``cursor``, oldest first (see ``fetch_records``)."""
        raise NotImplementedError

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Existing records by match-key value, in one batch (see ``find_existing``);
        a value several records share maps to :class:`~koppel.sync.Ambiguous`."""
        raise NotImplementedError

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Create or update one record (see ``upsert``)."""
        raise NotImplementedError

    def delete(self, target_id: str) -> None:
        """Delete one record; one already gone counts as deleted (see ``delete_record``)."""
        raise NotImplementedError

    def check_online(self, direction: str, overrides: Mapping[str, Any] | None = None) -> str:
        """Ask the system whether this connection can ``read`` or ``write`` the entity as
        configured; one line on what was checked (see ``check_online``).

        ``overrides`` are the flow's mapping overrides for the direction
        (``{"fields": {...}}``), laid over the shipped mapping: check the fields the
        flow really writes. A resource whose method leaves the argument out is called
        without it and checks its shipped mapping.
        """
        raise NotImplementedError

    @classmethod
    def check_filters(cls, filters: Mapping[str, Any]) -> None:
        """Refuse, offline, a value of the flow's ``[filters]`` that :meth:`fetch` cannot
        honour: raise ConfigurationError naming ``filters.<key>`` (``koppel check`` and the
        run's start call it; the keys are already checked against :attr:`filters`)."""

    @classmethod
    def order_types(cls, settings: Any | None) -> Iterable[OrderType] | None:
        """The order types this entity takes with ``settings`` (None: the connection's
        settings are not known, as for ``koppel plugins``), or None: not an order."""
        return None

    def mapping_name(self, direction: Direction) -> str:
        """The file of the shipped mapping: ``mappings/<entity>.<direction>.toml``."""
        return f"{self.entity}.{Direction(direction).value}.toml"

    def map_outbound(self, request: OutboundMap) -> Mapping[str, Any] | None:
        """Map one canonical record to this system where a mapping alone cannot say it
        (a journal page computed from an order); None: the datamapper maps it."""
        return None

    # -- introspection ------------------------------------------------------

    @classmethod
    def takes_overrides(cls) -> bool:
        """Whether :meth:`check_online` takes the flow's ``overrides``."""
        return "overrides" in inspect.signature(cls.check_online).parameters

    @classmethod
    def can(cls, method: str) -> bool:
        """Whether this resource overrides ``method`` (``fetch``, ``find``, ``upsert``,
        ``delete``, ``check_online``, ``map_outbound``)."""
        return getattr(cls, method) is not getattr(Resource, method)
