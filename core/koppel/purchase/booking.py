"""The built-in ``booking`` system: purchase invoices matched and booked in the state
store, and the bookings read back out for the finance ERP and the commitments' system.

Three flows use it (``examples/purchase-*.toml``):

* ``ubl`` -> ``booking``, entity ``purchase_invoices``: each invoice is matched to the
  commitments register (or to the commitments an operator chose) and booked once, the
  register's open amounts lowered in the same transaction. The booking goes out as a
  purchase invoice, or with Multi ERP on for its administration (the setting
  ``multi_erp``, else the project's administration,
  :mod:`koppel.purchase.administration`) as a balanced journal entry; that is decided
  once, here. An invoice that is not matched is a record error listing the candidates
  (parked).
* ``booking`` -> the finance ERP, entity ``purchase_invoices`` (the bookings made as
  purchase invoices, with the GL accounts and amounts booked) or ``journal_entries``
  (the ones made as journal entries: Exact Online ``GeneralJournalEntries``, AFAS,
  AccountView): each booking once, by the engine's bindings. When such a flow has
  exported bookings, a signed notification is sent to the connection's
  ``webhook_urls`` (:mod:`koppel.purchase.webhook`).
* ``booking`` -> Exact Online Bouw, entity ``commitment_bookings``: the amounts booked
  on its commitments and whether each is now handled.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import attrs

from koppel.connector import Connector, Resource, Session, setting
from koppel.engine.dry_run import DRY_RUN
from koppel.errors import ConfigurationError
from koppel.purchase._book import book_invoice
from koppel.purchase.administration import Administration, multi_erp_of
from koppel.purchase.creditors import creditor_table
from koppel.purchase.ledger import LedgerSettings
from koppel.purchase.match import MatchSettings, Remainder
from koppel.records import PurchaseInvoice, structure
from koppel.state._bookings import BookingForm
from koppel.sync import Action, SourceRecord, WriteResult

if TYPE_CHECKING:
    from koppel.state import StateStore
    from koppel.state._bookings import Booking

__all__ = ["BookingSettings", "connector"]

#: The entities whose export the webhook tells (the booking in the finance ERP).
EXPORTED_ENTITIES = tuple(form.entity for form in BookingForm)


@attrs.frozen
class BookingSettings:
    """How invoices are matched and booked, and whom an export is told."""

    creditor_account: str | None = setting(
        default=None, description="creditors GL account (required to book invoices)"
    )
    vat_accounts: dict[str, str] = setting(
        default={}, description="VAT code -> input VAT GL account"
    )
    vat_account: str | None = setting(
        default=None, description="input VAT GL account of a code vat_accounts does not name"
    )
    journal: str | None = setting(default=None, description="journal (dagboek) code")
    remainder: Remainder = setting(
        default=Remainder.LEAVE_OPEN,
        description="leave_open, close or book_difference: what happens to what is left",
    )
    difference_account: str | None = setting(
        default=None, description="GL account of the difference (remainder = book_difference)"
    )
    delivery_note_sources: list[str] = setting(
        default=[],
        description="register source systems matched by delivery note (Exact Online Bouw)",
    )
    administration: str | None = setting(
        default=None, description="read only this administration's bookings"
    )
    source_system: str | None = setting(
        default=None,
        description="commitment_bookings: only those on this register source system's commitments",
    )
    multi_erp: bool | None = setting(
        default=None,
        description="book as journal entries (true) or purchase invoices (false); "
        "default: the project's administration (koppel.toml), else false",
    )
    creditors: dict[str, str] = setting(
        default={}, description="VAT number -> creditor number, for suppliers that give none"
    )
    webhook_urls: list[str] = setting(
        default=[], description="URLs told when a booking is exported (export flows)"
    )
    webhook_secret: str | None = setting(
        default=None,
        secret=True,
        env="KOPPEL_BOOKING_WEBHOOK_SECRET",
        description="HMAC-SHA256 key of the Koppel-Signature header",
    )
    webhook_attempts: int = setting(
        default=5, description="attempts per notification in one run before it waits"
    )
    webhook_backoff: float = setting(
        default=2.0, description="seconds before the second attempt, doubled after each"
    )
    webhook_timeout: float = setting(default=10.0, description="seconds to wait for an answer")

    def matching(self) -> MatchSettings:
        """The matching settings (refuses book_difference without difference_account)."""
        return MatchSettings(
            remainder=self.remainder,
            difference_account=self.difference_account,
            delivery_note_sources=frozenset(self.delivery_note_sources),
        )

    def ledger(self) -> LedgerSettings:
        """The accounts invoices are booked on."""
        if not self.creditor_account:
            raise ConfigurationError(
                "the setting creditor_account is required to book purchase invoices",
                path="settings.creditor_account",
            )
        return LedgerSettings(
            creditor_account=self.creditor_account,
            vat_accounts=self.vat_accounts,
            vat_account=self.vat_account,
            journal=self.journal,
        )


class _Booking(Resource):
    @property
    def store(self) -> StateStore:
        store: StateStore = self.client.store
        return store

    def bookings(self, after: int, form: BookingForm | None = None) -> Iterator[Booking]:
        """The bookings after id ``after`` (of the ``administration`` setting's, and of
        ``form`` when given), in order."""
        while True:
            page = self.store.bookings_after(after)
            if not page:
                return
            for booking in page:
                wanted = self.settings.administration
                if (wanted is None or booking.administration == wanted) and (
                    form is None or booking.form is form
                ):
                    yield booking
            after = page[-1].id


class PurchaseInvoices(_Booking):
    """Written: purchase invoices matched to the commitments register and booked, once
    each. Read: the bookings made as purchase invoices, for the finance ERP."""

    entity = "purchase_invoices"
    update = False
    description = (
        "purchase invoices matched to the commitments register and booked; read: the "
        "bookings made as purchase invoices (no Multi ERP), as booked"
    )

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        invoice = structure(payload, PurchaseInvoice)
        settings: BookingSettings = self.settings
        with self.client.lock:  # one match at a time: two invoices never take one open amount
            booking_id, made = book_invoice(
                self.store,
                invoice,
                matching=settings.matching(),
                ledger=settings.ledger(),
                multi_erp=self.client.multi_erp,
                creditors=creditor_table(settings.creditors),
            )
        return WriteResult(target_id=str(booking_id), response={"id": booking_id, "new": made})

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterator[SourceRecord]:
        for booking in self.bookings(_booking_id(cursor), BookingForm.PURCHASE_INVOICE):
            data = {**(booking.invoice_record or {}), "id": str(booking.id)}
            yield SourceRecord(id=str(booking.id), data=data, cursor=str(booking.id))


class JournalEntries(_Booking):
    """Each booking made as a financial booking (Multi ERP): its balanced journal entry,
    for the finance ERP."""

    entity = "journal_entries"
    description = "the balanced journal entries of purchase invoices booked with Multi ERP"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterator[SourceRecord]:
        for booking in self.bookings(_booking_id(cursor), BookingForm.JOURNAL_ENTRY):
            data = {**booking.entry, "id": str(booking.id)}
            yield SourceRecord(id=str(booking.id), data=data, cursor=str(booking.id))


class CommitmentBookings(_Booking):
    """The amounts booked on commitments (and whether each is handled), for their system."""

    entity = "commitment_bookings"
    description = "amounts booked on commitments by purchase invoices, with the handled flag"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterator[SourceRecord]:
        after = _position(cursor)
        wanted = self.settings.source_system
        for booking in self.bookings(max(int(after) - 1, 0)):
            for n, item in enumerate(booking.commitment_bookings, start=1):
                position = Decimal(f"{booking.id}.{n:04d}")
                if position <= after or (wanted and item["source_system"] != wanted):
                    continue
                record = item["record"]
                yield SourceRecord(id=record["id"], data=record, cursor=str(position))


def _position(cursor: str | None) -> Decimal:
    """The stored cursor as a position: a booking id, with the item after a point
    (``12.0002``: the second commitment booking of booking 12)."""
    try:
        position = Decimal(cursor) if cursor else Decimal(0)
    except InvalidOperation:
        position = Decimal("NaN")
    if not position.is_finite() or position < 0:
        raise ConfigurationError(
            f"the stored cursor {cursor!r} is no booking position (a number like 12 or "
            "12.0002); reset it with `koppel state reset`"
        )
    return position


def _booking_id(cursor: str | None) -> int:
    return int(_position(cursor))


@attrs.define(eq=False)
class _Client:
    """The state store holding the bookings, the lock bookings are made under, and
    where Multi ERP is on."""

    store: StateStore
    multi_erp_setting: bool | None = None
    administrations: Mapping[str, Administration] = attrs.field(factory=dict)
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def multi_erp(self, administration: str | None) -> bool:
        """Whether ``administration``'s bookings go out as journal entries: the
        ``multi_erp`` setting where given, else the project's administration."""
        if self.multi_erp_setting is not None:
            return self.multi_erp_setting
        return multi_erp_of(self.administrations, administration)


def _client(session: Session) -> _Client:
    store = session.connection.state
    if store is None:
        raise ConfigurationError(
            "the booking system keeps its bookings in the run's state store; this "
            "connection has none",
            connection=session.connection.name,
        )
    settings: BookingSettings = session.settings
    if settings.webhook_urls and not session.connection.cache.get(DRY_RUN):
        from koppel.purchase.webhook import Webhook

        if not settings.webhook_secret:
            raise ConfigurationError(
                "webhook_urls need a webhook_secret to sign the notifications with",
                connection=session.connection.name,
                path=f"connections.{session.connection.name}.credentials.webhook_secret",
            )
        hook = Webhook(
            urls=tuple(settings.webhook_urls),
            secret=settings.webhook_secret,
            attempts=settings.webhook_attempts,
            backoff=settings.webhook_backoff,
            timeout=settings.webhook_timeout,
        )
        name = session.connection.name

        def tell() -> None:
            for entity in EXPORTED_ENTITIES:
                hook.queue(store, source=name, entity=entity)
            hook.deliver(store, source=name)

        session.connection.on_close(tell)
    administrations = {}
    if settings.multi_erp is None:
        from koppel.cli._project import find_project

        project = find_project()
        administrations = dict(project.administrations) if project is not None else {}
    return _Client(store, multi_erp_setting=settings.multi_erp, administrations=administrations)


connector = Connector(
    name="booking",
    title="Purchase bookings",
    description="Purchase invoices matched to commitments and booked; the bookings for the ERPs.",
    settings=BookingSettings,
    client=_client,
    resources=(PurchaseInvoices, JournalEntries, CommitmentBookings),
    package="koppel.purchase",
    local=True,
)
