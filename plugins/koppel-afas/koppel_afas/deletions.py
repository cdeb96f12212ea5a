"""Records deleted in AFAS, found as AFAS documents ("Verwijderde gegevens opvragen met een
GetConnector"): deletions are hard deletes, so a deleted record leaves no modification date
behind. AFAS names two ways:

- **the log book** (*Methode Logboek*): Profit logs deletions of some tables, among them
  *Inkooprelatie* (creditors), in data collections a GetConnector reads
  ("Wijzigingen inkooprelatiegegevens (Profit)"); :class:`~koppel_afas.resources.Relations`
  reads that log (``deleted_creditors_from_log``);
- **a periodic full load** for the rest (commitments, articles, debtors): with
  ``full_reload_deletions`` a run reads every row at most once in ``full_reload_hours`` and
  reports each record koppel read before that is no longer there (:func:`read_records`).

What a full reload knows is kept in the state store (:meth:`Session.remembered`): the ids
read so far and the ids the last reload found gone. Those are reported again by every run
until the engine has booked them, which the cursor tells: the deletions of reload ``n``
carry the cursor ``<date>;full:<n>`` (``n`` 6 digits wide, so cursors still compare as text
in the order the engine needs), and every later record carries the reload the stored cursor
names, so the stored cursor keeps it. Without full reloads the cursor is the plain
modification date, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs

from koppel.errors import ConfigurationError
from koppel.sync import SourceRecord, read_each, read_moment
from koppel_afas.client import SYSTEM

if TYPE_CHECKING:
    from koppel_afas.resources._base import AfasResource

__all__ = ["DELETED", "Gone", "Known", "ReadCursor", "read_records"]

#: The key of a row that stands for a record AFAS logged as deleted.
DELETED = "_deleted"
_MARK = ";full:"
_WIDTH = 6
#: How long the state store keeps what a full reload knows (it is rewritten every reload).
_KEEP = timedelta(days=3650)
#: How long what a reload found gone waits for a flow that has not run since.
_HISTORY = timedelta(days=90)


@attrs.frozen
class ReadCursor:
    """Where an entity's reads stand: the newest modification date read (as AFAS answers
    it; None on a first read) and the last full reload whose deletions were booked."""

    moment: str | None = None
    reload: int = 0

    @classmethod
    def parse(cls, text: str | None) -> ReadCursor:
        """The cursor the engine stored (or None on a first read).

        :raises ConfigurationError: naming the cursor when it is no such text.
        """
        moment, mark, reload = (text or "").strip().partition(_MARK)
        if mark and not reload.isdigit():
            raise ConfigurationError(
                f"the stored cursor {text!r} is neither a modification date nor "
                "'<date>;full:<n>'; read again from the start (koppel run --full)",
                system=SYSTEM,
                field="cursor",
            )
        return cls(moment=moment or None, reload=int(reload) if mark else 0)

    def __str__(self) -> str:
        if not self.reload:
            return self.moment or ""
        return f"{self.moment or ''}{_MARK}{self.reload:0{_WIDTH}d}"

    def at(self, moment: str | None) -> str | None:
        """The cursor of a record changed at ``moment`` (None: none)."""
        return str(attrs.evolve(self, moment=moment)) if moment else None


@attrs.frozen
class Gone:
    """The ids full reload number ``reload`` (made at ``at``, seconds) found gone."""

    reload: int
    at: float
    ids: frozenset[str]


@attrs.frozen
class Known:
    """What the full reloads of one entity know: the newest ``reload`` (made at ``at``),
    the ``ids`` read since, and what each reload of the last :data:`_HISTORY` found
    ``gone`` (kept for every flow that reads the entity through this connection: each
    reports the reloads its cursor has not booked)."""

    reload: int = 0
    at: float = 0.0
    ids: frozenset[str] = frozenset()
    gone: tuple[Gone, ...] = ()

    @classmethod
    def of(cls, value: Any) -> Known | None:
        """What the state store kept (None: nothing yet, or not this shape)."""
        if not isinstance(value, Mapping) or not value:
            return None
        return cls(
            reload=int(value.get("reload") or 0),
            at=float(value.get("at") or 0.0),
            ids=frozenset(str(i) for i in value.get("ids") or ()),
            gone=tuple(
                Gone(int(g["reload"]), float(g["at"]), frozenset(str(i) for i in g["ids"]))
                for g in value.get("gone") or ()
                if isinstance(g, Mapping)
            ),
        )

    def as_json(self) -> dict[str, Any]:
        """The JSON the state store keeps."""
        return {
            "reload": self.reload,
            "at": self.at,
            "ids": sorted(self.ids),
            "gone": [{"reload": g.reload, "at": g.at, "ids": sorted(g.ids)} for g in self.gone],
        }

    def pending(self, booked: int) -> frozenset[str]:
        """The ids found gone by the reloads after ``booked`` (the one a cursor names)."""
        return frozenset().union(*(g.ids for g in self.gone if g.reload > booked))

    def reloaded(self, at: float, seen: frozenset[str], gone: frozenset[str]) -> Known:
        """After a full reload at ``at`` that read ``seen`` and found ``gone`` newly gone."""
        history = tuple(g for g in self.gone if at - g.at < _HISTORY.total_seconds())
        if not gone:
            return attrs.evolve(self, at=at, ids=seen, gone=history)
        reload = self.reload + 1
        return Known(reload=reload, at=at, ids=seen, gone=(*history, Gone(reload, at, gone)))


def _memory_key(resource: AfasResource, filters: Mapping[str, Any]) -> str:
    settings, session = resource.settings, resource.session
    scope = json.dumps(dict(filters), sort_keys=True, default=str) if filters else "all"
    return (
        f"{settings.participant}/{settings.environment}/known/"
        f"{session.connection.name}/{resource.entity}/{scope}"
    )


def _load(resource: AfasResource, key: str) -> Known | None:
    return Known.of(resource.session.remembered(key, dict, max_age=_KEEP))


def _save(resource: AfasResource, key: str, known: Known) -> None:
    resource.session.remembered(key, known.as_json, max_age=_KEEP, refresh=True)


def read_records(
    resource: AfasResource,
    read: Callable[[str | None], Iterable[dict[str, Any]]],
    *,
    cursor: str | None,
    filters: Mapping[str, Any],
    id_field: str,
    make: Callable[[Mapping[str, Any], str | None], SourceRecord],
    reloads: Callable[[str], bool] = lambda record_id: True,
) -> Iterator[SourceRecord]:
    """The records of ``read(since)`` (rows oldest first, changed at or after ``since``, a
    modification date; None: every row), each made by ``make(row, cursor)``; a row marked
    :data:`DELETED` (the log book) as :meth:`SourceRecord.removed`.

    With the connection's ``full_reload_deletions``, once in ``full_reload_hours`` (and on
    every read from the start) every row is read: only the ones changed since the cursor
    are records, and each id read before that is no longer there (and ``reloads``) comes
    out as a deleted record after them. Ids found gone are reported again until the
    engine has stored the cursor after them.
    """
    position = ReadCursor.parse(cursor)
    settings = resource.settings
    if not settings.full_reload_deletions:
        yield from _records(read(position.moment), position, id_field, make, seen=set())
        return
    key = _memory_key(resource, filters)
    known = _load(resource, key)
    now = resource.session.clock.now()
    due = (
        known is None
        or position.moment is None
        or now - known.at >= settings.full_reload_hours * 3600
    )
    pending = known.pending(position.reload) if known is not None else frozenset()
    seen: set[str] = set()
    newest = [position.moment or ""]
    rows = read(None if due else position.moment)
    changed = _since(rows, position.moment, newest) if due else _tracked(rows, newest)
    yield from _records(changed, position, id_field, make, seen=seen)
    if due:
        before = known or Known()
        fresh = frozenset(i for i in before.ids - seen if reloads(i))
        known = before.reloaded(now, frozenset(seen), fresh - pending)
        _save(resource, key, known)
        gone = (fresh | pending) - seen
    else:
        assert known is not None
        gone = pending - seen
        if seen - known.ids:
            _save(resource, key, attrs.evolve(known, ids=known.ids | seen))
    after = ReadCursor(moment=newest[0] or None, reload=known.reload)
    for record_id in sorted(gone):
        yield SourceRecord.removed(record_id, cursor=str(after) if after.moment else None)


def _moment(row: Mapping[str, Any]) -> str:
    return str(row.get("ModifiedDate") or "")


def _tracked(rows: Iterable[dict[str, Any]], newest: list[str]) -> Iterator[dict[str, Any]]:
    for row in rows:
        newest[0] = max(newest[0], _moment(row))
        yield row


def _since(
    rows: Iterable[dict[str, Any]], since: str | None, newest: list[str]
) -> Iterator[dict[str, Any]]:
    """Every row read, the unchanged ones (before ``since``) marked to be only seen."""
    for row in _tracked(rows, newest):
        yield row if since is None or _moment(row) >= since else {**row, "_unchanged": True}


def _records(
    rows: Iterable[Mapping[str, Any]],
    position: ReadCursor,
    id_field: str,
    make: Callable[[Mapping[str, Any], str | None], SourceRecord],
    *,
    seen: set[str],
) -> Iterator[SourceRecord]:
    def record(row: Mapping[str, Any]) -> SourceRecord | None:
        if row.get("_unchanged"):  # read again by a full reload: only seen
            if row.get(id_field) is not None:
                seen.add(str(row[id_field]))
            return None
        moment = read_moment(row, "ModifiedDate")
        if row.get(DELETED):
            seen.discard(str(row[id_field]))
            return SourceRecord.removed(str(row[id_field]), cursor=position.at(moment))
        seen.add(str(row[id_field]))
        return make(row, position.at(moment))

    return read_each(rows, record, id_field=id_field)
