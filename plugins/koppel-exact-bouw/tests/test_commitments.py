"""Commitments and bookings against them: open amounts, the handled flag, delivery notes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import ConfigurationError, RejectedError, ValidationError
from koppel.records import Commitment
from koppel.sync import Ambiguous, Connection
from koppel_exact_bouw.sandbox import ExactBouwSandbox

DAY = "2026-02-01"


def commitment(read: Any, code: str) -> Commitment:
    found = [c for c in read("commitments") if c.code == code]
    assert len(found) == 1
    return found[0]


def open_on(commitment: Commitment, note: str) -> Decimal:
    return sum(
        (line.open_amount for line in commitment.lines if note in line.delivery_notes), Decimal(0)
    )


def test_commitments_carry_their_delivery_notes_per_line_and_in_all(read: Any) -> None:
    first = commitment(read, "2026001IO0001")
    assert first.delivery_notes == ("LB26000", "LB26001")
    assert [line.delivery_notes for line in first.lines] == [("LB26000",), ("LB26001",)]
    assert first.open_amount == sum(line.amount for line in first.lines)
    assert first.project == "2026001" and first.supplier_name and not first.handled


def test_demo_handled_line_is_open_for_nothing(read: Any) -> None:
    fourth = commitment(read, "2026001IO0004")
    handled, rest = fourth.lines
    assert handled.handled and handled.open_amount == 0
    assert fourth.open_amount == rest.open_amount == rest.amount


def test_booking_not_handled_lowers_the_open_amount_and_the_rest_stays_open(
    read: Any, book: Any
) -> None:
    before = commitment(read, "2026001IO0001")
    book(
        invoice_number="F-1",
        delivery_note="LB26000",
        amount="100.00",
        booked_on=DAY,
        handled=False,
    )
    after = commitment(read, "2026001IO0001")
    assert after.open_amount == before.open_amount - Decimal("100.00")
    assert open_on(after, "LB26000") == open_on(before, "LB26000") - Decimal("100.00")
    book(
        invoice_number="F-2",
        delivery_note="LB26000",
        amount="50.00",
        booked_on=DAY,
    )
    again = commitment(read, "2026001IO0001")
    assert open_on(again, "LB26000") == open_on(before, "LB26000") - Decimal("150.00")


def test_handled_booking_closes_the_line_and_it_no_longer_matches(read: Any, book: Any) -> None:
    before = commitment(read, "2026001IO0001")
    book(
        invoice_number="F-3",
        delivery_note="LB26001",
        amount="10.00",
        booked_on=DAY,
        handled=True,
    )
    after = commitment(read, "2026001IO0001")
    assert open_on(after, "LB26001") == 0
    assert after.open_amount == before.open_amount - open_on(before, "LB26001")
    with pytest.raises(
        ValidationError, match="no open commitment line for delivery note 'LB26001'"
    ):
        book(
            invoice_number="F-4",
            delivery_note="LB26001",
            amount="5.00",
            booked_on=DAY,
        )


def test_booking_on_every_line_handled_makes_the_commitment_handled(read: Any, book: Any) -> None:
    for number, note in (("F-5", "LB26000"), ("F-6", "LB26001")):
        book(
            invoice_number=number,
            delivery_note=note,
            amount="1.00",
            booked_on=DAY,
            handled=True,
        )
    closed = commitment(read, "2026001IO0001")
    assert closed.handled and closed.open_amount == 0


def test_booking_by_line_id_within_its_commitment(book: Any, sandbox: ExactBouwSandbox) -> None:
    result = book(
        invoice_number="F-7",
        commitment="88001",
        line="530002",
        amount="20.00",
        booked_on=DAY,
        gl_account="7010",
        description="Balken",
    )
    ticket = sandbox.store["tickets"].get(result.target_id)
    assert result.target_id == "530002" and ticket["purchaseInvoiceInvoiceNumber"] == "F-7"
    with pytest.raises(ValidationError, match="no open commitment line for line 530002"):
        book(
            invoice_number="F-8",
            commitment="88000",
            line="530002",
            amount="1.00",
            booked_on=DAY,
        )


def test_delivery_note_on_several_open_lines_is_a_record_error_naming_them(
    book: Any, sandbox: ExactBouwSandbox
) -> None:
    tickets = sandbox.store["tickets"]
    twin = {**tickets.get("530004"), "id": 599999, "contract": {"id": 88005}}
    tickets.insert(twin)
    with pytest.raises(ValidationError, match=r"several open commitment lines \(530004, 599999\)"):
        book(
            invoice_number="F-9",
            delivery_note="LB26004",
            amount="1.00",
            booked_on=DAY,
        )


def test_booking_refused_by_the_api_is_a_rejected_error_with_its_message(book: Any) -> None:
    with pytest.raises(RejectedError, match="Contact 999999 not found"):
        book(
            invoice_number="F-404",
            supplier="999999",
            delivery_note="LB26000",
            amount="1.00",
            booked_on=DAY,
        )


@pytest.mark.parametrize(
    ("booking", "field"),
    [
        ({"amount": "0", "booked_on": DAY}, "amount"),
        ({"amount": "ten", "booked_on": DAY}, "amount"),
        ({"amount": "1.00"}, "booked_on"),
        ({"amount": "1.00", "booked_on": DAY, "delivery_note": None}, "line"),
    ],
)
def test_bad_booking_is_a_record_error_naming_the_field(
    book: Any, sandbox: ExactBouwSandbox, booking: dict, field: str
) -> None:
    writes = sandbox.count("POST", "/purchase-invoice")
    with pytest.raises(ValidationError) as refused:
        book(invoice_number="F-10", **{"delivery_note": "LB26000", **booking})
    assert refused.value.context["field"] == field
    assert sandbox.count("POST", "/purchase-invoice") == writes


def test_bookings_need_the_vat_tariff_setting(book: Any, connection: Connection) -> None:
    connection.settings = {k: v for k, v in connection.settings.items() if k != "vat_tariff_id"}
    with pytest.raises(ConfigurationError) as refused:
        book(
            invoice_number="F-11",
            delivery_note="LB26000",
            amount="1.00",
            booked_on=DAY,
        )
    assert refused.value.context["path"] == "connections.exact-bouw-test.settings.vat_tariff_id"


def key(*parts: str) -> str:
    """A match value of a key joining two fields, as the engine makes it."""
    return json.dumps(list(parts))


def test_bookings_are_found_by_invoice_number_and_ticket_or_delivery_note(
    hooks: Any, connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    def find(match_key: str, *values: str) -> Any:
        return hooks.find_existing(
            connection=connection,
            entity="commitment_bookings",
            match_key=match_key,
            values=list(values),
        )

    by_line = find(
        "invoice_number+line",
        key("INK-26006", "530006"),
        key("INK-26006", "530007"),  # the invoice is not booked on that ticket
        key("INK-26014", "530014"),
    )
    assert set(by_line) == {key("INK-26006", "530006"), key("INK-26014", "530014")}
    assert by_line[key("INK-26006", "530006")].id == "530006"
    tickets = sandbox.store["tickets"]
    tickets.insert({**tickets.get("530006"), "id": 599998, "contract": {"id": 88011}})
    by_note = find("invoice_number+delivery_note", key("INK-26006", "LB26006"), key("X", "LB1"))
    assert set(by_note) == {key("INK-26006", "LB26006")}
    shared = by_note[key("INK-26006", "LB26006")]
    assert isinstance(shared, Ambiguous)
    assert [c.id for c in shared.candidates] == ["530006", "599998"]


def test_relations_sharing_an_e_mail_address_are_ambiguous_oldest_first(
    hooks: Any, connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    contacts = sandbox.store["contacts"]
    contacts.insert({**contacts.get("4101"), "id": 4999})
    found = hooks.find_existing(
        connection=connection,
        entity="relations",
        match_key="email",
        values=["orders@houtplaat.example", "inkoop@devries-bouw.example"],
    )
    assert [c.id for c in found["orders@houtplaat.example"].candidates] == ["4101", "4999"]
    assert found["inkoop@devries-bouw.example"].id == "4100"


def test_project_filter_reads_only_that_projects_commitments(
    hooks: Any, connection: Connection
) -> None:
    records = hooks.fetch_records(
        connection=connection, entity="commitments", cursor=None, filters={"project": "3494101"}
    )
    ids = [r.id for r in records]
    assert ids == ["88001", "88004", "88007", "88010"]  # every third contract is on it


def test_line_booked_with_its_rest_open_books_the_next_invoice_on_the_rest(
    book: Any, sandbox: ExactBouwSandbox
) -> None:
    first = book(
        invoice_number="F-12", commitment="88000", line="530000", amount="100.00", booked_on=DAY
    )
    second = book(
        invoice_number="F-13", commitment="88000", line="530000", amount="50.00", booked_on=DAY
    )
    assert first.target_id == "530000" and second.target_id != "530000"
    rest = sandbox.store["tickets"].get(second.target_id)
    assert rest["number"] == "LB26000" and rest["purchaseInvoiceInvoiceNumber"] == "F-13"
    with pytest.raises(ValidationError, match="no open commitment line for line 530001"):
        book(invoice_number="F-14", line="530001", amount="1.00", booked_on=DAY, handled=True)
        book(invoice_number="F-15", line="530001", amount="1.00", booked_on=DAY)
