"""UpdateConnector bodies built from a flat mapped payload.

The outbound mappings give each native field by name (``Nm``, ``EmAd``, ``ZpCd``) with
a few helpers (``_kind``, ``_person``, ``number``); these functions place each field in
its object of AFAS's nested body ``{Connector: {"Element": {"Fields": {..}, "Objects":
[..]}}}`` (facts.BODIES), and leave out what is empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

__all__ = [
    "ADDRESS_FIELDS",
    "PARTY_FIELDS",
    "RELATION_FIELDS",
    "article_body",
    "element",
    "journal_body",
    "relation_body",
    "relation_connector",
    "sales_order_body",
]

#: Payload fields of the relation itself (KnSalesRelation*/KnPurchaseRelation* Fields).
RELATION_FIELDS = ("VaId", "Iban", "CuId", "PaCd")
#: Payload fields of the organisation or person (KnOrganisation/KnPerson Fields).
PARTY_FIELDS = ("Nm", "FiNm", "LaNm", "EmAd", "TeNr", "MbNr")
#: The party fields only one of the two has: an organisation a name, a person its names.
_ONLY = {"KnOrganisation": ("FiNm", "LaNm"), "KnPerson": ("Nm",)}
#: Payload fields of the address (KnBasicAddressAdr Fields).
ADDRESS_FIELDS = ("Ad", "HmNr", "HmAd", "ZpCd", "Rs", "CoId")


def _given(payload: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {n: payload[n] for n in names if payload.get(n) not in (None, "")}


def element(
    name: str, fields: Mapping[str, Any], objects: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """``{name: {"Element": {"Fields": fields, "Objects": objects}}}`` (no empty Objects)."""
    body: dict[str, Any] = {"Fields": dict(fields)}
    if objects:
        body["Objects"] = list(objects)
    return {name: {"Element": body}}


def relation_connector(kind: str, person: bool) -> str:
    """The UpdateConnector of a debtor or creditor, organisation or person."""
    side = "KnSalesRelation" if kind == "debtor" else "KnPurchaseRelation"
    return side + ("Per" if person else "Org")


def relation_body(
    payload: Mapping[str, Any],
    *,
    connector: str,
    key: str,
    number: str | None,
    code: str | None,
    today: date,
) -> dict[str, Any]:
    """The body of a relation: the relation's fields, its organisation or person (found
    by ``code``, its BcCo, when it exists; else always added anew with an automatic
    number) and its address.

    :param key: the relation's key field (``DbId``, ``CrId``); ``number`` its value, or
        None for a new relation AFAS numbers itself.
    """
    person = connector.endswith("Per")
    party_name = "KnPerson" if person else "KnOrganisation"
    fields = _given(payload, RELATION_FIELDS)
    if number is not None:
        fields[key] = number
    fields["IsDb" if key == "DbId" else "IsCr"] = True
    party: dict[str, Any] = {
        "PadAdr": True,
        "AutoNum": code is None,
        "MatchPer" if person else "MatchOga": ("0" if code else ("7" if person else "6")),
        **_given(payload, [f for f in PARTY_FIELDS if f not in _ONLY[party_name]]),
    }
    if code is not None:
        party["BcCo"] = code
    address = _given(payload, ADDRESS_FIELDS)
    objects = []
    if address:
        address = {"PbAd": False, "ResZip": False, "BeginDate": today.isoformat(), **address}
        objects.append(element("KnBasicAddressAdr", address))
    party_object = element(party_name, party, objects)
    return element(connector, fields, [party_object])


def article_body(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The body of an article (FbItemArticle): every given field of the payload."""
    return element("FbItemArticle", _given(payload, [k for k in payload if not k.startswith("_")]))


def sales_order_body(
    payload: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    connector: str = "FbSales",
) -> dict[str, Any]:
    """The body of a sales order (FbSales) or quotation (FbSalesQuotation) with its lines
    (FbSalesLines, FbSalesQuotationLines: several rows)."""
    fields = _given(payload, [k for k in payload if not k.startswith("_") and k != "Lines"])
    rows = [{"Fields": _given(line, [k for k in line if not k.startswith("_")])} for line in lines]
    objects = [{f"{connector}Lines": {"Element": rows}}]
    return {connector: {"Element": {"Fields": fields, "Objects": objects}}}


def journal_body(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The body of a journal entry: FiEntryPar (year, period, journal) with its lines
    (FiEntries, several rows)."""
    rows = [{"Fields": dict(line)} for line in lines]
    return {
        "FiEntryPar": {
            "Element": {"Fields": dict(header), "Objects": [{"FiEntries": {"Element": rows}}]}
        }
    }
