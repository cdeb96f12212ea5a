"""Where the activity log keeps what recurs: parts (master data stored once for many
entries) and the flows' compression dictionaries, in ``koppel_activity_parts``.

Every transaction that writes entries stores the parts they reference when those
are missing and moves a part's ``used_at`` on when it is older than
:data:`PART_REFRESH`; purge deletes the parts no kept entry references.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import zstandard

from koppel.state._base import StoreBase, chunks, dialect_insert, driver_value
from koppel.state._documents import (
    DICT_SAMPLES,
    POINTER,
    PartSeen,
    compress,
    decompress,
    decompressor,
    dictionary_id,
    dictionary_key,
    dictionary_pointer,
    part_refs,
    train,
)
from koppel.state._schema import activity, activity_parts

__all__ = ["PART_REFRESH", "PartsMixin"]

#: A part's ``used_at`` is moved on when an entry references it and it is older than
#: this, so it is less than this older than any entry that references it.
PART_REFRESH = timedelta(hours=1)


#: Driver SQL (:meth:`StoreBase._where_in`): which parts are stored; move a stale
#: ``used_at`` on.
_STORED = f"SELECT hash FROM {activity_parts.name} WHERE hash IN"
_REFRESH = f"UPDATE {activity_parts.name} SET used_at = ? WHERE used_at < ? AND hash IN"


@functools.cache
def _insert_new(dialect: str) -> sa.Insert:
    """Insert a part unless it is stored, built once per dialect."""
    insert: sa.Insert = dialect_insert(dialect, activity_parts).on_conflict_do_nothing()
    return insert


class PartsMixin(StoreBase):
    """Store, load and purge the activity log's parts and dictionaries."""

    def _part_seen(self) -> PartSeen:
        seen: PartSeen | None = getattr(self, "_seen_parts", None)
        if seen is None:
            seen = self._seen_parts = PartSeen()
        return seen

    def _dictionary(
        self, conn: sa.Connection, flow: str, samples: list[bytes]
    ) -> tuple[dict[str, bytes], zstandard.ZstdCompressionDict | None]:
        """The compression dictionary of ``flow`` with the part rows that keep it (none and
        None while the flow has none: it is trained on a batch of :data:`DICT_SAMPLES`)."""
        known: dict[str, zstandard.ZstdCompressionDict | None] | None = getattr(
            self, "_dictionaries", None
        )
        if known is None:
            known = {}
            self._dictionaries = known
        pointer = dictionary_pointer(flow)
        if flow not in known:  # once per process and flow: a dictionary stored before
            known[flow] = self._stored_dictionary(conn, pointer)
        if known[flow] is None and len(samples) >= DICT_SAMPLES:
            known[flow] = train(samples)
        dictionary = known[flow]
        if dictionary is None:
            return {}, None
        dict_id = dictionary.dict_id()
        return {
            dictionary_key(dict_id): dictionary.as_bytes(),
            pointer: str(dict_id).encode(),
        }, dictionary

    def _stored_dictionary(
        self, conn: sa.Connection, pointer: str
    ) -> zstandard.ZstdCompressionDict | None:
        found = self._load_raw(conn, {pointer})
        if pointer not in found:
            return None
        key = dictionary_key(int(found[pointer].decode()))
        data = self._load_raw(conn, {key}).get(key)
        return None if data is None else zstandard.ZstdCompressionDict(data)

    def _store_parts(
        self, conn: sa.Connection, parts: dict[str, str], raw: dict[str, bytes], now: datetime
    ) -> None:
        """Insert the parts not stored yet (``parts`` JSON, compressed here; ``raw`` as
        they are); move ``used_at`` on where it is stale."""
        keys = [*parts, *raw]
        if not keys:
            return
        fresh = [
            driver_value(conn.dialect, activity_parts.c.used_at, t)
            for t in (now, now - PART_REFRESH)
        ]
        stored = {key for (key,) in self._where_in(conn, _STORED, (), keys)}
        self._where_in(conn, _REFRESH, fresh, keys)
        new = [
            {"hash": key, "data": raw[key] if key in raw else compress(parts[key]), "used_at": now}
            for key in keys
            if key not in stored
        ]
        if new:  # a concurrent writer may have stored one meanwhile: it holds the same data
            self._executemany(conn, _insert_new(self.dialect), new)

    def _load_parts(self, conn: sa.Connection, keys: set[str]) -> dict[str, Any]:
        """The stored documents among the parts ``keys``, by hash."""
        return {
            key: json.loads(decompress(data)) for key, data in self._load_raw(conn, keys).items()
        }

    def _load_raw(self, conn: sa.Connection, keys: set[str]) -> dict[str, bytes]:
        """The stored data of the parts ``keys``, by hash."""
        loaded: dict[str, bytes] = {}
        for part in chunks(sorted(keys)):
            query = sa.select(activity_parts.c.hash, activity_parts.c.data).where(
                activity_parts.c.hash.in_(part)
            )
            loaded.update((key, bytes(data)) for key, data in conn.execute(query))
        return loaded

    def _purge_parts(self, conn: sa.Connection, cutoff: datetime) -> None:
        """Delete the parts no entry written since ``cutoff`` references.

        A part's ``used_at`` is less than :data:`PART_REFRESH` older than every entry
        that references it, so of the parts last used before the cutoff only entries
        written within :data:`PART_REFRESH` after it can need one: those are read.
        """
        query = sa.select(activity_parts.c.hash).where(activity_parts.c.used_at < cutoff)
        stale = set(conn.execute(query).scalars())
        if not stale:
            return
        recent = sa.select(activity.c.payload).where(
            activity.c.created_at < cutoff + PART_REFRESH, activity.c.payload.is_not(None)
        )
        payloads = [bytes(p) for p in conn.execute(recent).scalars()]
        ids = {dictionary_id(p) for p in payloads} - {0}
        needed = {dictionary_key(i) for i in ids}
        found = self._load_raw(conn, needed)
        readers = {
            i: decompressor(found[dictionary_key(i)]) for i in ids if dictionary_key(i) in found
        }
        for payload in payloads:
            dict_id = dictionary_id(payload)
            if not dict_id or dict_id in readers:
                source = json.loads(decompress(payload, readers.get(dict_id)))["source"]
                needed |= part_refs(source)
        doomed = stale - needed
        pointers = self._load_raw(conn, {key for key in stale if key.startswith(POINTER)})
        targets = {key: dictionary_key(int(value.decode())) for key, value in pointers.items()}
        alive = set(self._load_raw(conn, set(targets.values()))) - doomed
        for key, target in targets.items():  # a flow's pointer goes with its dictionary
            if target in alive:
                doomed.discard(key)
        for part in chunks(sorted(doomed)):
            conn.execute(activity_parts.delete().where(activity_parts.c.hash.in_(part)))
