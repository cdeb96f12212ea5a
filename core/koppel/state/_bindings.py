"""Bindings: which target record a source record was written to, unique both ways."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from koppel.errors import StateError
from koppel.state._base import StoreBase, dialect_insert
from koppel.state._models import Binding
from koppel.state._schema import bindings

__all__ = ["BindItem", "BindingsMixin"]

#: Driver SQL (:meth:`StoreBase._where_in`) of a scope's bindings, before the column
#: its values are looked up by.
_SELECT = (
    f"SELECT source_id, target_id, content_hash, synced_at, source_hash FROM {bindings.name}"
    " WHERE source = ? AND target = ? AND entity = ?"
)

#: (source id, target id, content hash), optionally with the source hash last.
BindItem = tuple[str, str, str | None] | tuple[str, str, str | None, str | None]


def _conflict(
    source: str, target: str, entity: str, pairs: Sequence[tuple[str, str, str]]
) -> StateError:
    """``pairs`` of (source id, target id, source id it is bound to already)."""
    first_source, target_id, other = pairs[0]
    more = f" (and {len(pairs) - 1} more)" if len(pairs) > 1 else ""
    return StateError(
        f"target id {target_id!r} is already bound to source id {other!r}; "
        f"source id {first_source!r} cannot be bound to it too{more}",
        source=source,
        target=target,
        entity=entity,
        record=first_source,
    )


@functools.cache
def _upsert(dialect: str) -> sa.Insert:
    """Insert or update a binding (a later row wins), built once per dialect."""
    stmt = dialect_insert(dialect, bindings)
    upsert: sa.Insert = stmt.on_conflict_do_update(
        index_elements=[
            bindings.c.source,
            bindings.c.target,
            bindings.c.entity,
            bindings.c.source_id,
        ],
        set_={
            "target_id": stmt.excluded.target_id,
            "content_hash": stmt.excluded.content_hash,
            "synced_at": stmt.excluded.synced_at,
            "source_hash": stmt.excluded.source_hash,
        },
    )
    return upsert


@functools.lru_cache(maxsize=16)
def _synced_at(dialect: sa.Dialect) -> Callable[[Any], Any]:
    """What makes a ``synced_at`` the driver returned a timezone-aware datetime."""
    process = bindings.c.synced_at.type.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)


class BindingsMixin(StoreBase):
    """Bindings per (source connection, target connection, entity)."""

    def _scope(self, source: str, target: str, entity: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            bindings.c.source == source, bindings.c.target == target, bindings.c.entity == entity
        )

    def get_bindings(
        self, source: str, target: str, entity: str, source_ids: Sequence[str]
    ) -> dict[str, Binding]:
        """The bindings of those ``source_ids`` that have one, by source id (batched)."""
        found = self._select_bindings(source, target, entity, bindings.c.source_id, source_ids)
        return {binding.source_id: binding for binding in found}

    def get_bindings_by_target(
        self, source: str, target: str, entity: str, target_ids: Sequence[str]
    ) -> dict[str, Binding]:
        """The bindings of those ``target_ids`` that have one, by target id (batched)."""
        found = self._select_bindings(source, target, entity, bindings.c.target_id, target_ids)
        return {binding.target_id: binding for binding in found}

    def _select_bindings(
        self,
        source: str,
        target: str,
        entity: str,
        column: sa.Column[str],
        values: Sequence[str],
    ) -> list[Binding]:
        sql = f"{_SELECT} AND {column.name} IN"
        with self._read() as conn:
            rows = self._where_in(conn, sql, (source, target, entity), values)
            synced = _synced_at(conn.dialect)
        return [
            Binding(
                source=source,
                target=target,
                entity=entity,
                source_id=source_id,
                target_id=target_id,
                content_hash=content_hash,
                synced_at=synced(synced_at),
                source_hash=source_hash,
            )
            for source_id, target_id, content_hash, synced_at, source_hash in rows
        ]

    def bind(
        self,
        source: str,
        target: str,
        entity: str,
        source_id: str,
        target_id: str,
        content_hash: str | None,
        *,
        source_hash: str | None = None,
    ) -> None:
        """Bind ``source_id`` to ``target_id`` (insert or update); durable on return.

        ``source_hash`` is the hash of the raw source record under the flow's mapping
        (the engine's; a later run that reads the same skips the record unmapped).
        Raises :class:`StateError` when ``target_id`` is bound to another source id.
        """
        self.bind_many(source, target, entity, [(source_id, target_id, content_hash, source_hash)])

    def bind_many(
        self,
        source: str,
        target: str,
        entity: str,
        items: Iterable[BindItem],
    ) -> None:
        """Bind each (source id, target id, content hash[, source hash]) in one transaction;
        durable on return.

        A later item for the same source id wins. When target ids are bound to
        other source ids already, every other item is still stored and then a
        :class:`StateError` names the conflicting ones.
        """
        rows = {row["source_id"]: row for row in self._binding_rows(source, target, entity, items)}
        if not rows:
            return
        owners: dict[str, str] = {}
        clashes: list[tuple[str, str, str]] = []
        for row in list(rows.values()):
            owner = owners.setdefault(row["target_id"], row["source_id"])
            if owner != row["source_id"]:
                clashes.append((row["source_id"], row["target_id"], owner))
                del rows[row["source_id"]]
        try:
            self._upsert_bindings(list(rows.values()))
        except sa.exc.IntegrityError:
            taken = self._bound_elsewhere(source, target, entity, rows)
            clashes.extend(taken)
            for source_id, _, _ in taken:
                del rows[source_id]
            if not taken:
                raise StateError(
                    "bindings could not be stored: a concurrent writer bound the same ids",
                    source=source,
                    target=target,
                    entity=entity,
                ) from None
            self._upsert_bindings(list(rows.values()))
        if clashes:
            raise _conflict(source, target, entity, clashes)

    def _upsert_bindings(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            with self._write() as conn:
                self._upsert_binding_rows(conn, rows)

    def _binding_rows(
        self, source: str, target: str, entity: str, items: Iterable[BindItem]
    ) -> list[dict[str, Any]]:
        now = self.clock()
        rows: dict[str, dict[str, Any]] = {}
        for source_id, target_id, content_hash, *rest in items:
            rows[source_id] = {
                "source": source,
                "target": target,
                "entity": entity,
                "source_id": source_id,
                "target_id": target_id,
                "content_hash": content_hash,
                "synced_at": now,
                "source_hash": rest[0] if rest else None,
            }
        return list(rows.values())

    def _upsert_binding_rows(self, conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
        """Insert or update binding rows in the caller's transaction (a later row wins)."""
        if not rows:
            return
        self._executemany(conn, _upsert(self.dialect), rows)

    def _set_source_hashes(
        self, conn: sa.Connection, scope: tuple[str, str, str], pairs: Sequence[tuple[str, str]]
    ) -> None:
        """Set the source hash of bound (source id, source hash) pairs, in the caller's
        transaction: records found unchanged by their payload skip before mapping next time."""
        if not pairs:
            return
        stmt = (
            bindings.update()
            .where(self._scope(*scope), bindings.c.source_id == sa.bindparam("sid"))
            .values(source_hash=sa.bindparam("shash"))
        )
        conn.execute(stmt, [{"sid": source_id, "shash": value} for source_id, value in pairs])

    def _bound_elsewhere(
        self, source: str, target: str, entity: str, rows: dict[str, dict[str, Any]]
    ) -> list[tuple[str, str, str]]:
        """(source id, target id, owner) for rows whose target id another source id holds."""
        wanted = {row["target_id"]: row["source_id"] for row in rows.values()}
        owners = self.get_bindings_by_target(source, target, entity, list(wanted))
        return [
            (wanted[target_id], target_id, binding.source_id)
            for target_id, binding in owners.items()
            if binding.source_id != wanted[target_id]
        ]

    def forget_binding(self, source: str, target: str, entity: str, source_id: str) -> None:
        """Remove the binding of ``source_id`` (the next sync decides by match key again)."""
        with self._write() as conn:
            conn.execute(
                bindings.delete().where(
                    self._scope(source, target, entity), bindings.c.source_id == source_id
                )
            )

    def forget_bindings(self, source: str, target: str, entity: str) -> int:
        """Remove every binding of (source, target, entity); returns how many."""
        with self._write() as conn:
            result = conn.execute(bindings.delete().where(self._scope(source, target, entity)))
        return int(result.rowcount)

    def count_bindings(self, source: str, target: str, entity: str) -> int:
        """How many bindings (source, target, entity) has."""
        query = sa.select(sa.func.count()).select_from(bindings)
        with self._read() as conn:
            return int(conn.execute(query.where(self._scope(source, target, entity))).scalar_one())
