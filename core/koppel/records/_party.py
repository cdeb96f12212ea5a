"""Parties: addresses, contacts, customers (debtors) and relations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs


@attrs.frozen(kw_only=True)
class Address:
    """A postal address; ``country`` is an ISO 3166-1 alpha-2 code such as ``"NL"``."""

    street: str | None = None
    house_number: str | None = None
    house_number_addition: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    name: str | None = None


@attrs.frozen(kw_only=True)
class Contact:
    """A person: the contact of a company debtor, or the debtor itself."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


@attrs.frozen(kw_only=True)
class Customer:
    """A customer (*debiteur*): a company with a contact person, or a person.

    A record with ``company_name`` is a company debtor whose ``contact`` is the
    person; without one it is a person debtor.
    """

    id: str | None = None
    name: str | None = None
    company_name: str | None = None
    contact: Contact | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    debtor_number: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    payment_terms: str | None = None
    currency: str | None = None
    custom: dict[str, Any] = attrs.field(factory=dict)

    @property
    def is_company(self) -> bool:
        """True for a company debtor, false for a person debtor."""
        return bool(self.company_name and self.company_name.strip())


class RelationKind(enum.StrEnum):
    """Which side of the ledger a relation is on."""

    DEBTOR = "debtor"
    CREDITOR = "creditor"


@attrs.frozen(kw_only=True)
class Relation:
    """A CRM relation pushed to accounting as a debtor or creditor (*relatie*)."""

    id: str | None = None
    kind: RelationKind = RelationKind.DEBTOR
    number: str | None = None
    name: str | None = None
    company_name: str | None = None
    contact: Contact | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    iban: str | None = None
    address: Address | None = None
    modified_at: datetime | None = None
    custom: dict[str, Any] = attrs.field(factory=dict)
