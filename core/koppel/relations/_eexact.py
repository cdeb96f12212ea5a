"""Exact Online's XML import format for relations (topic Accounts, the eExact schema).

The elements and attributes written, each with where it was read (:data:`SOURCES`);
what no source shows is :data:`ASSUMED` and listed in docs/relations.md::

    <?xml version="1.0" encoding="utf-8"?>
    <eExact xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
            xsi:noNamespaceSchemaLocation="eExact-Schema.xsd">       (EXACT_SCHEMA)
      <Accounts>                                                       (EXACT_FIELDS)
        <Account code="10001" status="C">   code mandatory (EXACT_FIELDS), at most 18
                                            characters, status C = customer (COACHVIEW)
          <Name>...</Name>                                             (EXACT_FIELDS)
          <Phone/> <Email/> <VATNumber/>                               (ASSUMED)
          <IsSupplier>1</IsSupplier>        creditors only             (ASSUMED)
          <Addresses>
            <Address type="INV" default="1">                           (COACHVIEW)
              <AddressLine1/> <PostalCode/> <City/>                    (COACHVIEW)
              <Country code="NL"/>          code mandatory (EXACT_FIELDS), ISO 2 letters
            </Address>
          </Addresses>
          <Contacts>
            <Contact default="1">           default mandatory (EXACT_FIELDS)
              <FirstName/> <LastName/> <Email/>   (COACHVIEW: FirstName; the rest ASSUMED)
            </Contact>
          </Contacts>
        </Account>
      </Accounts>
    </eExact>
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from koppel.errors import ValidationError
from koppel.sandbox import Source

__all__ = [
    "ASSUMED",
    "COACHVIEW",
    "CODE_LENGTH",
    "EXACT_FIELDS",
    "EXACT_SCHEMA",
    "SOURCES",
    "account_problems",
    "accounts_document",
    "check_document",
    "codes",
]

EXACT_FIELDS = Source(
    "productupdates.exact.com/docs/DocView.aspx?DocumentID={9afa6518-6878-42b5-8ac9-"
    "d8e912369cb9} 'Mandatory fields and XML file formats', Accounts: Account@code "
    "mandatory, Account@status, Name, Addresses/Address@type, AddressLine1, City, "
    "Country@code mandatory, Contacts/Contact@default mandatory",
    "2026-11-25",
)
EXACT_SCHEMA = Source(
    "exactsoftware.com/docs/DocView.aspx?DocumentID={ee0dbe5f-8468-4c2b-a128-1742e1298389} "
    "'How to map a XML file to the Exact Schema': schema eExact-Schema.xsd, root element eExact",
    "2026-11-25",
)
COACHVIEW = Source(
    "support.coachview.net/en/support/solutions/articles/103000037778 'Link Exact Online: "
    "mapping fields Coachview to Exact Online' (an Exact Online XML link): Account@code at "
    "most 18 characters, Account@status A/S/P/C (C = customer), Address@type INV, "
    "Address@default 1, AddressLine1..3, PostalCode, City, Country@code, Contact FirstName",
    "2026-11-25",
)
ASSUMED = Source(
    "assumption of koppel: seen in public eExact files, not in Exact's documentation "
    "(docs/relations.md, What is assumed)",
    "2026-11-25",
)
#: Element or attribute -> where it was read.
SOURCES: Mapping[str, Source] = {
    "eExact": EXACT_SCHEMA,
    "Accounts/Account@code": EXACT_FIELDS,
    "Account@status": COACHVIEW,
    "Account/Name": EXACT_FIELDS,
    "Account/Phone": ASSUMED,
    "Account/Email": ASSUMED,
    "Account/VATNumber": ASSUMED,
    "Account/IsSupplier": ASSUMED,
    "Address@type": COACHVIEW,
    "Address/AddressLine1": COACHVIEW,
    "Address/PostalCode": COACHVIEW,
    "Address/City": COACHVIEW,
    "Address/Country@code": EXACT_FIELDS,
    "Contact@default": EXACT_FIELDS,
    "Contact/FirstName": COACHVIEW,
    "Contact/LastName": ASSUMED,
    "Contact/Email": ASSUMED,
}
#: The longest account code Exact Online takes (COACHVIEW).
CODE_LENGTH = 18
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def account_problems(relation: Mapping[str, Any]) -> list[str]:
    """Why Exact would refuse ``relation`` (a canonical relation) as an account; empty
    when nothing is wrong."""
    problems = []
    number = str(relation.get("number") or "").strip()
    kind = relation.get("kind") or "debtor"
    if not number:
        problems.append(f"has no {kind} number (Account code is mandatory)")
    elif len(number) > CODE_LENGTH:
        problems.append(
            f"{kind} number {number!r} is longer than {CODE_LENGTH} characters (Account code)"
        )
    if not _name(relation):
        problems.append("has no name (Account Name is mandatory)")
    country = (relation.get("address") or {}).get("country")
    if country and not _COUNTRY.match(str(country)):
        problems.append(f"country {country!r} is no ISO 3166 code of two letters (Country code)")
    return problems


def accounts_document(relations: Iterable[Mapping[str, Any]]) -> bytes:
    """The eExact document with one ``Account`` per relation (none: an empty
    ``Accounts``), checked by :func:`check_document`."""
    root = ET.Element("eExact", {f"{{{_XSI}}}noNamespaceSchemaLocation": "eExact-Schema.xsd"})
    accounts = ET.SubElement(root, "Accounts")
    for relation in relations:
        accounts.append(_account(relation))
    ET.register_namespace("xsi", _XSI)
    ET.indent(root)  # one element a line: support reads these files
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    check_document(document)
    return document


def check_document(document: bytes) -> int:
    """Check that ``document`` is a well-formed eExact accounts file with every mandatory
    element and attribute; returns how many accounts it holds.

    :raises ValidationError: naming the account and what is missing.
    """
    try:
        root = SafeET.fromstring(document)
    except SafeET.ParseError as exc:
        raise ValidationError(f"the eExact file is not well-formed XML: {exc}") from None
    except DefusedXmlException as exc:
        raise ValidationError(
            f"the eExact file is not well-formed XML: {type(exc).__name__}: {exc}"
        ) from None
    if root.tag != "eExact" or root.find("Accounts") is None:
        raise ValidationError("the eExact file has no eExact/Accounts element")
    accounts = root.findall("Accounts/Account")
    for index, account in enumerate(accounts, 1):
        code = (account.get("code") or "").strip()
        where = f"Account {index} (code {code!r})"
        if not code or len(code) > CODE_LENGTH:
            raise ValidationError(f"{where}: code must be 1 to {CODE_LENGTH} characters")
        if not (account.findtext("Name") or "").strip():
            raise ValidationError(f"{where}: Name is mandatory")
        for country in account.iter("Country"):
            if not country.get("code"):
                raise ValidationError(f"{where}: Country needs its code")
        for contact in account.iter("Contact"):
            if contact.get("default") not in ("0", "1"):
                raise ValidationError(f"{where}: Contact needs default 1 or 0")
    return len(accounts)


def _name(relation: Mapping[str, Any]) -> str:
    return str(relation.get("company_name") or relation.get("name") or "").strip()


def _account(relation: Mapping[str, Any]) -> ET.Element:
    attributes = {"code": str(relation["number"]).strip()}
    creditor = relation.get("kind") == "creditor"
    if not creditor:
        attributes["status"] = "C"
    account = ET.Element("Account", attributes)
    _text(account, "Name", _name(relation))
    _text(account, "Phone", relation.get("phone"))
    _text(account, "Email", relation.get("email"))
    _text(account, "VATNumber", relation.get("vat_number"))
    if creditor:
        _text(account, "IsSupplier", "1")
    address = relation.get("address") or {}
    if any(address.get(k) for k in ("street", "postcode", "city", "country")):
        holder = ET.SubElement(account, "Addresses")
        element = ET.SubElement(holder, "Address", {"type": "INV", "default": "1"})
        street = " ".join(
            str(address[k])
            for k in ("street", "house_number", "house_number_addition")
            if address.get(k)
        )
        _text(element, "AddressLine1", street)
        _text(element, "PostalCode", address.get("postcode"))
        _text(element, "City", address.get("city"))
        if address.get("country"):
            ET.SubElement(element, "Country", {"code": str(address["country"])})
    contact = relation.get("contact") or {}
    if relation.get("company_name") and (contact.get("first_name") or contact.get("last_name")):
        holder = ET.SubElement(account, "Contacts")
        element = ET.SubElement(holder, "Contact", {"default": "1"})
        _text(element, "FirstName", contact.get("first_name"))
        _text(element, "LastName", contact.get("last_name") or contact.get("name"))
        _text(element, "Email", contact.get("email"))
    return account


def _text(parent: ET.Element, tag: str, value: Any) -> None:
    if value not in (None, ""):
        ET.SubElement(parent, tag).text = str(value)


def codes(document: bytes) -> Sequence[str]:
    """The account codes of an eExact document, in order (for tests and the CLI)."""
    root = SafeET.fromstring(document)
    return [a.get("code", "") for a in root.findall("Accounts/Account")]
