"""Projects (*projecten*): what commitments and purchase invoices are booked on.

Read from ``GET /list/projects`` (SDK ProjectApi listProjects, ProjectListItem) by
``updatedAt``: the first read takes every project, later reads those changed since the
cursor. A commitment and a purchase invoice carry their project's number, which is the
project's ``fullProjectNumber`` (ASSUMED, README.md). Deleted projects are not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.sync import SourceRecord, read_each, read_id, read_moment
from koppel_exact_bouw import facts
from koppel_exact_bouw.resources._base import ExactBouwResource

__all__ = ["Projects"]


class Projects(ExactBouwResource):
    """Projects by ``updatedAt``."""

    entity = "projects"
    listed = facts.PROJECTS
    description = "projects, with their customer and status, changes only"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        rows = self.client.changed(facts.PROJECTS, cursor, entity=self.entity)
        return read_each(rows, self.record, id_field="id")

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        """One project, its ``updatedAt`` the cursor."""
        return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_moment(row, "updatedAt"))
