"""The client against the sandbox: login and token expiry, paging, HQL, required fields."""

from __future__ import annotations

import pytest

from koppel.errors import AuthError, ConfigurationError, RejectedError, ValidationError
from koppel.sandbox import ContractLog
from koppel.sync import Connection
from koppel_exact_bouw import facts, hql
from koppel_exact_bouw.auth import token_expiry
from koppel_exact_bouw.client import ExactBouwClient
from koppel_exact_bouw.plugin import connector
from koppel_exact_bouw.sandbox import TOKEN_LIFETIME, ExactBouwSandbox

LOGIN = ("POST", facts.LOGIN_PATH)


def test_client_logs_in_once_and_reads_every_page(
    client: ExactBouwClient, sandbox: ExactBouwSandbox
) -> None:
    rows = list(client.rows(facts.CONTRACTS))
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    assert len(rows) == 12
    assert sandbox.count("GET", facts.CONTRACTS.path) == 3  # pages of 5, 5 and 2
    assert sandbox.calls[LOGIN] == 1


def test_expired_token_is_refreshed_once_and_the_call_retried(
    client: ExactBouwClient, sandbox: ExactBouwSandbox
) -> None:
    list(client.rows(facts.CONTACTS))
    sandbox.expire_tokens()
    rows = list(client.rows(facts.CONTACTS))
    assert len(rows) == 8
    assert sandbox.calls[LOGIN] == 2
    assert sandbox.statuses[401] == 1


def test_token_is_renewed_before_its_exp_without_a_401(
    client: ExactBouwClient, sandbox: ExactBouwSandbox
) -> None:
    list(client.rows(facts.CONTACTS))
    sandbox.clock.sleep(TOKEN_LIFETIME - 30)  # inside the client's leeway
    list(client.rows(facts.CONTACTS))
    assert sandbox.calls[LOGIN] == 2
    assert sandbox.statuses[401] == 0


def test_token_expiry_reads_the_jwt_exp_or_falls_back() -> None:
    jwt = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3OTk5OTk5OTl9.c2ln"  # {"exp": 1799999999}
    assert token_expiry(jwt, now=0.0) == 1799999999.0
    assert token_expiry("opaque", now=100.0) == 100.0 + facts.TOKEN_FALLBACK_LIFETIME


def test_wrong_api_key_is_an_auth_error_with_the_api_message(connection: Connection) -> None:
    connection.secrets = {"api_key": "wrong"}
    with pytest.raises(AuthError, match="Invalid credentials"):
        list(connector.session(connection).client.rows(facts.CONTACTS))


def test_unmapped_field_in_q_is_refused_with_the_api_message(client: ExactBouwClient) -> None:
    with pytest.raises(RejectedError, match="colour is not a mapped field"):
        list(client.rows(facts.CONTACTS, [hql.condition("colour", "=", "blue")]))


def test_sandbox_answers_every_row_without_limit_as_the_live_api_does(
    client: ExactBouwClient,
) -> None:
    page = client.http.get("list/contacts", params={"q": 'name != ""'}).json()
    assert (len(page["items"]), page["count"], page["limit"], page["offset"]) == (8, 8, None, None)


def test_sandbox_refuses_a_purchase_invoice_without_its_required_fields(
    client: ExactBouwClient, koppel_strict_contracts: ContractLog
) -> None:
    with pytest.raises(RejectedError, match="invoiceNumber"):
        client.post("/purchase-invoice", {"contact": {"id": 4100}, "status": 0})
    kinds = {(v.kind, v.path) for v in koppel_strict_contracts.take()}
    assert ("missing", "invoiceNumber") in kinds and ("missing", "date") in kinds


def test_hql_reads_what_the_client_writes() -> None:
    q = hql.query(
        [hql.condition("number", "IN", ["LB1", 'a "b"']), "isProcessed = false"],
        ["updatedAt", "id"],
        50,
        100,
    )
    parsed = hql.parse(q, ("number", "isProcessed", "updatedAt", "id"))
    assert parsed.conditions == (
        hql.Condition("number", "IN", ("LB1", 'a "b"')),
        hql.Condition("isProcessed", "=", False),
    )
    assert (parsed.order, parsed.limit, parsed.offset) == (
        (("updatedAt", False), ("id", False)),
        50,
        100,
    )


def test_a_second_401_after_the_new_login_is_an_auth_error(
    client: ExactBouwClient, sandbox: ExactBouwSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    list(client.rows(facts.CONTACTS))
    monkeypatch.setattr("koppel_exact_bouw.sandbox.DEMO_API_KEY", "revoked")
    sandbox.expire_tokens()
    with pytest.raises(AuthError, match="login was refused: Invalid credentials"):
        list(client.rows(facts.CONTACTS))
    assert sandbox.calls[LOGIN] == 2  # logged in once more, not again and again


@pytest.mark.parametrize("size", [0, facts.MAX_PAGE_SIZE + 1])
def test_page_size_outside_the_api_limit_is_a_configuration_error(
    connection: Connection, size: int
) -> None:
    connection.settings = {**connection.settings, "page_size": size}
    with pytest.raises(ConfigurationError) as refused:
        connector.session(connection).client  # noqa: B018 - building the client checks it
    assert refused.value.context["path"] == "connections.exact-bouw-test.settings.page_size"


def test_sandbox_refuses_a_second_booking_of_a_processed_delivery_ticket(
    client: ExactBouwClient,
) -> None:
    line = {
        "description": "rest",
        "quantity": "1",
        "unitPrice": "1.00",
        "subTotal": "1.00",
        "vatTariffId": 11,
        "deliveryTicket": {"id": 530006},  # LB26006: booked and handled in the demo
    }
    invoice = {"invoiceNumber": "X-1", "contact": {"id": 4100}, "date": "2026-02-01"}
    with pytest.raises(RejectedError, match="LB26006 is already processed"):
        client.post("/purchase-invoice", {**invoice, "status": 0, "lines": [line]})


def test_a_row_changed_during_the_read_pushes_no_other_row_out(
    client: ExactBouwClient, sandbox: ExactBouwSandbox
) -> None:
    rows = client.rows(facts.CONTRACTS)
    first_page = [next(rows) for _ in range(5)]
    later = "2027-01-04T08:00:00+00:00"  # after every demo change
    sandbox.store["contracts"].update(str(first_page[0]["id"]), {"updatedAt": later})
    rest = list(rows)
    ids = [row["id"] for row in first_page + rest]
    assert set(ids) == {88000 + n for n in range(12)}  # none skipped
    assert ids[-1] == first_page[0]["id"]  # the changed one again, at the end


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("id =", "a value expected"),
        ("id 5", "an operator expected"),
        ('name = "a" OR id = 1', "AND expected"),
        ("LIMIT -1", "is no count"),
        ('name = "open', "cannot read"),
    ],
)
def test_hql_that_cannot_be_read_is_refused_naming_the_place(q: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        hql.parse(q, ("id", "name"))


def test_purchase_invoice_with_an_id_keeps_its_lines_and_refuses_leaving_one_out(
    client: ExactBouwClient, sandbox: ExactBouwSandbox
) -> None:
    document = client.get("/purchase-invoicing/purchase-invoice/61000")
    kept = [
        {
            "id": line["id"],
            **{
                k: line[k]
                for k in ("description", "quantity", "unitPrice", "subTotal", "vatTariffId")
            },
        }
        for line in document["lines"]
    ]
    header = {"invoiceNumber": "INK-26006", "contact": {"id": 4100}, "status": 4}
    saved = client.post(
        "/purchase-invoice", {**header, "id": 61000, "date": "2026-03-01", "lines": kept}
    )
    stored = sandbox.store["invoices"].get("61000")
    assert saved["id"] == 61000 and stored is not None
    assert (stored["date"], stored["status"]) == ("2026-03-01", 4)
    assert [line["id"] for line in saved["lines"]] == [line["id"] for line in kept]
    assert sandbox.store["tickets"].get("530006")["isProcessed"]  # bookings stay as they were
    with pytest.raises(RejectedError, match="line 72000 is booked and cannot be removed"):
        client.post("/purchase-invoice", {**header, "id": 61000, "date": "2026-03-01"})
    with pytest.raises(RejectedError, match="Purchase invoice 1 not found"):
        client.post("/purchase-invoice", {**header, "id": 1, "date": "2026-03-01"})
