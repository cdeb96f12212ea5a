"""An in-memory system, source and target at once, for tests, benchmarks and examples.

Register an instance under its own name and use that name as a flow's
``system``::

    shop = MemorySystem("shop")
    shop.put("customers", "1", {"email": "a@example.com", "name": "A"})
    manager.register(shop, "shop")

Records keep canonical field names natively, so a flow needs no mapping.
Every write is counted in :attr:`MemorySystem.writes`. A source record removed
with :meth:`MemorySystem.remove` is reported as deleted, as a deletion feed does;
target records sharing a match value are found as :class:`~koppel.sync.Ambiguous`.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from koppel.engine._hash import match_value
from koppel.errors import RejectedError
from koppel.plugins import hookimpl
from koppel.records import OrderType
from koppel.sync import (
    Action,
    Ambiguous,
    Connection,
    Direction,
    SourceRecord,
    TargetRecord,
    WriteResult,
    one_match,
)
from koppel.system import EntityInfo, SystemInfo

__all__ = ["DEFAULT_ENTITIES", "MemorySystem"]

#: Entities and their match keys that a :class:`MemorySystem` offers by default.
DEFAULT_ENTITIES: Mapping[str, tuple[str, ...]] = {
    "customers": ("email",),
    "products": ("sku", "ean"),
    "orders": ("number",),
    "relations": (),
}


class MemorySystem:
    """A system whose records live in dictionaries.

    :param name: the system name flows use.
    :param entities: entity name -> match keys.
    :param mappings: (entity, direction) -> mapping specification returned by
        ``default_mapping``; without one, records pass through unchanged.
    :param reject: called with (entity, payload) before a write; a string it
        returns is raised as the target's :class:`~koppel.errors.RejectedError`.
    """

    def __init__(
        self,
        name: str,
        *,
        entities: Mapping[str, tuple[str, ...]] = DEFAULT_ENTITIES,
        order_types: Sequence[OrderType] = tuple(OrderType),
        mappings: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
        reject: Callable[[str, Mapping[str, Any]], str | None] | None = None,
    ) -> None:
        self.name = name
        self.entities = dict(entities)
        self.order_types = tuple(order_types)
        self.mappings = dict(mappings or {})
        self.reject = reject
        #: entity -> record id -> (change sequence, data; None once removed).
        self.source: dict[str, dict[str, tuple[int, dict[str, Any] | None]]] = {}
        self.target: dict[str, dict[str, dict[str, Any]]] = {}
        self.writes: list[tuple[Action, str, str]] = []
        self.lookups = 0
        self._sequence = itertools.count(1)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- test helpers --------------------------------------------------------

    def put(self, entity: str, record_id: str, data: Mapping[str, Any]) -> None:
        """Add or change a source record; it becomes the newest change."""
        self.source.setdefault(entity, {})[record_id] = (next(self._sequence), dict(data))

    def remove(self, entity: str, record_id: str) -> None:
        """Delete a source record; the next read reports it as deleted."""
        self.source.setdefault(entity, {})[record_id] = (next(self._sequence), None)

    def rows(self, entity: str) -> dict[str, dict[str, Any]]:
        """The records written to this system as a target, by target id."""
        return self.target.setdefault(entity, {})

    # -- hooks -----------------------------------------------------------------

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(
            name=self.name,
            title=f"In-memory system {self.name}",
            entities=tuple(
                EntityInfo(
                    name=entity,
                    read=True,
                    write=True,
                    delete=True,
                    deletions=True,
                    match_keys=keys,
                )
                for entity, keys in self.entities.items()
            ),
        )

    @hookimpl
    def fetch_records(
        self, connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
    ) -> Iterator[SourceRecord]:
        after = int(cursor) if cursor else 0
        wanted = filters.get("status")
        changed = sorted(
            (seq, record_id, data)
            for record_id, (seq, data) in self.source.get(entity, {}).items()
            if seq > after
        )
        for seq, record_id, data in changed:
            if data is None:
                yield SourceRecord.removed(record_id, cursor=str(seq))
            elif wanted is None or data.get("status") in wanted:
                yield SourceRecord(id=record_id, data=dict(data), cursor=str(seq))

    @hookimpl
    def default_mapping(
        self, connection: Connection, entity: str, direction: Direction
    ) -> Mapping[str, Any] | None:
        return self.mappings.get((entity, str(direction)))

    @hookimpl
    def find_existing(
        self, connection: Connection, entity: str, match_key: str, values: Sequence[str]
    ) -> dict[str, TargetRecord | Ambiguous]:
        with self._lock:
            self.lookups += 1
            wanted = set(values)
            found: dict[str, list[TargetRecord]] = {}
            for target_id, data in self.rows(entity).items():
                value = match_value(match_key, data.get(match_key))
                if value in wanted:
                    found.setdefault(value, []).append(TargetRecord(id=target_id, data=dict(data)))
        return {value: match for value, rows in found.items() if (match := one_match(rows))}

    @hookimpl
    def upsert(
        self,
        connection: Connection,
        entity: str,
        action: Action,
        payload: Mapping[str, Any],
        target_id: str | None,
    ) -> WriteResult:
        problem = self.reject(entity, payload) if self.reject else None
        if problem:
            raise RejectedError(problem, system=self.name, entity=entity)
        with self._lock:
            rows = self.rows(entity)
            if action == Action.CREATE:
                target_id = f"{self.name}-{next(self._ids)}"
            elif target_id not in rows:
                raise RejectedError(f"{entity} {target_id} does not exist", system=self.name)
            assert target_id is not None
            # An update changes the fields it sends and keeps the others, as a
            # target's API does: that is what create-only fields rely on.
            rows[target_id] = {**rows.get(target_id, {}), **payload}
            self.writes.append((action, entity, target_id))
        return WriteResult(target_id=target_id, response={"id": target_id})

    @hookimpl
    def delete_record(self, connection: Connection, entity: str, target_id: str) -> bool:
        with self._lock:
            self.rows(entity).pop(target_id, None)  # already gone counts as deleted
            self.writes.append((Action.DELETE, entity, target_id))
        return True

    @hookimpl
    def supports_order_types(self, connection: Connection) -> tuple[OrderType, ...]:
        return self.order_types
