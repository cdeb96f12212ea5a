"""Bookings against commitments: a purchase invoice line on a delivery ticket.

Exact Online Bouw books an invoice against a commitment line as a purchase invoice
(``POST /purchase-invoice``) whose line names the delivery ticket (``deliveryTicket``)
and its purchase order contract (``modelType`` 2, ``modelId``); the line's
``createDeliveryTicketForRemainingCosts`` is the booking's *not handled*: the remaining
amount stays open on a new ticket with the same delivery note. A handled booking leaves
nothing open and the delivery note matches no further invoice (facts.ZENVOICES, SDK
PurchaseInvoiceDocument). A booking is written once (``update = False``) and found again
by its invoice number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from koppel.errors import ConfigurationError, ValidationError
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult
from koppel_exact_bouw import facts, hql
from koppel_exact_bouw.resources._base import ExactBouwResource, matches

__all__ = ["CommitmentBookings"]

Row = dict[str, Any]


class CommitmentBookings(ExactBouwResource):
    """Purchase invoices booked on one delivery ticket each; found by invoice number."""

    entity = "commitment_bookings"
    listed = facts.PURCHASE_INVOICES
    description = "bookings against commitment lines (delivery notes), with the handled flag"
    match_keys = {"invoice_number": "invoiceNumber"}
    update = False

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        field = self.match_keys[match_key]
        rows = self.client.lookup(facts.PURCHASE_INVOICES, field, values, entity=self.entity)
        return matches(
            rows,
            values,
            lambda row: str(row.get(field) or ""),
            lambda row: TargetRecord(id=str(row["id"]), data=row),
        )

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Book ``payload`` on its delivery ticket as a new purchase invoice.

        :raises ValidationError: when the amount is not positive or no open delivery
            ticket answers to the booking's line or delivery note.
        :raises ConfigurationError: without the setting ``vat_tariff_id``.
        """
        number = payload.get("invoiceNumber")
        context = {"entity": self.entity, "record": number}
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
        body["lines"] = [line]
        row = self.client.post("/purchase-invoice", body, **context)
        return WriteResult(target_id=str(row["id"]), response=row)

    def ticket(self, payload: Mapping[str, Any], context: Mapping[str, Any]) -> Row:
        """The open delivery ticket the booking names: by its line id, else by delivery note
        (within its commitment when it names one).

        :raises ValidationError: when none is open, or several share the delivery note.
        """
        line, note = payload.get("_line"), payload.get("_delivery_note")
        also = [hql.condition("isProcessed", "=", False)]
        if payload.get("_commitment") not in (None, ""):
            also.append(hql.condition("contract.id", "=", _integer(payload["_commitment"])))
        if line not in (None, ""):
            found = list(
                self.client.lookup(
                    facts.DELIVERY_TICKETS, "id", [_integer(line)], also=also, entity=self.entity
                )
            )
            what = f"line {line}"
        elif note not in (None, ""):
            found = list(
                self.client.lookup(
                    facts.DELIVERY_TICKETS, "number", [str(note)], also=also, entity=self.entity
                )
            )
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


def _amount(value: Any, context: Mapping[str, Any]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"amount {value!r} is no number", field="amount", **context) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"amount {value!r} must be above 0", field="amount", **context)
    return amount.quantize(Decimal("0.01"))


def _integer(value: Any) -> int | str:
    text = str(value).strip()
    return int(text) if text.isdigit() else text
