"""Bookings against commitments: a purchase invoice line on a delivery ticket.

Exact Online Bouw books an invoice against a commitment line as a purchase invoice
(``POST /purchase-invoice``) whose line names the delivery ticket (``deliveryTicket``)
and its purchase order contract (``modelType`` 2, ``modelId``); the line's
``createDeliveryTicketForRemainingCosts`` is the booking's *not handled*: the remaining
amount stays open on a new ticket with the same delivery note. A handled booking leaves
nothing open and the delivery note matches no further invoice (facts.ZENVOICES, SDK
PurchaseInvoiceDocument).

One supplier's invoice is one purchase invoice however many tickets it is booked on: the
first booking creates it, each further one adds its line (the document is read and sent
back with the new line, ASSUMED in README.md). A booking is therefore one delivery ticket
booked by one invoice: its target id is the ticket's id, and it is found again by invoice
number and ticket (``invoice_number+line``), or invoice number and delivery note
(``invoice_number+delivery_note``), among the tickets the invoice number processed. A
booking is written once (``update = False``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from koppel.errors import ConfigurationError, ValidationError
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult
from koppel_exact_bouw import facts, hql
from koppel_exact_bouw.resources._base import ExactBouwResource, matches, number

__all__ = ["CommitmentBookings"]

Row = dict[str, Any]
#: Fields of a purchase invoice line that are sent back when a line is added (SDK
#: PurchaseInvoiceDocumentLine, without what the API writes itself).
LINE_FIELDS = tuple(
    field.name for field in facts.PURCHASE_INVOICE_LINE.fields if not field.read_only
)
#: What the ticket found by each match key is compared on, after the invoice number.
BY_TICKET = {"invoice_number+line": "id", "invoice_number+delivery_note": "number"}


class CommitmentBookings(ExactBouwResource):
    """Delivery tickets booked by purchase invoices; found by invoice number and ticket."""

    entity = "commitment_bookings"
    listed = facts.PURCHASE_INVOICES
    description = "bookings against commitment lines (delivery notes), with the handled flag"
    match_keys = {
        "invoice_number+line": "purchaseInvoiceInvoiceNumber and id of a delivery ticket",
        "invoice_number+delivery_note": "purchaseInvoiceInvoiceNumber and number of a ticket",
    }
    update = False

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """The tickets the invoice numbers in ``values`` processed, by invoice number and
        ticket id or delivery note (one query per 50 invoice numbers)."""
        field = BY_TICKET[match_key]
        numbers = [_parts(value)[0] for value in values]
        rows = self.client.lookup(
            facts.DELIVERY_TICKETS,
            "purchaseInvoiceInvoiceNumber",
            [n for n in numbers if n],
            entity=self.entity,
        )
        return matches(
            rows,
            values,
            lambda row: json.dumps(
                [str(row.get("purchaseInvoiceInvoiceNumber") or ""), str(row.get(field) or "")],
                ensure_ascii=False,
            ),
            lambda row: TargetRecord(id=str(row["id"]), data=row),
        )

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Book ``payload`` on its delivery ticket: a new purchase invoice, or a new line on
        the supplier's invoice of that number when it exists.

        :raises ValidationError: when the amount is not positive or no open delivery
            ticket answers to the booking's line or delivery note.
        :raises ConfigurationError: without the setting ``vat_tariff_id``.
        """
        number_ = payload.get("invoiceNumber")
        context = {"entity": self.entity, "record": number_}
        vat = self.settings.vat_tariff_id
        if vat is None:
            name = self.session.connection.name
            raise ConfigurationError(
                "writing commitment_bookings needs the VAT tariff id of its lines",
                path=f"connections.{name}.settings.vat_tariff_id",
            )
        amount = _amount(payload.get("_amount"), context)
        if not payload.get("date"):
            raise ValidationError("a booking needs its date", field="booked_on", **context)
        ticket = self.ticket(payload, context)
        body = {k: v for k, v in payload.items() if not k.startswith("_")}
        supplier = ticket.get("supplier")
        if isinstance(supplier, dict):
            body.setdefault("contact", {"id": supplier.get("id")})
        body["status"] = self.settings.invoice_status
        line: Row = {
            "description": payload.get("_description") or f"leverbon {ticket.get('number')}",
            "quantity": "1",
            "unitPrice": str(amount),
            "subTotal": str(amount),
            "vatTariffId": vat,
            "deliveryTicket": {"id": ticket["id"]},
            "createDeliveryTicketForRemainingCosts": not payload.get("_handled", False),
        }
        if payload.get("_gl_account"):
            line["ledger"] = str(payload["_gl_account"])
        contract = ticket.get("contract")
        if isinstance(contract, dict) and contract.get("id") is not None:
            line["modelType"] = facts.MODEL_PURCHASE_ORDER
            line["modelId"] = contract["id"]
        with self.session.cached("exact-bouw:booking-lock", threading.Lock):
            existing = self.invoice(str(number_), body["contact"].get("id"))
            if existing is None:
                body["lines"] = [line]
            else:  # the invoice is booked on another ticket already: add this line
                body = {**existing, "lines": [*existing["lines"], line]}
            row = self.client.post("/purchase-invoice", body, **context)
        return WriteResult(target_id=str(ticket["id"]), response=row)

    def invoice(self, invoice_number: str, supplier: Any) -> Row | None:
        """The supplier's purchase invoice numbered ``invoice_number``, as it is sent back
        (its header and lines), or None when it has none."""
        also = [hql.condition("supplier.id", "=", number(supplier))]
        for row in self.client.lookup(
            facts.PURCHASE_INVOICES,
            "invoiceNumber",
            [invoice_number],
            also=also,
            entity=self.entity,
        ):
            if str(row.get("invoiceNumber")) == invoice_number:
                path = facts.PURCHASE_INVOICE_DOCUMENT.format(id=row["id"])
                return _writable(self.client.get(path, entity=self.entity))
        return None

    def ticket(self, payload: Mapping[str, Any], context: Mapping[str, Any]) -> Row:
        """The open delivery ticket the booking names: by its line id, else by delivery note
        (within its commitment when it names one). A line already booked with its rest left
        open stands for the open ticket with the rest (same delivery note and contract).

        :raises ValidationError: when none is open, or several share the delivery note.
        """
        line, note = payload.get("_line"), payload.get("_delivery_note")
        also = [hql.condition("isProcessed", "=", False)]
        if payload.get("_commitment") not in (None, ""):
            also.append(hql.condition("contract.id", "=", number(payload["_commitment"])))
        if line not in (None, ""):
            found = self.tickets("id", number(line), also)
            if not found:
                found = self.rest_of(number(line), also)
            what = f"line {line}"
        elif note not in (None, ""):
            found = self.tickets("number", str(note), also)
            what = f"delivery note {note!r}"
        else:
            raise ValidationError(
                "a booking names its commitment line or delivery note", field="line", **context
            )
        if not found:
            raise ValidationError(
                f"no open commitment line for {what}: it does not exist or is handled already",
                field="line" if line not in (None, "") else "delivery_note",
                **context,
            )
        if len(found) > 1:
            ids = ", ".join(str(t["id"]) for t in sorted(found, key=lambda t: int(t["id"])))
            raise ValidationError(
                f"{what} is on several open commitment lines ({ids}): name the line",
                field="delivery_note",
                **context,
            )
        return found[0]

    def tickets(self, field: str, value: Any, also: Sequence[str]) -> list[Row]:
        """The delivery tickets whose ``field`` is ``value``, meeting ``also``."""
        return list(
            self.client.lookup(
                facts.DELIVERY_TICKETS, field, [value], also=also, entity=self.entity
            )
        )

    def rest_of(self, ticket: Any, also: Sequence[str]) -> list[Row]:
        """The open tickets holding the rest of processed ticket ``ticket`` (its delivery
        note in its contract), none when it is not processed or was handled."""
        for booked in self.tickets("id", ticket, ()):
            contract = booked.get("contract")
            if not booked.get("isProcessed") or not isinstance(contract, dict):
                continue
            within = [*also, hql.condition("contract.id", "=", contract.get("id"))]
            return self.tickets("number", str(booked.get("number")), list(dict.fromkeys(within)))
        return []


def _writable(document: Any) -> Row:
    """A purchase invoice document as it is sent back: its header and its lines, each with
    what a write takes and the delivery ticket by id."""
    if not isinstance(document, dict):
        return {"lines": []}
    header = {
        name: document.get(name)
        for name in ("id", "invoiceNumber", "contact", "date", "dueDate", "status")
        if document.get(name) is not None
    }
    contact = header.get("contact")
    if isinstance(contact, dict):
        header["contact"] = {"id": contact.get("id")}
    lines = []
    for found in document.get("lines") or []:
        line = {name: found[name] for name in LINE_FIELDS if found.get(name) is not None}
        ticket = line.get("deliveryTicket")
        if isinstance(ticket, dict):
            line["deliveryTicket"] = {"id": ticket.get("id")}
        lines.append(line)
    return {**header, "lines": lines}


def _parts(value: str) -> list[str]:
    """The invoice number and ticket of a match value (a JSON list, see the engine)."""
    try:
        parts = json.loads(value)
    except ValueError:
        return [value, ""]
    return [str(p) for p in parts] if isinstance(parts, list) and parts else [value, ""]


def _amount(value: Any, context: Mapping[str, Any]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"amount {value!r} is no number", field="amount", **context) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"amount {value!r} must be above 0", field="amount", **context)
    return amount.quantize(Decimal("0.01"))
