"""The shipped mappings on rows in the API's own shapes (SDK models, live observations)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from koppel.mapping import compile_mapping
from koppel.records import Commitment, Relation, RelationKind, structure
from koppel.sync import Connection, Direction
from koppel_exact_bouw.functions import plain_text
from koppel_exact_bouw.plugin import connector

#: A PurchaseOrderContractListItem as the SDK names its fields, with the plugin's
#: ``deliveryTickets`` (DeliveryTicketListItem); one ticket processed.
CONTRACT = {
    "id": 90417,
    "number": "20251.00062IO001",
    "name": None,
    "description": "<p>Kozijnen <b>fase 2</b></p>",
    "status": 3,
    "statusName": "Geaccepteerd",
    "type": 0,
    "purchaseType": 2,
    "price": "12500.00",
    "outstandingCosts": "4500.00",
    "project": {
        "id": 3494115,
        "number": "20251.00062",
        "name": "Zamenhofstraat 6",
        "divisionId": 2007,
    },
    "supplier": {"id": 2227585, "typeId": 2, "name": "Kozijnfabriek Noord", "type": "supplier"},
    "projectSecurityLink": {"id": 1, "code": "32.20", "name": "Kozijnen", "costTypeName": "Inkoop"},
    "createdBy": {"id": 128345, "username": "inkoop@example.com"},
    "createdAt": "2025-03-04T09:12:44+01:00",
    "updatedAt": "2025-04-01T16:02:10+02:00",
    "deliveryTickets": [
        {
            "id": 77001,
            "number": "LB-4411",
            "description": "Levering 1",
            "price": "8000.00",
            "isProcessed": True,
            "purchaseTypeName": "Inkooporder",
            "contract": {"id": 90417},
        },
        {
            "id": 77002,
            "number": "LB-4412",
            "description": None,
            "price": "4500.00",
            "isProcessed": False,
            "purchaseTypeName": "Inkooporder",
            "contract": {"id": 90417},
        },
    ],
}
#: A ContactListItem (subcontractor), as the live API answers it.
CONTACT = {
    "id": 3551202,
    "name": "Tegelzetbedrijf Jansen",
    "streetName": "Molenweg",
    "houseNumber": "3",
    "zipCode": "5262AB",
    "city": "Vught",
    "countryCode": "NL",
    "emailAddress": "info@jansen.example",
    "phoneNumber": None,
    "mobilePhoneNumber": "06 12345678",
    "vatNumber": "NL005678901B01",
    "iban": "NL44RABO0987654321",
    "debtorNumber": None,
    "type": {"id": 3, "name": "subcontractor"},
    "updatedAt": "2025-02-11T10:00:00+01:00",
}


def inbound(entity: str, row: dict[str, Any]) -> dict[str, Any]:
    connection = Connection(
        name="bouw",
        system="exact-bouw",
        settings={"application": "app"},
        secrets={"api_key": "key"},
    )
    spec = connector.default_mapping(connection, entity, Direction.INBOUND)
    return dict(compile_mapping(spec, name=entity).apply(row, record_id=str(row["id"])))


def test_contract_with_its_tickets_becomes_a_commitment_with_lines() -> None:
    commitment = structure(inbound("commitments", CONTRACT), Commitment)
    assert (commitment.code, commitment.project, commitment.supplier) == (
        "20251.00062IO001",
        "20251.00062",
        "2227585",
    )
    assert commitment.delivery_notes == ("LB-4411", "LB-4412")
    assert (commitment.amount, commitment.open_amount) == (Decimal("12500.00"), Decimal("4500.00"))
    done, open_line = commitment.lines
    assert (done.handled, done.open_amount, done.amount) == (True, 0, Decimal("8000.00"))
    assert (open_line.handled, open_line.open_amount) == (False, Decimal("4500.00"))
    assert commitment.cost_centre == "32.20" and commitment.administration == "2007"
    assert commitment.modified_at is not None and commitment.modified_at.utcoffset() is not None
    assert not commitment.handled


def test_contract_without_a_name_is_described_by_its_description_as_plain_text() -> None:
    commitment = structure(inbound("commitments", CONTRACT), Commitment)
    assert commitment.description == "Kozijnen fase 2"


def test_contract_without_project_supplier_or_tickets_still_maps() -> None:
    bare = {**CONTRACT, "project": None, "supplier": None, "deliveryTickets": [], "name": "Huur"}
    commitment = structure(inbound("commitments", bare), Commitment)
    assert commitment.project is None and commitment.supplier is None
    assert commitment.lines == () and commitment.delivery_notes == () and not commitment.handled
    assert commitment.description == "Huur"


def test_contact_becomes_a_creditor_relation_with_its_address() -> None:
    relation = structure(inbound("relations", CONTACT), Relation)
    assert relation.kind is RelationKind.CREDITOR and relation.number == "3551202"
    assert relation.phone == "06 12345678" and relation.email == "info@jansen.example"
    assert relation.address is not None and relation.address.postcode == "5262AB"


def test_customer_contact_is_a_debtor_with_its_debtor_number() -> None:
    customer = {**CONTACT, "type": {"id": 7, "name": "customer"}, "debtorNumber": "20001"}
    relation = structure(inbound("relations", customer), Relation)
    assert relation.kind is RelationKind.DEBTOR and relation.number == "20001"


def test_plain_text_drops_tags_keeps_words_apart_and_decodes_entities() -> None:
    assert plain_text("<p>Gevel&nbsp;&amp; dak</p><p>fase&nbsp;2<br>west</p>") == (
        "Gevel & dak fase 2 west"
    )
    assert plain_text("<p> </p>") is None and plain_text(None) is None
