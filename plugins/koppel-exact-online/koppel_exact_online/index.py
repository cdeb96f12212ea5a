"""Master data by key, kept between runs: a run pays only for what changed or is new.

An :class:`Index` holds rows of one entity set (accounts, items, GL accounts)
keyed by one or more fields. It starts *partial*: a value not known yet is read
by key, up to :data:`BATCH` values in one filtered call (``Code eq '…' or …``),
and only when a run needs more than :data:`FEW` unknown values at once is the
whole set read through the Sync API (1,000 a page), after which the index is
*complete* and kept current with ``Timestamp gt <highest seen>`` reads: Exact's
documented way to read what changed since (REFERENCE.md, "Sync API").

What the index holds is kept in the state store between runs
(:meth:`koppel.connector.Session.remembered`), so a run after the first spends
no call on a value it already knows. The refresh rule: a complete index reads
the changes since its Timestamp once a run in which a value is missing, and at
the latest after :data:`FRESH_FOR`, and is read whole again after :data:`WHOLE_FOR`
(the Sync API reports no deletions); a partial one is dropped after
:data:`FRESH_FOR` (its values are read again by key when next needed); and a
write Exact refuses re-reads the values it used (:meth:`Index.verify`), since a
kept id may be gone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from koppel_exact_online.entity_sets import EntitySet

if TYPE_CHECKING:
    from koppel_exact_online.client import ExactClient

__all__ = ["BATCH", "FEW", "FRESH_FOR", "WHOLE_FOR", "Index", "Kept", "by_code"]

#: Values per filtered read. Exact documents no maximum for ``$filter``; 25 keeps the URL
#: (25 padded account codes: about 1,300 characters) well under the 2,048 that IIS and
#: proxies take (REFERENCE.md, "Filters").
BATCH = 25
#: Unknown values a run reads by key (4 filtered calls) before it reads the whole set.
FEW = 4 * BATCH
#: How long what an index holds is trusted before it is refreshed.
FRESH_FOR = timedelta(days=1)
#: How long a complete index lives on catch-ups before it is read whole again: the Sync
#: API reports no deletions, and a division moved to another database starts its
#: Timestamps afresh (REFERENCE.md, "Sync API").
WHOLE_FOR = timedelta(days=7)

Row = dict[str, Any]
Normalise = Callable[[Any], str | None]


def by_code(row: Mapping[str, Any]) -> tuple[int, int, str, str]:
    """The rank of a record among those sharing a key value: lowest ``Code`` first
    (numerically when it is a number, as account codes are), then by id."""
    code = str(row.get("Code") or "").strip()
    number = int(code) if code.isdigit() else 0
    return (0 if code.isdigit() else 1, number, code, str(row.get("ID") or ""))


class Kept:
    """What a connection keeps in the state store between runs, under keys of its own.

    :param remembered: the session's :meth:`~koppel.connector.Session.remembered`.
    :param prefix: names the company (host and division), so two never share a value.
    """

    #: Values are kept until replaced; their age is the index's own business.
    FOREVER = timedelta(days=36500)

    def __init__(self, remembered: Callable[..., Any], prefix: str) -> None:
        self._remembered = remembered
        self.prefix = prefix

    def load(self, key: str) -> dict[str, Any]:
        """The value kept under ``key``; ``{}`` when there is none."""
        value = self._remembered(f"{self.prefix}/{key}", dict, max_age=self.FOREVER)
        return value if isinstance(value, dict) else {}

    def save(self, key: str, value: dict[str, Any]) -> None:
        """Keep ``value`` under ``key`` for the next runs."""
        self._remembered(f"{self.prefix}/{key}", lambda: value, refresh=True)


class Index:
    """Rows of one entity set keyed by one or more fields, read by key or whole, kept.

    :param keys: index field -> normaliser of its values (``Email`` lower-cased).
    :param literals: index field -> the OData literal of a normalised value, for the
        fields Exact can be asked by (``Code`` padded to 18 for accounts); an index
        without one is read whole.
    :param select: the fields kept per row.
    :param kept: where the index lives between runs (None: this run only).
    :param now: the connection's clock, in epoch seconds.
    """

    def __init__(
        self,
        client: ExactClient,
        entity_set: EntitySet,
        keys: Mapping[str, Normalise],
        select: tuple[str, ...],
        *,
        literals: Mapping[str, Callable[[str], str]] | None = None,
        kept: Kept | None = None,
        now: Callable[[], float],
    ) -> None:
        self.client = client
        self.entity_set = entity_set
        self.keys = dict(keys)
        self.literals = dict(literals or {})
        self.select = select
        self.kept = kept
        self.now = now
        self._rows: dict[str, Row] = {}
        self._by: dict[str, dict[str, list[Row]]] = {name: {} for name in self.keys}
        self._complete = False
        self._timestamp = 0
        self._fetched = 0.0
        self._whole_at = 0.0
        self._restored = self._fresh = self._caught_up = self.dirty = False
        self._absent: dict[str, set[str]] = {name: set() for name in self.keys}
        self._verified: dict[str, set[str]] = {name: set() for name in self.keys}
        self._reread = False
        self._lock = threading.RLock()

    # -- answers ---------------------------------------------------------------

    def all(self, field: str, value: Any) -> list[Row]:
        """Every record whose ``field`` equals ``value`` (normalised), best first."""
        normalised = self.keys[field](value)
        return self.find(field, [value]).get(normalised, []) if normalised else []

    def find(self, field: str, values: Iterable[Any]) -> dict[str, list[Row]]:
        """Per normalised value of ``values``, every record holding it, best first: from
        what is kept, else read by key in batches, else (many unknown) the whole set."""
        normalise = self.keys[field]
        wanted = [v for v in dict.fromkeys(normalise(value) for value in values) if v]
        with self._lock:
            self._refresh()
            missing = self._missing(field, wanted)
            if missing and self._complete and not self._caught_up:
                self._catch_up()
                missing = self._missing(field, wanted)
            elif missing and not self._complete:
                if field in self.literals and len(missing) <= FEW:
                    self._read_by(field, missing)
                else:
                    self._read_whole()
                missing = self._missing(field, wanted)
            self._absent[field].update(missing)
            return {v: list(self._by[field].get(v, ())) for v in wanted}

    def verify(self, field: str, values: Iterable[Any]) -> None:
        """Read ``values`` of ``field`` again (a write naming their ids was refused): rows
        kept under them that Exact no longer has under them are forgotten. Each value is
        read again once a run, the whole set (a field Exact is not asked by) once a run:
        refusals for other reasons (a closed period) cost no more than that."""
        normalise = self.keys[field]
        with self._lock:
            self._restore()
            wanted = [
                v
                for v in dict.fromkeys(normalise(value) for value in values)
                if v and v not in self._verified[field]
            ]
            self._verified[field].update(wanted)
            if not wanted:
                return
            if field in self.literals:
                self._read_by(field, wanted)
            elif not self._reread:
                self._reread = True
                self._read_whole()

    # -- changes this run made -------------------------------------------------

    def add(self, row: Mapping[str, Any]) -> None:
        """Index a record this run created or changed (no call); fields an update did not
        send keep their values."""
        with self._lock:
            self._restore()
            old = self._rows.get(str(row.get("ID") or "").lower(), {})
            self._put({**old, **row})

    def remove(self, record_id: str) -> None:
        """Forget a record this run deleted, or that Exact no longer has."""
        with self._lock:
            self._restore()
            self._drop(record_id.lower())

    def forget(self) -> None:
        """Drop what the index holds, here and in the store: it is read afresh."""
        with self._lock:
            self._restored = True
            self._rows.clear()
            self._by = {name: {} for name in self.keys}
            self._absent = {name: set() for name in self.keys}
            self._complete, self._timestamp, self._fetched, self._whole_at = False, 0, 0.0, 0.0
            self.dirty = True
            self.save()

    def save(self) -> None:
        """Keep what the index holds for the next runs (when this run changed it)."""
        with self._lock:
            if self.kept is None or not self.dirty:
                return
            self.kept.save(
                self.entity_set.name,
                {
                    "complete": self._complete,
                    "timestamp": self._timestamp,
                    "fetched": self._fetched,
                    "whole_at": self._whole_at,
                    "rows": list(self._rows.values()),
                },
            )
            self.dirty = False

    # -- reading ---------------------------------------------------------------

    def _restore(self) -> None:
        """Take what earlier runs kept, once per run (no call)."""
        if self._restored:
            return
        self._restored = True
        state = self.kept.load(self.entity_set.name) if self.kept is not None else {}
        rows = state.get("rows")
        if not isinstance(rows, list):
            return
        self._complete = bool(state.get("complete"))
        self._timestamp = int(state.get("timestamp") or 0)
        self._fetched = float(state.get("fetched") or 0.0)
        self._whole_at = float(state.get("whole_at") or 0.0)
        for row in rows:
            if isinstance(row, dict):
                self._put(row, dirty=False)

    def _refresh(self) -> None:
        """Apply the refresh rule once per run: past :data:`FRESH_FOR`, a complete index
        reads what changed, a partial one starts again."""
        self._restore()
        if self._fresh:
            return
        self._fresh = True
        if self._complete and self.now() - self._whole_at > WHOLE_FOR.total_seconds():
            self._read_whole()
            return
        if self.now() - self._fetched <= FRESH_FOR.total_seconds():
            return
        if self._complete:
            self._catch_up()
        elif self._rows:
            self._rows.clear()
            self._by = {name: {} for name in self.keys}
            self._fetched = 0.0  # the next read by key starts the partial index's day
            self.dirty = True

    def _missing(self, field: str, wanted: Sequence[str]) -> list[str]:
        known, absent = self._by[field], self._absent[field]
        return [v for v in wanted if v not in known and v not in absent]

    def _read_by(self, field: str, values: Sequence[str]) -> None:
        """Rows holding ``values`` of ``field``, :data:`BATCH` values a call; rows kept under
        one of them that Exact did not answer are forgotten."""
        literal = self.literals[field]
        select = tuple(name for name in self.select if name != "Timestamp")
        for start in range(0, len(values), BATCH):
            chunk, literals = [], []
            for value in values[start : start + BATCH]:
                try:
                    literals.append(f"{field} eq {literal(value)}")
                except ValueError:  # a value Exact cannot hold (a code over 18): none has it
                    continue
                chunk.append(value)
            if not chunk:
                continue
            answered = list(
                self.client.read(self.entity_set, select=select, filter=" or ".join(literals))
            )
            ids = {str(row.get("ID") or "").lower() for row in answered}
            for value in chunk:
                for row in list(self._by[field].get(value, ())):
                    if str(row.get("ID") or "").lower() not in ids:
                        self._drop(str(row.get("ID") or "").lower())
                self._absent[field].discard(value)
            for row in answered:
                self._put(row)
        if not self._complete:
            self._fetched = self._fetched or self.now()

    def _read_whole(self) -> None:
        """Every row through the Sync API; the index is complete from now on."""
        self._rows.clear()
        self._by = {name: {} for name in self.keys}
        self._timestamp = 0
        self._complete = True
        self._catch_up()
        self._whole_at = self.now()

    def _catch_up(self) -> None:
        """The rows changed since the highest Timestamp seen (all of them on a first read)."""
        for row in self.client.sync(self.entity_set, self._timestamp or None, select=self.select):
            stamp = row.get("Timestamp")
            if isinstance(stamp, int | str) and str(stamp).isdigit():
                self._timestamp = max(self._timestamp, int(stamp))
            self._put({k: v for k, v in row.items() if k != "Timestamp"})
        self._caught_up = True
        self._fetched = self.now()
        self._absent = {name: set() for name in self.keys}
        self.dirty = True

    # -- the index itself --------------------------------------------------------

    def _put(self, row: Mapping[str, Any], *, dirty: bool = True) -> None:
        key = str(row.get("ID") or "").lower()
        if not key:
            return
        self._drop(key, dirty=dirty)
        kept = {name: row.get(name) for name in self.select if name != "Timestamp" and name in row}
        kept["ID"] = row.get("ID")
        self._rows[key] = kept
        for name, normalise in self.keys.items():
            value = normalise(kept.get(name))
            if value:
                self._by[name][value] = sorted([*self._by[name].get(value, []), kept], key=by_code)
                self._absent[name].discard(value)
        self.dirty = self.dirty or dirty

    def _drop(self, key: str, *, dirty: bool = True) -> None:
        old = self._rows.pop(key, None)
        if old is None:
            return
        for name, normalise in self.keys.items():
            value = normalise(old.get(name))
            rows = [r for r in self._by[name].get(value or "", []) if r is not old]
            if rows:
                self._by[name][value or ""] = rows
            else:
                self._by[name].pop(value or "", None)
        self.dirty = self.dirty or dirty
