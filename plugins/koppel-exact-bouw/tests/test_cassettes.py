"""The client against Heimdall's answers replayed from cassettes, mapped to canonical records.

The cassettes (cassettes/test_cassettes/) are written in the shapes facts.py records,
not recorded (no tenant was at hand). With a real organisation, set
``EXACT_BOUW_API_KEY`` and ``EXACT_BOUW_APPLICATION`` and run
``pytest tests/test_cassettes.py --record-mode=rewrite``; read the YAML before committing it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vcr.cassette import Cassette

from koppel.errors import RejectedError
from koppel.http import FakeClock
from koppel.mapping import compile_mapping
from koppel.records import Commitment, PurchaseInvoice, structure
from koppel.sync import Action, Connection, Direction
from koppel.testing import find_secrets_in_cassettes
from koppel_exact_bouw.plugin import connector

CASSETTES = Path(__file__).parent / "cassettes"


@pytest.fixture
def connection() -> Iterator[Connection]:
    """A connection to the real API (recording) or to nothing at all (replaying)."""
    connection = Connection(
        name="exact-bouw",
        system="exact-bouw",
        settings={
            "application": os.environ.get("EXACT_BOUW_APPLICATION", "koppel-demo"),
            "page_size": 2,
            "vat_tariff_id": 11,
        },
        secrets={"api_key": os.environ.get("EXACT_BOUW_API_KEY", "replayed-key")},
        clock=FakeClock(),
    )
    yield connection
    connection.close()


def booking(number: str, note: str, amount: str, **more: Any) -> dict[str, Any]:
    return {
        "invoiceNumber": number,
        "date": "2026-02-01",
        "_delivery_note": note,
        "_amount": amount,
        **more,
    }


@pytest.mark.vcr
def test_cassette_reads_commitments_through_pages(vcr: Cassette, connection: Connection) -> None:
    records = list(connector.fetch_records(connection, "commitments", None, {}))
    assert vcr.all_played and vcr.play_count == 6  # login, 2 pages of contracts, 3 of tickets
    spec = connector.default_mapping(connection, "commitments", Direction.INBOUND)
    mapping = compile_mapping(spec, name="exact-bouw/commitments/inbound")
    commitments = [structure(mapping.apply(r.data, record_id=r.id), Commitment) for r in records]
    assert [c.code for c in commitments] == ["2026001IO0001", "2026002IO0002", "2026003IO0003"]
    first = commitments[0]
    assert first.delivery_notes == tuple(n for line in first.lines for n in line.delivery_notes)
    assert first.open_amount == sum(line.open_amount for line in first.lines)
    assert first.modified_at is not None and first.project == "2026001"


@pytest.mark.vcr
def test_cassette_books_a_delivery_note_handled(vcr: Cassette, connection: Connection) -> None:
    payload = booking("F2026-0042", "LB26001", "150.00", _handled=True, _gl_account="7010")
    result = connector.upsert(connection, "commitment_bookings", Action.CREATE, payload, None)
    assert result is not None and result.target_id == "530001"  # the delivery ticket booked
    sent = vcr.requests[-1]
    line = json.loads(sent.body)["lines"][0]
    assert line["createDeliveryTicketForRemainingCosts"] is False
    assert (line["modelType"], line["ledger"], line["subTotal"]) == (2, "7010", "150.00")


@pytest.mark.vcr
def test_cassette_second_ticket_adds_a_line_to_the_invoice(
    vcr: Cassette, connection: Connection
) -> None:
    first = booking("F2026-0043", "LB26000", "10.00", _handled=True)
    connector.upsert(connection, "commitment_bookings", Action.CREATE, first, None)
    second = booking("F2026-0043", "LB26001", "20.00", _handled=True)
    result = connector.upsert(connection, "commitment_bookings", Action.CREATE, second, None)
    assert result is not None and result.target_id == "530001"
    sent = json.loads(vcr.requests[-1].body)
    assert sent["id"] and [line["subTotal"] for line in sent["lines"]] == ["10.00", "20.00"]
    assert "id" in sent["lines"][0] and "id" not in sent["lines"][1]


@pytest.mark.vcr
def test_cassette_refusal_carries_the_api_message(connection: Connection) -> None:
    unknown = booking("F2026-0044", "LB26000", "1.00", contact={"id": 999999})
    with pytest.raises(RejectedError, match="Contact 999999 not found"):
        connector.upsert(connection, "commitment_bookings", Action.CREATE, unknown, None)


@pytest.mark.vcr
def test_cassette_reads_purchase_invoices_with_their_lines(
    vcr: Cassette, connection: Connection
) -> None:
    records = list(connector.fetch_records(connection, "purchase_invoices", None, {}))
    assert vcr.all_played and vcr.play_count == 6  # login, 2 pages of invoices, 3 documents
    spec = connector.default_mapping(connection, "purchase_invoices", Direction.INBOUND)
    mapping = compile_mapping(spec, name="exact-bouw/purchase_invoices/inbound")
    invoices = [structure(mapping.apply(r.data, record_id=r.id), PurchaseInvoice) for r in records]
    assert [i.number for i in invoices] == ["INK-26006", "INK-26014", "INK-26022"]
    first = invoices[0]
    assert first.delivery_notes == ("LB26006",) and first.project == "2026001"
    assert first.total_excl_vat == sum(line.amount for line in first.lines)
    assert first.total_incl_vat == first.total_excl_vat + first.total_vat


def test_cassettes_hold_no_credentials() -> None:
    assert find_secrets_in_cassettes(CASSETTES) == []
