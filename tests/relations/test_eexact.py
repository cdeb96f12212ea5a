"""Exact Online's eExact accounts file: written, checked, read back with a safe parser."""

from __future__ import annotations

from typing import Any

import pytest
from defusedxml import ElementTree

from koppel.errors import ValidationError
from koppel.relations import account_problems, accounts_document, check_document

XSI = "{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation"
COMPANY: dict[str, Any] = {
    "id": "1001:debtor",
    "kind": "debtor",
    "number": "10000",
    "name": "Feestfabriek Noord",
    "company_name": "Feestfabriek Noord",
    "email": "info@feestfabriek.example",
    "phone": "050 1234567",
    "vat_number": "NL123456789B01",
    "contact": {"first_name": "Anna", "last_name": "de Vries", "email": "anna@example.nl"},
    "address": {
        "street": "Marktstraat",
        "house_number": "12",
        "postcode": "9711AB",
        "city": "Groningen",
        "country": "NL",
    },
}
SUPPLIER: dict[str, Any] = {"kind": "creditor", "number": "70007", "name": "Catering Smakelijk"}


def test_eexact_document_holds_one_account_per_relation() -> None:
    document = accounts_document([COMPANY, SUPPLIER])
    root = ElementTree.fromstring(document)
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert root.tag == "eExact" and root.get(XSI) == "eExact-Schema.xsd"
    company, supplier = root.findall("Accounts/Account")
    assert company.attrib == {"code": "10000", "status": "C"}
    assert company.findtext("Name") == "Feestfabriek Noord"
    assert company.findtext("VATNumber") == "NL123456789B01"
    address = company.find("Addresses/Address")
    assert address is not None and address.attrib == {"type": "INV", "default": "1"}
    assert address.findtext("AddressLine1") == "Marktstraat 12"
    assert address.find("Country").get("code") == "NL"
    contact = company.find("Contacts/Contact")
    assert contact is not None and contact.get("default") == "1"
    assert (contact.findtext("FirstName"), contact.findtext("LastName")) == ("Anna", "de Vries")
    assert supplier.attrib == {"code": "70007"} and supplier.findtext("IsSupplier") == "1"
    assert supplier.find("Addresses") is None and supplier.find("Contacts") is None
    assert check_document(document) == 2


def test_eexact_document_without_relations_is_an_empty_accounts() -> None:
    root = ElementTree.fromstring(accounts_document([]))
    accounts = root.find("Accounts")
    assert accounts is not None and list(accounts) == []


def test_eexact_escapes_text() -> None:
    document = accounts_document([{**SUPPLIER, "name": "Bakker & Zn <B.V.>"}])
    root = ElementTree.fromstring(document)
    assert root.findtext("Accounts/Account/Name") == "Bakker & Zn <B.V.>"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"number": None}, "has no debtor number (Account code is mandatory)"),
        ({"number": "1" * 19}, "is longer than 18 characters (Account code)"),
        ({"name": " ", "company_name": None}, "has no name (Account Name is mandatory)"),
        ({"address": {"country": "Nederland"}}, "country 'Nederland' is no ISO 3166 code"),
    ],
)
def test_eexact_problems_name_what_exact_refuses(change: dict[str, Any], problem: str) -> None:
    found = account_problems({**COMPANY, **change})
    assert len(found) == 1 and problem in found[0]


def test_eexact_a_good_relation_has_no_problem() -> None:
    assert account_problems(COMPANY) == [] and account_problems(SUPPLIER) == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<eExact><Accounts>", "not well-formed XML"),
        (b"<eExact/>", "no eExact/Accounts"),
        (
            b"<eExact><Accounts><Account code=''><Name>A</Name></Account></Accounts></eExact>",
            "code must be 1 to 18 characters",
        ),
        (b"<eExact><Accounts><Account code='1'/></Accounts></eExact>", "Name is mandatory"),
        (
            b"<eExact><Accounts><Account code='1'><Name>A</Name><Addresses><Address>"
            b"<Country/></Address></Addresses></Account></Accounts></eExact>",
            "Country needs its code",
        ),
        (
            b"<eExact><Accounts><Account code='1'><Name>A</Name><Contacts><Contact/>"
            b"</Contacts></Account></Accounts></eExact>",
            "Contact needs default",
        ),
    ],
)
def test_eexact_check_refuses_a_document_exact_would_refuse(document: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_document(document)


def test_eexact_check_refuses_entities() -> None:
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><eExact><Accounts/></eExact>'
    with pytest.raises(ValidationError, match="not well-formed XML: EntitiesForbidden"):
        check_document(bomb)
