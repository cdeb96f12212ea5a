"""Customers: matching by e-mail, company or person debtor, and the default debtor."""

from __future__ import annotations

import re

import attrs

from koppel.errors import ValidationError
from koppel.records import Contact, Customer, Order

__all__ = ["CustomerSettings", "debtor_for_order", "email_key", "shape_debtor"]

# Deliberately loose: one @, something on both sides, no spaces. Mail servers decide the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def email_key(email: str | None) -> str | None:
    """The match key for an e-mail address: trimmed and case-folded; None when empty.

    >>> email_key("  Jan.Jansen@Example.NL ")
    'jan.jansen@example.nl'

    :raises ValidationError: when the text is not an e-mail address.
    """
    if email is None or not email.strip():
        return None
    key = email.strip().casefold()
    if not _EMAIL.match(key):
        raise ValidationError(f"{email.strip()!r} is not an e-mail address", field="email")
    return key


@attrs.frozen(kw_only=True)
class CustomerSettings:
    """Customer settings of an order flow.

    With ``default_debtor`` (a debtor number in the target) every order goes to
    that one debtor and no customer is looked up or created.
    """

    default_debtor: str | None = None


def _person_name(customer: Customer) -> str | None:
    contact = customer.contact
    candidates = [
        contact.name if contact else None,
        " ".join(p for p in (contact.first_name, contact.last_name) if p) if contact else None,
        customer.name,
    ]
    company = (customer.company_name or "").strip()
    candidates = [c for c in candidates if not company or (c or "").strip() != company]
    return next((c.strip() for c in candidates if c and c.strip()), None)


def shape_debtor(customer: Customer) -> Customer:
    """The debtor to create or update for a source customer.

    With a company name it is a company debtor named after the company, with
    the person as its contact; without one it is a person debtor named after
    the person, without a contact. The e-mail address becomes its match key
    form (:func:`email_key`).

    :raises ValidationError: when the record names neither a company nor a person.
    """
    email = email_key(customer.email or (customer.contact.email if customer.contact else None))
    person = _person_name(customer)
    if customer.is_company:
        company = (customer.company_name or "").strip()
        contact = customer.contact or Contact()
        contact = attrs.evolve(contact, name=person, email=email_key(contact.email) or email)
        return attrs.evolve(
            customer, name=company, company_name=company, contact=contact, email=email
        )
    if person is None:
        raise ValidationError(
            "customer has neither a company name nor a person's name",
            record=customer.id or customer.email,
            entity="customers",
            field="name",
        )
    shaped = (person, None, None, email)
    if (customer.name, customer.company_name, customer.contact, customer.email) == shaped:
        return customer  # already a person debtor: no copy (this runs for every record)
    return attrs.evolve(customer, name=person, company_name=None, contact=None, email=email)


def debtor_for_order(order: Order, settings: CustomerSettings | None = None) -> Customer:
    """The debtor an order is booked on: the default debtor, or the order's customer shaped.

    :raises ValidationError: when there is no default debtor and the order has no customer,
        or the customer names neither a company nor a person.
    """
    if settings is not None and settings.default_debtor:
        return Customer(debtor_number=settings.default_debtor, id=settings.default_debtor)
    if order.customer is None:
        raise ValidationError(
            "order has no customer and no default debtor is set",
            record=order.number or order.id,
            entity="orders",
            field="customer",
        )
    try:
        return shape_debtor(order.customer)
    except ValidationError as exc:
        exc.with_context(order=order.number or order.id)
        raise
