"""Commitments (*verplichtingen*) with their open amount, read from a GetConnector.

The first sync reads every commitment; later ones only those changed since the
cursor, by a filter on the modification date (AFAS: "Gewijzigde gegevens opvragen met
een GetConnector"), sorted by modification date and key so that skip/take never skips
or repeats a row. AFAS offers no deletion feed for commitments (a full load is its
documented way), so deleted commitments are not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.sync import SourceRecord, read_each, read_id, read_moment
from koppel_afas.resources._base import AfasResource

__all__ = ["Commitments", "filter_time"]


def filter_time(cursor: str) -> str:
    """A cursor (an answered ``ModifiedDate``) as a filter value: without AFAS's ``Z``."""
    return cursor.strip().removesuffix("Z")


class Commitments(AfasResource):
    """Read by ``ModifiedDate`` (operator 2, >=) from the commitments GetConnector."""

    entity = "commitments"
    role = "commitments"
    description = "commitments (verplichtingen) with their open amount, changed ones only"
    filters = {"administration": "commitments of this administration number only"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        group: list[tuple[str, int, str]] = []
        if cursor:
            group.append(("ModifiedDate", 2, filter_time(cursor)))
        if filters.get("administration") is not None:
            group.append(("Administration", 1, str(filters["administration"])))
        rows = self.rows(
            filters=[group] if group else (), order_by=["ModifiedDate", "CommitmentId"]
        )
        return read_each(
            rows,
            lambda row: SourceRecord(
                id=read_id(row, "CommitmentId"),
                data=row,
                cursor=read_moment(row, "ModifiedDate"),
            ),
            id_field="CommitmentId",
        )
