"""Indexes of a table kept in the state store between runs, refreshed by change date.

A lookup that needs a whole table (every debtor, to find one by e-mail address and to
give a new one the next free number) reads it once, keeps it in the run's state store
(:meth:`koppel.connector.Session.remembered`; :meth:`~koppel.connector.Session.peek_remembered`
looks whether one is kept) and afterwards reads only the rows
changed since (``CNG_DATE`` on or after the latest change seen): one call in a run
when little changed, not one per hundred rows. Rows koppel writes come back in the
next run's read of changes. Once a day (:data:`FULL_EVERY`) the whole table is read
again, so a row deleted in AccountView leaves the index.

The index keeps only the fields it is asked for; values are the decoded text
(:func:`koppel_accountview.wire.decode_value`), so it stays JSON.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from koppel.connector import Session
from koppel.records import to_datetime
from koppel_accountview import schema
from koppel_accountview.client import AccountViewClient, Filter, foxpro_datetime
from koppel_accountview.schema import Table

__all__ = ["FULL_EVERY", "KeptIndex"]

#: How long a kept index is refreshed by change date before the whole table is read again.
FULL_EVERY = timedelta(days=1)
#: How long the state store keeps an index nobody refreshed (then it is read again).
_KEEP_FOR = FULL_EVERY


class KeptIndex:
    """The rows of ``table`` (``fields`` of each, the key among them) by key, read once a
    run: from the state store and AccountView's changes since, or in full."""

    def __init__(self, session: Session, table: Table, fields: Sequence[str], *, name: str) -> None:
        self.session = session
        self.table = table
        self.fields = tuple(dict.fromkeys((table.key, *fields, "CNG_DATE")))
        settings = session.settings
        self.key = f"{settings.company}/{name}"
        self.rows: dict[str, dict[str, Any]] = {}
        self._since: str | None = None
        self._full_at = 0.0
        self._changed = False
        self._lock = threading.RLock()

    @classmethod
    def of(cls, session: Session, table: Table, fields: Sequence[str], *, name: str) -> KeptIndex:
        """The run's index ``name``, loaded on first use (one thread reads, others wait);
        kept in the state store again when the run ends, if it changed."""

        def make() -> KeptIndex:
            index = cls(session, table, fields, name=name)
            index.load()
            session.connection.on_close(index.save)
            return index

        kept: KeptIndex = session.cached(f"kept:{name}", make)
        return kept

    def stored(self) -> bool:
        """Whether the state store keeps this index (read nothing from AccountView)."""
        return self._kept() is not None

    def _kept(self) -> dict[str, Any] | None:
        """The index the state store keeps (younger than :data:`_KEEP_FOR`), or None;
        a look that stores nothing when nothing is kept."""
        value = self.session.peek_remembered(self.key, max_age=_KEEP_FOR)
        return value if isinstance(value, dict) and "rows" in value else None

    def load(self) -> None:
        """Read the index: the kept one and the rows changed since, or the whole table
        when nothing is kept or it was last read in full :data:`FULL_EVERY` ago."""
        now = self.session.clock.now()
        kept = self._kept()
        if kept is not None and now - float(kept.get("full_at", 0)) < FULL_EVERY.total_seconds():
            self.rows = {str(k): dict(v) for k, v in kept["rows"].items()}
            self._since = kept.get("since")
            self._full_at = float(kept["full_at"])
            self._merge(self._read(since=self._since))
            return
        self.rows = {}
        self._since = None
        self._full_at = now
        self._changed = True
        self._merge(self._read(since=None))

    def _read(self, *, since: str | None) -> Iterable[dict[str, Any]]:
        filters = []
        if since:
            when = foxpro_datetime(since)
            filters.append(Filter("CNG_DATE", when, schema.CHANGED_SINCE_OPERATOR, type="T"))
        client: AccountViewClient = self.session.client
        return client.rows(self.table, fields=self.fields, filters=filters, sort=self.table.key)

    def _merge(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            changed = row.get("CNG_DATE")
            if changed and (self._since is None or _later(changed, self._since)):
                self._since = str(changed)
            self.put(row)

    def put(self, row: dict[str, Any]) -> None:
        """Keep ``row`` (read, or just written: its fields merged over the kept ones)."""
        key = str(row.get(self.table.key) or "").strip()
        if not key:
            return
        kept = {name: _json(row[name]) for name in self.fields if name in row}
        with self._lock:
            merged = {**self.rows.get(key, {}), **kept}
            if self.rows.get(key) != merged:
                self.rows[key] = merged
                self._changed = True

    def save(self) -> None:
        """Keep the index in the state store for the next runs (when it changed)."""
        if not self._changed:
            return
        value = {"rows": self.rows, "since": self._since, "full_at": self._full_at}
        self.session.remembered(self.key, lambda: value, max_age=_KEEP_FOR, refresh=True)
        self._changed = False


def _later(value: Any, than: str) -> bool:
    try:
        return to_datetime(str(value)) > to_datetime(than)
    except (TypeError, ValueError):
        return False


def _json(value: Any) -> Any:
    """A decoded value as JSON keeps it: text, a boolean, or a number's text."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)
