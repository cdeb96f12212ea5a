"""Customers: matching by e-mail, company or person debtor, and the default debtor."""

from __future__ import annotations

import re

import attrs

from koppel.errors import ValidationError
from koppel.records import Contact, Customer, Order, evolve

__all__ = ["CustomerSettings", "debtor_for_order", "email_key", "shape_debtor"]

# Deliberately loose: one @, something on both sides, no spaces. Mail servers decide the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def email_key(email: str | None) -> str | None:
    """The match key for an e-mail address: trimmed and case-folded; None when empty.

    >>> email_key("  Jan.Jansen@Example.NL ")
    'jan.jansen@example.nl'

    :raises ValidationError: when the text is not an e-mail address.
    """
    if email is None or not (text := email.strip()):
        return None
    key = text.casefold()
    if not _EMAIL.match(key):
        raise ValidationError(f"{text!r} is not an e-mail address", field="email")
    return key


@attrs.frozen(kw_only=True)
class CustomerSettings:
    """Customer settings of an order flow.

    With ``default_debtor`` (a debtor number in the target) every order goes to
    that one debtor and no customer is looked up or created.
    """

    default_debtor: str | None = None


def _person_name(customer: Customer) -> str | None:
    """The contact's name, else its first and last name, else the customer's name: the first
    that is not blank and not the company's name, trimmed."""
    company = (customer.company_name or "").strip()
    contact = customer.contact
    if contact is not None:
        name = _name_besides(contact.name, company)
        if name is None:
            parts = (contact.first_name, contact.last_name)
            name = _name_besides(" ".join(p for p in parts if p), company)
        if name is not None:
            return name
    return _name_besides(customer.name, company)


def _name_besides(name: str | None, company: str) -> str | None:
    """``name`` trimmed, or None when it is blank or the company's name."""
    if name and (name := name.strip()) and name != company:
        return name
    return None


def shape_debtor(customer: Customer) -> Customer:
    """The debtor to create or update for a source customer.

    With a company name it is a company debtor named after the company, with
    the person as its contact; without one it is a person debtor named after
    the person, without a contact. The e-mail address becomes its match key
    form (:func:`email_key`). A customer that already is that debtor comes back
    as it is, not copied (this runs for every order).

    :raises ValidationError: when the record names neither a company nor a person.
    """
    email = email_key(customer.email or (customer.contact.email if customer.contact else None))
    person = _person_name(customer)
    if customer.is_company:
        company = (customer.company_name or "").strip()
        contact = customer.contact or Contact()
        # the contact's own address when it has one; the same as the customer's is already keyed
        same = contact.email == customer.email
        contact_email = email if same else email_key(contact.email) or email
        if (contact.name, contact.email) != (person, contact_email):
            contact = evolve(contact, name=person, email=contact_email)
        shaped: tuple[str | None, str | None, Contact | None, str | None] = (
            company,
            company,
            contact,
            email,
        )
    else:
        if person is None:
            raise ValidationError(
                "customer has neither a company name nor a person's name",
                record=customer.id or customer.email,
                entity="customers",
                field="name",
            )
        shaped = (person, None, None, email)
    if (customer.name, customer.company_name, customer.contact, customer.email) == shaped:
        return customer
    name, company_name, debtor_contact, email = shaped
    return evolve(
        customer, name=name, company_name=company_name, contact=debtor_contact, email=email
    )


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
