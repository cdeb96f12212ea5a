"""Commitments (*verplichtingen*): purchase order contracts with their delivery tickets.

A purchase order contract (*inkooporder*, ``GET /list/purchase-order-contracts``) is the
commitment: number, project, supplier, price and ``outstandingCosts`` (its open amount),
status, ``updatedAt``. Its delivery tickets (*leverbonnen*, ``GET /list/delivery-tickets``)
are its lines: each has the delivery-note number invoices are matched by (facts.ZENVOICES),
a price and ``isProcessed``. The first read takes every contract, later reads those changed
since the cursor; each page of contracts costs one more query for its tickets (ids as
numbers keep the ``IN (...)`` of a page of 1,000 within common URL limits). The tickets
are added to the contract's row as ``deliveryTickets`` for the inbound mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from koppel.sync import SourceRecord, read_each, read_id, read_moment
from koppel_exact_bouw import facts, hql
from koppel_exact_bouw.resources._base import ExactBouwResource, number

__all__ = ["Commitments"]

Row = dict[str, Any]


class Commitments(ExactBouwResource):
    """Purchase order contracts by ``updatedAt``, each with its delivery tickets as lines."""

    entity = "commitments"
    listed = facts.CONTRACTS
    description = "commitments (verplichtingen): purchase orders, delivery notes as lines"
    filters = {"project": "commitments of this project only (its id in Exact Online Bouw)"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        only = []
        if filters.get("project") not in (None, ""):
            only.append(hql.condition("project.id", "=", number(filters["project"])))
        rows = self.client.changed(facts.CONTRACTS, cursor, only, entity=self.entity)
        return read_each(self.with_lines(rows), self.record, id_field="id")

    def with_lines(self, contracts: Iterator[Row]) -> Iterator[Row]:
        """``contracts`` with their delivery tickets, read per page of contracts."""
        while page := list(islice(contracts, self.client.page_size)):
            ids = [row["id"] for row in page if isinstance(row, dict) and "id" in row]
            lines: dict[str, list[Row]] = {}
            for ticket in self.client.lookup(
                facts.DELIVERY_TICKETS, "contract.id", ids, batch=len(ids), entity=self.entity
            ):
                contract = ticket.get("contract") if isinstance(ticket, dict) else None
                if isinstance(contract, dict):
                    lines.setdefault(str(contract.get("id")), []).append(ticket)
            for row in page:
                if isinstance(row, dict):
                    tickets = sorted(lines.get(str(row.get("id")), []), key=_ticket_order)
                    yield {**row, "deliveryTickets": tickets}
                else:
                    yield row

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        """One contract, its ``updatedAt`` the cursor."""
        return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_moment(row, "updatedAt"))


def _ticket_order(ticket: Row) -> tuple[int, str]:
    ident = ticket.get("id")
    return (ident if isinstance(ident, int) else 0, str(ident))
