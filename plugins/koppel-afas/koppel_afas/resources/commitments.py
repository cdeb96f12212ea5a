"""Commitments (*verplichtingen*) with their open amount, read from a GetConnector.

The first sync reads every commitment; later ones only those changed since the
cursor, by a filter on the modification date (AFAS: "Gewijzigde gegevens opvragen met
een GetConnector"), paged by that date (:meth:`AfasResource.changed`). AFAS offers
no deletion feed for commitments (a full load is its documented way), so deleted
commitments are not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.sync import SourceRecord, read_each, read_id, read_moment
from koppel_afas.resources._base import AfasResource, Condition

__all__ = ["Commitments"]


class Commitments(AfasResource):
    """Read by ``ModifiedDate`` (operator 2, >=) from the commitments GetConnector."""

    entity = "commitments"
    role = "commitments"
    description = "commitments (verplichtingen) with their open amount, changed ones only"
    filters = {"administration": "commitments of this administration number only"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        where: list[Condition] = []
        if filters.get("administration") is not None:
            where.append(("Administration", 1, str(filters["administration"])))
        return read_each(
            self.changed(self.role, cursor, where=where),
            lambda row: SourceRecord(
                id=read_id(row, "CommitmentId"),
                data=row,
                cursor=read_moment(row, "ModifiedDate"),
            ),
            id_field="CommitmentId",
        )
