"""Purchase invoices booked (the ``booking`` system), operators' choices of commitments,
and the webhook outbox that tells receivers a booking was exported."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import sqlalchemy as sa

from koppel.errors import RecordError
from koppel.records import Commitment
from koppel.state._base import StoreBase, chunks
from koppel.state._schema import (
    bindings,
    booking_attempts,
    booking_deliveries,
    bookings,
    commitments,
    invoice_choices,
)

__all__ = ["Booking", "BookingForm", "BookingsMixin", "Delivery", "DeliveryAttempt", "Lowered"]


class BookingForm(enum.StrEnum):
    """How a booking goes to the finance ERP: as a purchase invoice, or with Multi ERP as
    a financial booking (journal entry)."""

    PURCHASE_INVOICE = "purchase_invoice"
    JOURNAL_ENTRY = "journal_entry"

    @property
    def entity(self) -> str:
        """The entity of the flows that export bookings of this form."""
        return "purchase_invoices" if self is BookingForm.PURCHASE_INVOICE else "journal_entries"


@attrs.frozen(kw_only=True)
class Booking:
    """A purchase invoice booked: the balanced journal entry, the invoice as booked and
    the commitment bookings (unstructured canonical records) made for it, and the form
    it goes to the finance ERP in (bookings made before 0010 have no ``invoice_record``
    and are journal entries)."""

    id: int
    invoice: str
    administration: str | None
    entry: Mapping[str, Any]
    commitment_bookings: tuple[Mapping[str, Any], ...]
    booked_at: datetime
    invoice_record: Mapping[str, Any] | None = None
    form: BookingForm = BookingForm.JOURNAL_ENTRY


@attrs.frozen(kw_only=True)
class Lowered:
    """What a booking takes from a register commitment (``line``: its line's id or number):
    the amount, whether it is handled afterwards and what stays open."""

    register_id: int
    line: str | None
    amount: Decimal
    handled: bool
    left: Decimal


@attrs.frozen(kw_only=True)
class Delivery:
    """One webhook notification of an exported booking to one URL."""

    id: int
    key: str
    source: str
    target: str
    booking_id: int
    url: str
    body: str
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


@attrs.frozen(kw_only=True)
class DeliveryAttempt:
    """One POST of a notification: the HTTP status (None: no answer) and the answer."""

    delivery_id: int
    at: datetime
    status: int | None
    answer: str


def _booking(row: sa.Row[Any]) -> Booking:
    values = row._mapping
    return Booking(
        id=values["id"],
        invoice=values["invoice"],
        administration=values["administration"],
        entry=values["entry"],
        commitment_bookings=tuple(values["commitment_bookings"]),
        booked_at=values["booked_at"],
        invoice_record=values["invoice_record"],
        form=BookingForm(values["form"] or BookingForm.JOURNAL_ENTRY),
    )


def _lower(commitment: Commitment, lowered: Lowered) -> Commitment:
    """``commitment`` after ``lowered`` is booked on it (or on its line)."""
    if lowered.line is None:
        return attrs.evolve(commitment, open_amount=lowered.left, handled=lowered.handled)
    lines = []
    for line in commitment.lines:
        if lowered.line in (line.id, line.number):
            line = attrs.evolve(line, open_amount=lowered.left, handled=lowered.handled)
        lines.append(line)
    open_amount = max(commitment.open_amount - lowered.amount, Decimal(0))
    handled = all(line.handled for line in lines)
    return attrs.evolve(commitment, lines=tuple(lines), open_amount=open_amount, handled=handled)


class BookingsMixin(StoreBase):
    """Keep the bookings of purchase invoices and the notifications of their export."""

    def save_booking(
        self,
        invoice: str,
        *,
        administration: str | None,
        entry: Mapping[str, Any],
        commitment_bookings: Sequence[Mapping[str, Any]],
        lowered: Sequence[Lowered],
        invoice_record: Mapping[str, Any] | None = None,
        form: BookingForm = BookingForm.JOURNAL_ENTRY,
    ) -> tuple[int, bool]:
        """Book ``invoice`` once: store its entry, the invoice as booked, its form and
        commitment bookings and lower the register's commitments, in one transaction.
        Returns (booking id, made now); an invoice booked before keeps its booking and
        lowers nothing again.

        :raises RecordError: when a lowered commitment is no longer in the register.
        """
        from koppel.state._commitments import _registered, _save_commitment

        with self._write() as conn:
            known = conn.execute(
                sa.select(bookings.c.id).where(bookings.c.invoice == invoice)
            ).scalar_one_or_none()
            if known is not None:
                return int(known), False
            booking_id = conn.execute(
                bookings.insert()
                .values(
                    invoice=invoice,
                    administration=administration,
                    entry=dict(entry),
                    commitment_bookings=[dict(item) for item in commitment_bookings],
                    booked_at=self.clock(),
                    invoice_record=None if invoice_record is None else dict(invoice_record),
                    form=str(form),
                )
                .returning(bookings.c.id)
            ).scalar_one()
            for item in lowered:
                row = conn.execute(
                    commitments.select().where(commitments.c.id == item.register_id)
                ).one_or_none()
                if row is None:
                    raise RecordError(
                        f"commitment {item.register_id} is no longer in the register",
                        target_id=item.register_id,
                    )
                registered = _registered(row)
                _save_commitment(
                    conn,
                    self._insert(commitments),
                    _lower(registered.commitment, item),
                    source_system=registered.source_system,
                    source_id=registered.source_id,
                    register_id=registered.id,
                    now=self.clock(),
                )
            conn.execute(invoice_choices.delete().where(invoice_choices.c.invoice == invoice))
        return int(booking_id), True

    def booking(self, booking_id: int) -> Booking | None:
        """The booking with id ``booking_id``, or None."""
        with self._read() as conn:
            row = conn.execute(bookings.select().where(bookings.c.id == booking_id)).one_or_none()
        return None if row is None else _booking(row)

    def booking_of_invoice(self, invoice: str) -> Booking | None:
        """The booking of purchase invoice ``invoice`` (its record id), or None."""
        with self._read() as conn:
            row = conn.execute(bookings.select().where(bookings.c.invoice == invoice)).one_or_none()
        return None if row is None else _booking(row)

    def bookings_after(self, after: int, *, limit: int = 500) -> list[Booking]:
        """Up to ``limit`` bookings with an id above ``after``, in id order."""
        query = bookings.select().where(bookings.c.id > after).order_by(bookings.c.id).limit(limit)
        with self._read() as conn:
            return [_booking(row) for row in conn.execute(query)]

    def creditor_numbers(self, vat_number: str) -> dict[str, int]:
        """Creditor number -> the first booking whose invoice's supplier had VAT number
        ``vat_number`` (compacted) and that creditor number."""
        record = bookings.c.invoice_record
        number = record[("supplier", "number")].as_string()
        query = (
            sa.select(number, bookings.c.id)
            .where(record[("supplier", "vat_number")].as_string() == vat_number)
            .where(number.is_not(None))
            .order_by(bookings.c.id)
        )
        found: dict[str, int] = {}
        with self._read() as conn:
            for number, booking_id in conn.execute(query):
                found.setdefault(number, booking_id)
        return found

    def latest_bookings(self, limit: int, *, administration: str | None = None) -> list[Booking]:
        """The ``limit`` newest bookings (of ``administration``), newest first."""
        query = bookings.select().order_by(bookings.c.id.desc()).limit(limit)
        if administration is not None:
            query = query.where(bookings.c.administration == administration)
        with self._read() as conn:
            return [_booking(row) for row in conn.execute(query)]

    def choose_commitments(
        self, invoice: str, choices: Sequence[tuple[int, Decimal | None]]
    ) -> None:
        """Record an operator's choice of commitments (register id, amount or None) for
        ``invoice``, replacing an earlier one; the next try of the invoice books them."""
        values = {
            "choices": [[rid, None if amount is None else str(amount)] for rid, amount in choices],
            "chosen_at": self.clock(),
        }
        stmt = self._insert(invoice_choices).values(invoice=invoice, **values)
        with self._write() as conn:
            conn.execute(
                stmt.on_conflict_do_update(index_elements=[invoice_choices.c.invoice], set_=values)
            )

    def chosen_commitments(self, invoice: str) -> list[tuple[int, Decimal | None]] | None:
        """The operator's choice for ``invoice``, or None when there is none."""
        with self._read() as conn:
            found = conn.execute(
                sa.select(invoice_choices.c.choices).where(invoice_choices.c.invoice == invoice)
            ).scalar_one_or_none()
        if found is None:
            return None
        return [(int(rid), None if amount is None else Decimal(amount)) for rid, amount in found]

    def booking_exports(self, booking_id: int, entity: str) -> list[tuple[str, str, str]]:
        """(source connection, target connection, target id) of every binding of
        ``entity`` whose source id is ``booking_id``: where flows exported the booking."""
        query = (
            sa.select(bindings.c.source, bindings.c.target, bindings.c.target_id)
            .where(bindings.c.entity == entity)
            .where(bindings.c.source_id == str(booking_id))
            .order_by(bindings.c.id)
        )
        with self._read() as conn:
            return [(r.source, r.target, r.target_id) for r in conn.execute(query)]

    def unexported_commitment_bookings(
        self, source_system: str
    ) -> dict[str, list[Mapping[str, Any]]]:
        """Commitment source id -> the commitment bookings (canonical records) on the
        commitments of ``source_system`` that no flow has exported yet (no binding of
        entity ``commitment_bookings`` has their id), oldest first."""
        found: dict[str, list[Mapping[str, Any]]] = {}
        with self._read() as conn:
            for (items,) in conn.execute(
                sa.select(bookings.c.commitment_bookings).order_by(bookings.c.id)
            ):
                for item in items:
                    if item["source_system"] == source_system:
                        record = item["record"]
                        found.setdefault(record["commitment"], []).append(record)
            ids = [record["id"] for records in found.values() for record in records]
            exported: set[str] = set()
            for part in chunks(ids):
                exported.update(
                    conn.execute(
                        sa.select(bindings.c.source_id)
                        .where(bindings.c.entity == "commitment_bookings")
                        .where(bindings.c.source_id.in_(part))
                    ).scalars()
                )
        return {
            commitment: pending
            for commitment, records in found.items()
            if (pending := [record for record in records if record["id"] not in exported])
        }

    # -- the webhook outbox --------------------------------------------------

    def exported_unnotified(self, source: str, entity: str) -> list[tuple[str, int, str]]:
        """(target connection, booking id, target id) of every booking connection ``source``
        exported as ``entity`` (its bindings) that has no notification yet."""
        notified = (
            sa.select(booking_deliveries.c.id)
            .where(booking_deliveries.c.source == bindings.c.source)
            .where(booking_deliveries.c.target == bindings.c.target)
            .where(sa.cast(booking_deliveries.c.booking_id, sa.String) == bindings.c.source_id)
            .exists()
        )
        query = (
            sa.select(bindings.c.target, bindings.c.source_id, bindings.c.target_id)
            .where(bindings.c.source == source)
            .where(bindings.c.entity == entity)
            .where(~notified)
            .order_by(bindings.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [(r.target, int(r.source_id), r.target_id) for r in rows if r.source_id.isdigit()]

    def queue_deliveries(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add notifications (``key``, ``source``, ``target``, ``booking_id``, ``url``,
        ``body``) to the outbox, due now; one already there (same key and URL) is kept."""
        if not rows:
            return
        now = self.clock()
        values = [
            {**row, "attempts": 0, "next_attempt_at": now, "delivered_at": None, "created_at": now}
            for row in rows
        ]
        with self._write() as conn:
            conn.execute(self._insert(booking_deliveries).on_conflict_do_nothing(), values)

    def due_deliveries(self, source: str) -> list[Delivery]:
        """Undelivered notifications of connection ``source`` whose next attempt is due."""
        query = (
            booking_deliveries.select()
            .where(booking_deliveries.c.source == source)
            .where(booking_deliveries.c.delivered_at.is_(None))
            .where(booking_deliveries.c.next_attempt_at <= self.clock())
            .order_by(booking_deliveries.c.id)
        )
        with self._read() as conn:
            return [Delivery(**row._mapping) for row in conn.execute(query)]

    def deliveries(self, booking_id: int) -> list[Delivery]:
        """Every notification of booking ``booking_id``, oldest first."""
        query = (
            booking_deliveries.select()
            .where(booking_deliveries.c.booking_id == booking_id)
            .order_by(booking_deliveries.c.id)
        )
        with self._read() as conn:
            return [Delivery(**row._mapping) for row in conn.execute(query)]

    def delivery_attempts(self, delivery_id: int) -> list[DeliveryAttempt]:
        """Every attempt of notification ``delivery_id``, oldest first."""
        query = (
            sa.select(
                booking_attempts.c.delivery_id,
                booking_attempts.c.at,
                booking_attempts.c.status,
                booking_attempts.c.answer,
            )
            .where(booking_attempts.c.delivery_id == delivery_id)
            .order_by(booking_attempts.c.id)
        )
        with self._read() as conn:
            return [DeliveryAttempt(**row._mapping) for row in conn.execute(query)]

    def record_attempt(
        self,
        delivery_id: int,
        *,
        status: int | None,
        answer: str,
        delivered: bool,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Log one attempt; mark the notification delivered, or due again at
        ``next_attempt_at``."""
        now = self.clock()
        changes: dict[str, Any] = {"attempts": booking_deliveries.c.attempts + 1}
        if delivered:
            changes["delivered_at"] = now
        elif next_attempt_at is not None:
            changes["next_attempt_at"] = next_attempt_at
        with self._write() as conn:
            conn.execute(
                booking_attempts.insert().values(
                    delivery_id=delivery_id, at=now, status=status, answer=answer
                )
            )
            conn.execute(
                booking_deliveries.update()
                .where(booking_deliveries.c.id == delivery_id)
                .values(**changes)
            )
