"""Terms of payment are read from ``/v2/termsofpayments``, the path of the official v2 spec."""

from __future__ import annotations

import pytest

from koppel.errors import KoppelError
from koppel.mapping import compile_mapping
from koppel.sync import Action, Connection, Direction
from koppel_eaccounting.functions import FUNCTIONS
from koppel_eaccounting.plugin import connector as plugin
from koppel_eaccounting.sandbox import EAccountingSandbox

from .conftest import client_of


def test_terms_of_payment_customer_create_resolves_them_at_termsofpayments(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    customer = {
        "email": "nieuw@example.nl",
        "name": "Nieuw BV",
        "payment_terms": "14",
        "billing_address": {"street": "Kade 1", "postcode": "1011 AB", "city": "Amsterdam"},
    }
    spec = plugin.default_mapping(
        connection=connection, entity="customers", direction=Direction.OUTBOUND
    )
    payload = compile_mapping(spec, functions=FUNCTIONS).apply(customer, action=Action.CREATE)
    result = plugin.upsert(
        connection=connection,
        entity="customers",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )
    created = sandbox.store["customers"].get(result.target_id)
    assert created["TermsOfPayment"]["NumberOfDays"] == 14
    assert sandbox.count("GET", "/v2/termsofpayments") == 1
    assert sandbox.count("GET", "/v2/termsofpayment") == 0


def test_terms_of_payment_singular_path_is_not_served(connection: Connection) -> None:
    client = client_of(connection)
    assert len(list(client.pages("termsofpayments"))) == 4
    with pytest.raises(KoppelError):
        client.get("termsofpayment")
