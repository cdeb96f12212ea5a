"""The in-memory state behind an emulated API: named collections of records."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["Collection", "Store"]


class Collection:
    """Records of one kind by id, in insertion order; ids are issued by a counter."""

    def __init__(self, name: str, *, id_field: str = "id", first_id: int = 1) -> None:
        self.name = name
        self.id_field = id_field
        self._records: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(first_id)

    def insert(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Store a copy of ``record``, issuing an id when it has none; return the copy."""
        stored = copy.deepcopy(dict(record))
        key = stored.get(self.id_field)
        if key is None:
            key = str(next(self._ids))
            stored[self.id_field] = key
        self._records[str(key)] = stored
        return copy.deepcopy(stored)

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        """Store a copy of ``record`` as record ``key``, as it is, replacing any there.

        Unlike :meth:`insert`, the id field is not read or set: a test can store a
        record whose id is missing or malformed.
        """
        self._records[str(key)] = copy.deepcopy(dict(record))

    def get(self, key: str) -> dict[str, Any] | None:
        """A copy of the record with id ``key``, or None."""
        found = self._records.get(str(key))
        return copy.deepcopy(found) if found is not None else None

    def update(self, key: str, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Merge ``changes`` into record ``key``; None when it does not exist."""
        found = self._records.get(str(key))
        if found is None:
            return None
        original = found[self.id_field]
        found.update(copy.deepcopy(dict(changes)))
        found[self.id_field] = original  # ids are the store's: changes cannot move a record
        return copy.deepcopy(found)

    def delete(self, key: str) -> bool:
        """Remove record ``key``; True when it existed."""
        return self._records.pop(str(key), None) is not None

    def find(self, **criteria: Any) -> list[dict[str, Any]]:
        """Copies of the records whose fields equal every criterion."""
        return [
            copy.deepcopy(r)
            for r in self._records.values()
            if all(r.get(k) == v for k, v in criteria.items())
        ]

    def all(self) -> list[dict[str, Any]]:
        """Copies of every record, in insertion order."""
        return copy.deepcopy(list(self._records.values()))

    def stored(self) -> list[dict[str, Any]]:
        """The stored records themselves (not copies), in insertion order: to filter,
        sort and count them, then copy only the page a list call answers. Never
        change them."""
        return list(self._records.values())

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.all())


class Store:
    """Named collections; a sandbox seeds its demo data here."""

    def __init__(self) -> None:
        self._collections: dict[str, Collection] = {}

    def collection(self, name: str, *, id_field: str = "id") -> Collection:
        """The collection ``name``, created empty on first use."""
        found = self._collections.get(name)
        if found is None:
            found = self._collections[name] = Collection(name, id_field=id_field)
        return found

    def seed(
        self, name: str, records: Iterable[Mapping[str, Any]], *, id_field: str = "id"
    ) -> None:
        """Insert demo ``records`` into collection ``name``."""
        target = self.collection(name, id_field=id_field)
        for record in records:
            target.insert(record)

    def names(self) -> list[str]:
        """The names of the collections, in the order they were made."""
        return list(self._collections)

    def __contains__(self, name: object) -> bool:
        return name in self._collections

    def __getitem__(self, name: str) -> Collection:
        return self.collection(name)
