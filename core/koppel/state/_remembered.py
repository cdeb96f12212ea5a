"""What connections learned from their systems that seldom changes, kept between runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from koppel.state._base import StoreBase
from koppel.state._schema import remembered

__all__ = ["RememberedMixin"]

#: What :meth:`RememberedMixin.kept` answers by default when nothing fresh is kept.
_NOTHING: Any = object()


class RememberedMixin(StoreBase):
    """A small key-value store with fetch times: facts a plugin need not ask every run."""

    def remembered(
        self,
        key: str,
        fetch: Callable[[], Any],
        *,
        max_age: timedelta,
        refresh: bool = False,
    ) -> Any:
        """The value stored under ``key`` when it was fetched less than ``max_age`` ago;
        else (or with ``refresh``) ``fetch()``'s answer, stored for the next runs.

        ``fetch`` must answer JSON-able data; it runs outside any transaction, so two
        processes may both fetch once, and the later answer is kept.
        """
        if not refresh:
            kept = self.kept(key, max_age=max_age)
            if kept is not _NOTHING:
                return kept
        now = self.clock()
        value = fetch()
        with self._write() as conn:
            conn.execute(
                self._insert(remembered)
                .values(key=key, value=value, fetched_at=now)
                .on_conflict_do_update(
                    index_elements=[remembered.c.key], set_={"value": value, "fetched_at": now}
                )
            )
        return value

    def kept(self, key: str, *, max_age: timedelta, default: Any = _NOTHING) -> Any:
        """The value stored under ``key`` when it was fetched less than ``max_age`` ago,
        else ``default``; fetches and stores nothing."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(remembered.c.value, remembered.c.fetched_at).where(
                    remembered.c.key == key
                )
            ).first()
        if row is not None and self.clock() - row.fetched_at < max_age:
            return row.value
        return default

    def forget_remembered(self, prefix: str = "") -> int:
        """Drop what is remembered under keys starting with ``prefix``; how many."""
        with self._write() as conn:
            result = conn.execute(remembered.delete().where(remembered.c.key.startswith(prefix)))
        return int(result.rowcount)
