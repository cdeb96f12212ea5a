"""What one run knows of a list (customers, articles): records read by key, or all of them.

A run needs a few customers and articles when little changed and many when much did.
:class:`Known` reads the records it is asked for by key, ``KEY_BATCH`` keys a call
(``$filter=Id eq ... or Id eq ...``), and the whole list, page by page, only when more
keys are wanted at once than ``WHOLE_LIST_ABOVE``: then the pages cost fewer calls than
the filtered ones would. Once the whole list is read it answers every lookup of the run.
A filter eAccounting refuses (400) is answered by reading the whole list too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from koppel.errors import RejectedError
from koppel_eaccounting.client import EAccountingClient

__all__ = ["KEY_BATCH", "WHOLE_LIST_ABOVE", "Known"]

#: Keys in one filtered list call; 50 GUIDs keep the URL near 2.5 KB (the API's URL limit
#: is not documented, ASSUMED in REFERENCE.md).
KEY_BATCH = 50
#: More keys than this, not known yet, are looked up by reading the whole list instead.
WHOLE_LIST_ABOVE = 4 * KEY_BATCH

Record = dict[str, Any]


def _batches(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Known:
    """The records of list ``path`` this run has read, by ``Id``.

    :param orderby: the ``$orderby`` of a whole read (a stable order for ranking).
    """

    def __init__(self, client: EAccountingClient, path: str, *, orderby: str | None = None):
        self.client = client
        self.path = path
        self.orderby = orderby
        self.by_id: dict[str, Record] = {}
        #: True once the whole list was read: every record is in :attr:`by_id`.
        self.complete = False
        #: Per field: the values whose records were read (none found is an answer too).
        self.asked: dict[str, set[Any]] = {}
        #: Goes up with every change of :attr:`by_id`, for indexes built on it.
        self.version = 0

    def keep(self, record: Record) -> None:
        """Know ``record`` (read, created or replaced)."""
        self.by_id[str(record.get("Id"))] = record
        self.version += 1

    def drop(self, record_id: str) -> None:
        """Forget the record ``record_id`` (deleted)."""
        if self.by_id.pop(record_id, None) is not None:
            self.version += 1

    def read_all(self) -> None:
        """Read the whole list, once a run."""
        if self.complete:
            return
        for record in self.client.pages(self.path, orderby=self.orderby):
            self.keep(record)
        self.complete = True

    def want(
        self,
        field: str,
        values: Iterable[Any],
        literal: Callable[[Any], str],
        *,
        condition: str = "{field} eq {value}",
    ) -> None:
        """Make every record whose ``field`` is one of ``values`` known: by key, or by
        reading the whole list when more than ``WHOLE_LIST_ABOVE`` are still unknown.

        :param literal: writes a value as an OData literal.
        :param condition: one value's condition, ``{field}`` and ``{value}`` filled in
            (``contains(tolower({field}), {value})``); the records found are kept by id,
            so a condition that finds more than asked costs nothing but the rows.
        """
        if self.complete:
            return
        asked = self.asked.setdefault(field, set())
        todo = [v for v in dict.fromkeys(values) if v not in asked and v not in ("", None)]
        if field == "Id":
            todo = [v for v in todo if str(v) not in self.by_id]
        if not todo:
            return
        if len(todo) > WHOLE_LIST_ABOVE:
            self.read_all()
            return
        for batch in _batches(todo, KEY_BATCH):
            clause = " or ".join(
                condition.format(field=field, value=literal(value)) for value in batch
            )
            try:
                found = list(self.client.pages(self.path, filter=clause))
            except RejectedError as exc:
                if exc.context.get("status") != 400:
                    raise
                self.read_all()  # the API does not take this filter: read the list instead
                return
            for record in found:
                self.keep(record)
            asked.update(batch)
