"""Projects (*projecten*): what commitments and purchase invoices are booked on.

Read from ``GET /list/projects`` (SDK ProjectApi listProjects, ProjectListItem) by
``updatedAt``: the first read takes every project, later reads those changed since the
cursor, and the projects deleted since it from ``GET /deleted-projects`` (SDK
getDeletedProjects: unpaged, each with its ``deletedAt``), merged in order of time. A
commitment and a purchase invoice carry their project's number, which is the project's
``fullProjectNumber`` (ASSUMED, README.md).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from functools import cmp_to_key
from typing import Any

from koppel.engine import compare_cursors
from koppel.sync import SourceRecord, read_each, read_id, read_moment
from koppel_exact_bouw import facts
from koppel_exact_bouw.resources._base import ExactBouwResource

__all__ = ["Projects"]


def _compare(a: SourceRecord, b: SourceRecord) -> int:
    return compare_cursors(a.cursor or "", b.cursor or "")


_OLDEST_FIRST = cmp_to_key(_compare)


class Projects(ExactBouwResource):
    """Projects by ``updatedAt``, with those deleted since the cursor."""

    entity = "projects"
    deletions = True  # GET /deleted-projects
    listed = facts.PROJECTS
    description = "projects, with their customer and status, changes and deletions only"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        rows = self.client.changed(facts.PROJECTS, cursor, entity=self.entity)
        changed = read_each(rows, self.record, id_field="id")
        if cursor is None:  # a first read: nothing was synced that could be gone
            return changed
        return heapq.merge(changed, self.deleted(cursor), key=_OLDEST_FIRST)

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        """One project, its ``updatedAt`` the cursor."""
        return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_moment(row, "updatedAt"))

    def deleted(self, since: str) -> Iterator[SourceRecord]:
        """The projects deleted at or after ``since``, oldest first."""
        answer = self.client.get(facts.DELETED_PROJECTS, entity=self.entity)
        gone = []
        for row in answer if isinstance(answer, list) else ():
            when = read_moment(row, "deletedAt") if isinstance(row, dict) else None
            if when is not None and compare_cursors(when, since) >= 0:
                gone.append(SourceRecord.removed(read_id(row, "id"), cursor=when, data=row))
        yield from sorted(gone, key=_OLDEST_FIRST)
