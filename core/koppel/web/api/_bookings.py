"""``/api/bookings``: purchase invoices' bookings, and one booking in full: what a Multi
ERP webhook receiver fetches after it is told of an export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from koppel.state import StateStore
from koppel.web.api._deps import Reader, WebDep
from koppel.web.api._models import (
    AttemptOut,
    BookingListOut,
    BookingOut,
    ExportOut,
    NotificationOut,
    PathId,
)

__all__ = ["booking_out", "router"]

router = APIRouter(tags=["bookings"])


def booking_out(store: StateStore, booking_id: int) -> BookingOut | None:
    """Booking ``booking_id`` as ``koppel bookings show --json`` shows it, or None."""
    booking = store.booking(booking_id)
    if booking is None:
        return None
    entity = booking.form.entity
    return BookingOut(
        id=booking.id,
        invoice=booking.invoice,
        administration=booking.administration,
        booked_at=booking.booked_at,
        form=str(booking.form),
        entry=dict(booking.entry),
        invoice_record=None if booking.invoice_record is None else dict(booking.invoice_record),
        commitment_bookings=[dict(item) for item in booking.commitment_bookings],
        exports=[
            ExportOut(source=source, target=target, entity=entity, target_id=target_id)
            for source, target, target_id in store.booking_exports(booking_id, entity)
        ],
        notifications=[
            NotificationOut(
                url=delivery.url,
                idempotency_key=delivery.key,
                created_at=delivery.created_at,
                delivered_at=delivery.delivered_at,
                next_attempt_at=delivery.next_attempt_at,
                attempts=[
                    AttemptOut(at=a.at, status=a.status, answer=a.answer)
                    for a in store.delivery_attempts(delivery.id)
                ],
            )
            for delivery in store.deliveries(booking_id)
        ],
    )


@router.get("/bookings", summary="The newest bookings")
def list_bookings(
    _who: Reader,
    web: WebDep,
    administration: Annotated[str | None, Query(description="only this one's")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[BookingListOut]:
    """Invoice, form, total, where each was exported and its notifications told."""
    rows = []
    for booking in web.store.latest_bookings(limit, administration=administration):
        exports = web.store.booking_exports(booking.id, booking.form.entity)
        notices = web.store.deliveries(booking.id)
        lines = booking.entry.get("lines") or [{}]
        rows.append(
            BookingListOut(
                id=booking.id,
                invoice=booking.invoice,
                administration=booking.administration,
                booked_at=booking.booked_at,
                form=str(booking.form),
                total=str(lines[0].get("amount", "")).removeprefix("-"),
                currency=booking.entry.get("currency"),
                commitments=len(booking.commitment_bookings),
                exported_to=[f"{target}:{tid}" for _, target, tid in exports],
                notified=sum(1 for n in notices if n.delivered_at is not None),
                notifications=len(notices),
            )
        )
    return rows


@router.get(
    "/bookings/{booking_id}",
    summary="One booking in full",
    responses={404: {"description": "No such booking."}},
)
def get_booking(booking_id: PathId, _who: Reader, web: WebDep) -> BookingOut:
    """The journal entry, the invoice as booked, the commitment bookings, the exports
    and every webhook notification with its attempts."""
    found = booking_out(web.store, booking_id)
    if found is None:
        raise HTTPException(404, f"no booking {booking_id}")
    return found
