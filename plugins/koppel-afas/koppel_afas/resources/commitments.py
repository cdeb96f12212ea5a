"""Commitments (*verplichtingen*) with their open amount, read from a GetConnector.

The first sync reads every commitment; later ones only those changed since the
cursor, by a filter on the modification date (AFAS: "Gewijzigde gegevens opvragen met
een GetConnector"), paged by that date (:meth:`AfasResource.changed`). AFAS logs no
deletions of commitments; its documented way to find them, a periodic full load, is the
connection's ``full_reload_deletions`` (:mod:`koppel_afas.deletions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.sync import SourceRecord, read_id
from koppel_afas.deletions import read_records
from koppel_afas.resources._base import AfasResource, Condition

__all__ = ["Commitments"]


class Commitments(AfasResource):
    """Read by ``ModifiedDate`` (operator 2, >=) from the commitments GetConnector."""

    entity = "commitments"
    deletions = True  # with full_reload_deletions
    role = "commitments"
    description = "commitments (verplichtingen) with their open amount, changed ones only"
    filters = {"administration": "commitments of this administration number only"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        where: list[Condition] = []
        if filters.get("administration") is not None:
            where.append(("Administration", 1, str(filters["administration"])))
        return read_records(
            self,
            lambda since: self.changed(self.role, since, where=where),
            cursor=cursor,
            filters=filters,
            id_field="CommitmentId",
            make=lambda row, at: SourceRecord(id=read_id(row, "CommitmentId"), data=row, cursor=at),
        )
