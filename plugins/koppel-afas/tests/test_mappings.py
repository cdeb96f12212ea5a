"""The shipped mappings on GetConnector rows in AFAS's answer shape (numbers as JSON
numbers, date-times in Amsterdam time with a Z), and the canonical records they make."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from koppel.mapping import compile_mapping, packaged_mapping
from koppel.records import Commitment, Product, Relation, RelationKind, structure
from koppel_afas.functions import AMSTERDAM, FUNCTIONS, afas_time
from koppel_afas.resources import Relations


def mapping(name: str) -> Any:
    spec = packaged_mapping("koppel_afas", name)
    assert spec is not None
    return compile_mapping(spec, name=f"afas/{name}", functions=FUNCTIONS)


COMMITMENT = {
    "CommitmentId": "000042",
    "Administration": 1,
    "Code": "VPL-2024-00042",
    "InternalReference": "IO-24042",
    "ExternalReference": "PO-381022",
    "CreditorId": "20003",
    "CreditorName": "Bouwbedrijf Van der Berg",
    "GlAccount": "4500",
    "Project": "P-2024-002",
    "CostCentre": "KP200",
    "Description": "Steigerhuur week 12",
    "Amount": 12500.0,
    "OpenAmount": 4375.25,
    "Currency": "EUR",
    "Status": "Deels ontvangen",
    "Handled": False,
    "ModifiedDate": "2024-03-18T14:05:09Z",
}


def test_commitment_row_becomes_a_commitment_with_its_open_amount() -> None:
    commitment = structure(mapping("commitments.inbound.toml").apply(COMMITMENT), Commitment)
    assert commitment.code == "VPL-2024-00042" and commitment.administration == "1"
    assert (commitment.amount, commitment.open_amount) == (Decimal("12500.0"), Decimal("4375.25"))
    assert (commitment.supplier, commitment.gl_account, commitment.cost_centre) == (
        "20003",
        "4500",
        "KP200",
    )
    assert commitment.modified_at == datetime(2024, 3, 18, 14, 5, 9, tzinfo=AMSTERDAM)
    assert not commitment.handled and commitment.lines == ()


def test_afas_time_reads_the_z_as_amsterdam_time() -> None:
    moment = afas_time("2024-07-01T12:00:00Z")
    assert moment is not None and moment.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]


ORGANISATION = {
    "_id": "debtor:10001",
    "_kind": "debtor",
    "_number": "10001",
    "DebtorId": "10001",
    "OrgPersonCode": "1001",
    "IsPerson": False,
    "Name": "Koffiehuis De Boon B.V.",
    "FirstName": None,
    "LastName": None,
    "ContactFirstName": "Pieter",
    "ContactLastName": "de Boer",
    "ContactEmail": "pieter@koffiehuisdeboon.nl",
    "Email": "inkoop@koffiehuisdeboon.nl",
    "Phone": "033-4341800",
    "VatNumber": "NL812345678B01",
    "Iban": "NL91ABNA0417164300",
    "Street": "Stadsring",
    "HouseNumber": 69,
    "HouseNumberAddition": None,
    "PostalCode": "3811 HN",
    "City": "Amersfoort",
    "Country": "NL",
    "Currency": "EUR",
    "Blocked": False,
    "ModifiedDate": "2024-03-01T08:07:00Z",
}


def test_organisation_row_becomes_a_company_relation_with_its_contact() -> None:
    relation = structure(mapping("relations.inbound.toml").apply(ORGANISATION), Relation)
    assert (relation.kind, relation.number, relation.company_name) == (
        RelationKind.DEBTOR,
        "10001",
        "Koffiehuis De Boon B.V.",
    )
    assert relation.contact is not None and relation.contact.name == "Pieter de Boer"
    assert relation.contact.email == "pieter@koffiehuisdeboon.nl"
    assert relation.address is not None and relation.address.house_number == "69"


def test_person_row_becomes_a_relation_without_company() -> None:
    person = {
        **ORGANISATION,
        "IsPerson": True,
        "Name": "Eva de Wit",
        "FirstName": "Eva",
        "LastName": "de Wit",
        "ContactFirstName": None,
        "ContactLastName": None,
        "ContactEmail": None,
        "Email": "eva@example.nl",
    }
    relation = structure(mapping("relations.inbound.toml").apply(person), Relation)
    assert relation.company_name is None and relation.name == "Eva de Wit"
    assert relation.contact is not None and (
        relation.contact.first_name,
        relation.contact.last_name,
    ) == ("Eva", "de Wit")


def test_relation_outbound_is_the_payload_find_answers() -> None:
    relation = mapping("relations.inbound.toml").apply(ORGANISATION)
    payload = mapping("relations.outbound.toml").apply(relation)
    assert payload == {
        "_kind": "debtor",
        "_person": False,
        "number": "10001",
        "Nm": "Koffiehuis De Boon B.V.",
        "EmAd": "inkoop@koffiehuisdeboon.nl",
        "TeNr": "033-4341800",
        "VaId": "NL812345678B01",
        "Iban": "NL91ABNA0417164300",
        "Ad": "Stadsring",
        "HmNr": 69,
        "ZpCd": "3811 HN",
        "Rs": "Amersfoort",
        "CoId": "NL",
    }
    assert payload == Relations.as_payload(ORGANISATION)  # so an unchanged relation is skipped


def test_article_row_becomes_a_product() -> None:
    row = {
        "ItemCode": "AV-1003",
        "Description": "Melkopschuimer",
        "ExtraDescription": None,
        "Barcode": "871234501003",
        "Unit": "stk",
        "ArticleGroup": "HORECA",
        "SalesPrice": 14.25,
        "VatGroup": "HOOG",
        "VatRate": 21.0,
        "Blocked": True,
        "ModifiedDate": "2024-03-01T09:00:00Z",
    }
    product = structure(mapping("products.inbound.toml").apply(row), Product)
    assert (product.sku, product.ean, product.price_excl_vat, product.vat_rate) == (
        "AV-1003",
        "871234501003",
        Decimal("14.25"),
        Decimal("21.0"),
    )
    assert product.active is False
