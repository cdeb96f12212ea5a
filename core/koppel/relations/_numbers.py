"""Debtor and creditor numbers: given when a relation's event is made final, a non-draft
invoice is made for it, or the operator asks; the next free number of the kind's range."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from koppel.errors import RecordError
from koppel.records import RelationKind
from koppel.relations._settings import RelationSettings
from koppel.state import StateStore

__all__ = ["NumberDue", "Numbering", "due_from", "give_number", "give_numbers"]

_EARLIEST = datetime.min.replace(tzinfo=UTC)


@attrs.frozen
class NumberDue:
    """A relation that must get a number now: why, and since when (the moment the event
    was made final or the invoice made; earlier moments are numbered first)."""

    relation: str
    kind: RelationKind
    reason: str
    at: datetime | None = None


@attrs.frozen
class Numbering:
    """What :func:`give_numbers` did: relation -> number, and relation -> why it waits."""

    numbered: Mapping[str, int]
    waiting: Mapping[str, str]


def due_from(relation: Mapping[str, Any]) -> NumberDue | None:
    """The number a canonical relation asks for: ``custom.number_due`` as a CRM plugin
    fills it (``{"reason": ..., "at": ISO moment}``), when it has no number yet."""
    due = (relation.get("custom") or {}).get("number_due")
    if relation.get("number") or not isinstance(due, Mapping):
        return None
    at = due.get("at")
    moment = datetime.fromisoformat(at) if isinstance(at, str) else None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return NumberDue(
        relation=str(relation["id"]),
        kind=RelationKind(relation.get("kind") or "debtor"),
        reason=str(due.get("reason") or "asked by the CRM"),
        at=moment,
    )


def give_number(
    store: StateStore, settings: RelationSettings, relation: str, kind: str, *, reason: str
) -> int:
    """The number of ``relation``: the one koppel gave it, else the next of its range.

    :raises RecordError: when the range is used up (the relation waits).
    :raises ConfigurationError: when the flow has no range for ``kind``.
    """
    found = settings.range_for(kind)
    return store.number_relation(
        settings.numbers, relation, found.name, found.start, found.end, reason=reason
    )


def give_numbers(
    store: StateStore, settings: RelationSettings, due: Iterable[NumberDue]
) -> Numbering:
    """Number every relation of ``due``, the earliest moment first (ties by relation).

    A used-up range stops nothing: the relations it cannot number wait, each with the
    error's message, until the range is widened.
    """
    numbered: dict[str, int] = {}
    waiting: dict[str, str] = {}
    for item in sorted(due, key=lambda d: (d.at or _EARLIEST, d.relation)):
        try:
            numbered[item.relation] = give_number(
                store, settings, item.relation, item.kind, reason=item.reason
            )
        except RecordError as exc:
            waiting[item.relation] = exc.message
    return Numbering(numbered=numbered, waiting=waiting)
