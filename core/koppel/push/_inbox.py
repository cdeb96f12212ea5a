"""The inbox of pushed records in the state store: validated canonical records, the
newest per id, each change numbered in order so that a reader's cursor never skips one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from koppel.errors import MappingRecordError, ValidationError
from koppel.records import ENTITY_RECORDS, structure, unstructure
from koppel.state import StateStore
from koppel.state._base import chunks
from koppel.state._engine import BEGIN_OPTION
from koppel.state._schema import pushed

__all__ = [
    "PushProblem",
    "Pushed",
    "PushedRecord",
    "push_records",
    "pushed_after",
    "validate_pushed",
]

#: Any constant: the PostgreSQL advisory lock pushes take turns on, so that the numbers
#: they give are committed in order (a reader past number N never misses one below it).
_PUSH_LOCK = 0x6B6F7050


@attrs.frozen
class PushedRecord:
    """One pushed record as stored: its id, canonical data and change number."""

    record_id: str
    data: Mapping[str, Any]
    seq: int


@attrs.frozen
class Pushed:
    """What one push stored: records new to the inbox, changed ones, unchanged ones."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0


@attrs.frozen
class PushProblem:
    """Why the record at ``index`` of a push was refused."""

    index: int
    record: str | None
    message: str


def validate_pushed(entity: str, data: Any) -> tuple[str, dict[str, Any]]:
    """The id and canonical data of one pushed record of ``entity``.

    The data must build the entity's canonical record (:data:`koppel.records.ENTITY_RECORDS`)
    with no field it does not know, and name its id (``id``; stock: ``sku``).

    :raises ValidationError: naming the field and what is wrong with it.
    """
    record_class = ENTITY_RECORDS.get(entity)
    if record_class is None:
        raise ValidationError(f"{entity!r} is no canonical entity; records cannot be pushed")
    if not isinstance(data, Mapping):
        raise ValidationError(f"a {record_class.__name__} is a JSON object, not {_kind(data)}")
    try:
        record: Any = structure(dict(data), record_class)
    except MappingRecordError as exc:
        raise ValidationError(exc.message, field=exc.context.get("field")) from None
    canonical: dict[str, Any] = unstructure(record)
    unknown = _unknown(data, canonical, "")
    if unknown:
        raise ValidationError(
            f"{record_class.__name__} has no field {unknown[0]}"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""),
            field=unknown[0],
        )
    record_id = _record_id(entity, canonical)
    if not record_id:
        key = "sku" if entity == "stock" else "id"
        raise ValidationError(
            f"a pushed {record_class.__name__} needs its {key}: the record's id in the "
            "pushing system",
            field=key,
        )
    return record_id, canonical


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _record_id(entity: str, canonical: Mapping[str, Any]) -> str | None:
    if entity == "stock":
        sku, warehouse = canonical.get("sku"), canonical.get("warehouse")
        return f"{sku}@{warehouse}" if sku and warehouse else sku or None
    value = canonical.get("id")
    return str(value) if value not in (None, "") else None


def _unknown(given: Any, canonical: Any, path: str) -> list[str]:
    """The key paths of ``given`` that the canonical record has no place for."""
    if isinstance(given, Mapping) and isinstance(canonical, Mapping):
        found = []
        for key, value in given.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in canonical:
                found.append(where)
            else:
                found.extend(_unknown(value, canonical[key], where))
        return found
    if isinstance(given, list | tuple) and isinstance(canonical, list | tuple):
        return [
            problem
            for n, (item, kept) in enumerate(zip(given, canonical, strict=False))
            for problem in _unknown(item, kept, f"{path}[{n}]")
        ]
    return []


def _hash(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def push_records(
    store: StateStore,
    inbox: str,
    entity: str,
    records: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    pushed_by: str | None = None,
) -> Pushed:
    """Keep validated ``(id, canonical data)`` records in ``inbox``, in one transaction.

    A record whose id and content are in the inbox already is left as it is (pushing it
    twice lands it once); a new or changed one gets the next change number, which is
    what the push source reads from. Of one id pushed twice in ``records``, the last wins.
    """
    latest = dict(records)
    new = changed = 0
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PUSH_LOCK)))
        held: dict[str, str] = {}
        for part in chunks(list(latest)):
            rows = conn.execute(
                sa.select(pushed.c.record_id, pushed.c.content_hash).where(
                    pushed.c.inbox == inbox,
                    pushed.c.entity == entity,
                    pushed.c.record_id.in_(part),
                )
            )
            held.update((str(row[0]), str(row[1])) for row in rows)
        seq = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(pushed.c.seq), 0)).where(
                pushed.c.inbox == inbox, pushed.c.entity == entity
            )
        ).scalar_one()
        now = store.clock()
        inserts = []
        for record_id, data in latest.items():
            content_hash = _hash(data)
            if held.get(record_id) == content_hash:
                continue
            seq += 1
            values = {
                "seq": seq,
                "data": dict(data),
                "content_hash": content_hash,
                "pushed_by": pushed_by,
                "pushed_at": now,
            }
            if record_id in held:
                changed += 1
                conn.execute(
                    pushed.update()
                    .where(
                        pushed.c.inbox == inbox,
                        pushed.c.entity == entity,
                        pushed.c.record_id == record_id,
                    )
                    .values(**values)
                )
            else:
                new += 1
                inserts.append({"inbox": inbox, "entity": entity, "record_id": record_id, **values})
        if inserts:
            conn.execute(pushed.insert(), inserts)
    return Pushed(new=new, changed=changed, unchanged=len(latest) - new - changed)


def pushed_after(
    store: StateStore, inbox: str, entity: str, after: int, *, limit: int = 500
) -> list[PushedRecord]:
    """The records of ``inbox`` changed after change number ``after``, in order."""
    query = (
        sa.select(pushed.c.record_id, pushed.c.data, pushed.c.seq)
        .where(pushed.c.inbox == inbox, pushed.c.entity == entity, pushed.c.seq > after)
        .order_by(pushed.c.seq)
        .limit(limit)
    )
    with store.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"}).connect() as conn:
        return [
            PushedRecord(record_id=row.record_id, data=row.data, seq=row.seq)
            for row in conn.execute(query)
        ]
