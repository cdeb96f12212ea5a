"""Request contracts: a sandbox route refuses what the real API refuses, in the API's own words."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from koppel.sandbox import (
    ApiContract,
    Contract,
    ContractRefused,
    Endpoint,
    Field,
    Sandbox,
    SandboxRequest,
    Source,
    Violation,
    facts_table,
    watch_contracts,
)
from koppel.testing import assert_no_violations, strict_contracts

SPEC = Source("https://shop.invalid/v2/openapi.json", "2025-01-15")
ROW = Contract(
    "Row",
    [
        Field("LineId", "guid", read_only=True),
        Field("ArticleNumber", "text", required=True, max_length=8),
        Field("Quantity", "decimal", required=True),
    ],
    source=SPEC,
)
ORDER = Contract(
    "Order",
    [
        Field("Id", "guid", read_only=True),
        Field("Number", "text", required=True, max_length=12),
        Field("Country", "text", max_length=3, width=3),
        Field("Status", "integer", enum=(1, 2, 3)),
        Field("OrderDate", "date"),
        Field("Paid", "boolean", nullable=False),
        Field("CustomerId", "guid"),
        Field("Delivery", "object", of=Contract("Address", [Field("City", "text")], source=SPEC)),
        Field("Rows", "list", of=ROW),
    ],
    source=SPEC,
)
QUERY = Contract("Query", [Field("validate", "boolean"), Field("top", "integer")], source=SPEC)
API = ApiContract(
    "shop",
    [
        Endpoint("POST", "/v2/orders", body=ORDER, query=QUERY, answer=ORDER, source=SPEC),
        Endpoint("PUT", "/v2/orders/{id}", body=ORDER.partial(read_only=["Number"]), source=SPEC),
        Endpoint("POST", "/v2/notes", body=Contract("Note", [], source=SPEC), source=SPEC),
    ],
)
CREATE = API.get("POST", "/v2/orders")


def create_with(**changes: Any) -> Endpoint:
    """The create endpoint, its body contract changed (``read_only="ignore"``, ...)."""
    return attrs.evolve(CREATE, body=attrs.evolve(ORDER, **changes))


GOOD = {"Number": "SO-1", "Rows": [{"ArticleNumber": "A-1", "Quantity": 2}]}


class ShopSandbox(Sandbox):
    """A plugin's sandbox: its API refuses with its own status and error body."""

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        errors = [{"Field": v.path, "Message": v.message} for v in violations]
        return httpx.Response(422, json={"ErrorCode": 4000, "Errors": errors})


def shop(box: Sandbox | None = None) -> tuple[Sandbox, list[Any]]:
    box = box or ShopSandbox("shop")
    received: list[Any] = []

    @box.route("POST", "/v2/orders", contract=CREATE)
    def create(request: SandboxRequest) -> Any:
        received.append(request.json)
        return ORDER.shape({**request.json, "Id": "9f1c5a44-1e55-4b0e-9d43-3c2d1f0a7b21"})

    @box.route("POST", "/v2/loose")
    def loose(request: SandboxRequest) -> Any:
        received.append(request.json)
        return {"ok": True}

    return box, received


def send(box: Sandbox, body: Any, path: str = "/v2/orders", **params: str) -> httpx.Response:
    with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
        return client.post(path, json=body, params=params)


def refused(body: Any, **params: str) -> tuple[list[dict[str, str]], list[Any]]:
    box, received = shop()
    answer = send(box, body, **params)
    assert answer.status_code == 422
    assert answer.json()["ErrorCode"] == 4000
    assert box.violations and all(v.refused for v in box.violations)
    return answer.json()["Errors"], received


def test_contract_refuses_unknown_field() -> None:
    errors, received = refused({**GOOD, "Colour": "red"})
    assert errors == [{"Field": "Colour", "Message": "Colour: not a field of Order"}]
    assert received == []


def test_contract_refuses_missing_required_field() -> None:
    errors, received = refused({"Rows": []})
    assert errors == [{"Field": "Number", "Message": "Number: is required"}]
    assert refused({**GOOD, "Number": None})[0] == errors  # null counts as missing
    assert received == []


def test_contract_refuses_read_only_field() -> None:
    errors, _ = refused({**GOOD, "Id": "9f1c5a44-1e55-4b0e-9d43-3c2d1f0a7b21"})
    assert errors == [{"Field": "Id", "Message": "Id: is read-only"}]


def test_contract_ignores_read_only_field_where_the_api_does() -> None:
    lenient = create_with(read_only="ignore")
    box = ShopSandbox("shop")
    received: list[Any] = []
    box.add_route("POST", "/v2/orders", lambda r: received.append(r.json) or {}, contract=lenient)
    answer = send(box, {**GOOD, "Id": "9f1c5a44-1e55-4b0e-9d43-3c2d1f0a7b21"})
    assert answer.status_code == 200
    assert received == [GOOD]  # the handler never sees what the API ignores
    assert [(v.kind, v.path, v.refused) for v in box.violations] == [("read_only", "Id", False)]


def test_contract_refuses_too_long_value() -> None:
    errors, _ = refused({**GOOD, "Number": "MARKETPLACE-000123"})
    assert errors == [{"Field": "Number", "Message": "Number: 18 characters, at most 12"}]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("Status", "1", "expected an integer, got '1'"),
        ("Status", True, "expected an integer, got true"),
        ("OrderDate", "15-01-2025", "expected a date, got '15-01-2025'"),
        ("OrderDate", "2025-02-30", "expected a date, got '2025-02-30'"),
        ("Paid", "yes", "expected a boolean, got 'yes'"),
        ("CustomerId", "42", "expected a guid, got '42'"),
        ("Number", 10042, "expected text, got 10042"),
        ("Rows", {"ArticleNumber": "A-1"}, "expected a list, got an object"),
        ("Delivery", "Utrecht", "expected an object, got 'Utrecht'"),
    ],
)
def test_contract_refuses_wrong_type(field: str, value: Any, expected: str) -> None:
    errors, _ = refused({**GOOD, field: value})
    assert errors == [{"Field": field, "Message": f"{field}: {expected}"}]


def test_contract_refuses_null_where_the_api_takes_none() -> None:
    errors, _ = refused({**GOOD, "Paid": None})
    assert errors == [{"Field": "Paid", "Message": "Paid: cannot be null"}]


def test_contract_refuses_value_outside_enum() -> None:
    errors, _ = refused({**GOOD, "Status": 7})
    assert errors == [{"Field": "Status", "Message": "Status: 7 is not one of 1, 2, 3"}]


def test_contract_names_the_path_of_a_nested_line_field() -> None:
    rows = [{"ArticleNumber": "A-1", "Quantity": 1}] * 2 + [{"ArticleNumber": "A-3"}]
    rows += [{"ArticleNumber": "A-4", "Quantity": "ten", "Unit": "pc"}]
    errors, _ = refused({**GOOD, "Rows": rows, "Delivery": {"City": 3}})
    assert errors == [
        {"Field": "Rows[2].Quantity", "Message": "Rows[2].Quantity: is required"},
        {"Field": "Rows[3].Quantity", "Message": "Rows[3].Quantity: expected a decimal, got 'ten'"},
        {"Field": "Rows[3].Unit", "Message": "Rows[3].Unit: not a field of Row"},
        {"Field": "Delivery.City", "Message": "Delivery.City: expected text, got 3"},
    ]


def test_contract_checks_query_parameters_as_text() -> None:
    box, _ = shop()
    assert send(box, GOOD, validate="true", top="50").status_code == 200
    errors, _ = refused(GOOD, top="many", debug="1")
    assert errors == [
        {"Field": "top", "Message": "top: expected an integer, got 'many'"},
        {"Field": "debug", "Message": "debug: not a field of Query"},
    ]


def test_contract_refuses_a_body_that_is_not_json_in_the_systems_words() -> None:
    box, _ = shop()
    with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
        answer = client.post("/v2/orders", content=b"{not json")
    assert answer.status_code == 422
    assert "not valid JSON" in answer.json()["Errors"][0]["Message"]
    assert box.violations[0].kind == "not_json"


def test_contract_default_refusal_is_a_neutral_problem() -> None:
    box, _ = shop(Sandbox("shop"))
    answer = send(box, {"Rows": [{"ArticleNumber": "A-1"}]}, top="x")
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Rows[0].Quantity: is required; Number: is required; "
        "top: expected an integer, got 'x'",
        "errors": [
            {"detail": "Rows[0].Quantity: is required", "pointer": "#/Rows/0/Quantity"},
            {"detail": "Number: is required", "pointer": "#/Number"},
            {"detail": "top: expected an integer, got 'x'", "parameter": "top"},
        ],
    }


def test_contract_good_request_reaches_the_handler_and_the_answer_is_padded() -> None:
    box, received = shop()
    answer = send(box, {**GOOD, "Country": "NL", "OrderDate": "2025-01-15T00:00:00Z"})
    assert answer.status_code == 200
    assert received == [{**GOOD, "Country": "NL", "OrderDate": "2025-01-15T00:00:00Z"}]
    assert answer.json()["Country"] == "NL "
    assert box.violations == []


def test_contract_shape_pads_nested_values_and_fills_nulls() -> None:
    padded = Contract("Unit", [Field("Code", "text", width=8)], source=SPEC)
    item = Contract(
        "Item",
        [Field("Vat", "text", width=3), Field("Units", "list", of=padded), Field("Note", "text")],
        source=SPEC,
    )
    record = {"Vat": "5", "Units": [{"Code": "stuk"}], "Extra": 1}
    assert item.shape(record) == {"Vat": "5  ", "Units": [{"Code": "stuk    "}], "Extra": 1}
    assert item.shape({"Vat": None}, nulls=True) == {"Vat": None, "Units": None, "Note": None}


def test_contract_route_without_a_contract_is_unaffected() -> None:
    box, received = shop()
    answer = send(box, {"anything": ["goes"]}, path="/v2/loose")
    assert answer.status_code == 200
    assert received == [{"anything": ["goes"]}]
    assert box.violations == []


def test_contract_of_another_route_is_refused_at_definition() -> None:
    with pytest.raises(ValueError, match="has the contract of POST /v2/orders"):
        Sandbox("shop").add_route("POST", "/v2/other", lambda r: {}, contract=CREATE)


def test_contract_partial_requires_nothing_and_freezes_named_fields() -> None:
    update = API.get("PUT", "/v2/orders/{id}")
    assert update.check({"Country": "BE"}, {}) == []
    assert [v.kind for v in update.check({"Number": "SO-2"}, {})] == ["read_only"]


def test_contract_match_finds_the_endpoint_of_a_concrete_path() -> None:
    assert API.match("put", "/v2/orders/17") is API.get("PUT", "/v2/orders/{id}")
    assert API.match("GET", "/v2/orders/17") is None


def test_contract_enforced_by_a_handler_that_serves_several_endpoints() -> None:
    box = ShopSandbox("shop")

    @box.route("PUT", "/v2/{collection}/{id}")
    def replace(request: SandboxRequest) -> Any:
        endpoint = API.match(request.method, request.path)
        assert endpoint is not None
        return box.enforce(endpoint, request).json

    with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
        assert client.put("/v2/orders/1", json={"Country": "BE"}).json() == {"Country": "BE"}
        answer = client.put("/v2/orders/1", json={"Number": "SO-2"})
    assert answer.status_code == 422
    assert answer.json()["Errors"] == [{"Field": "Number", "Message": "Number: is read-only"}]


def test_contract_enforce_value_checks_decoded_rows_with_their_path() -> None:
    box = ShopSandbox("shop")
    with pytest.raises(ContractRefused, match=r"SO_LINE\[1\]\.Quantity: is required"):
        box.enforce_value(ROW, {"ArticleNumber": "A-1"}, path="SO_LINE[1]", endpoint="POST /data")
    assert box.violations[0].endpoint == "POST /data"
    assert ("POST /data", "body:ArticleNumber") in box.contracts.exercised


def test_strict_contracts_catch_what_the_sandbox_ignores() -> None:
    box = ShopSandbox("shop")
    box.add_route("POST", "/v2/orders", lambda r: {}, contract=create_with(unknown="ignore"))
    broke = r"POST /v2/orders body: Colour: not a field"
    with pytest.raises(AssertionError, match=broke), strict_contracts():
        assert send(box, {**GOOD, "Colour": "red"}).status_code == 200  # lenient
    with strict_contracts(), watch_contracts() as log:
        send(box, GOOD)
    assert log.violations == []
    with pytest.raises(AssertionError, match="1 contract violation"):
        assert_no_violations(box)


def test_strict_contracts_fixture_fails_a_test_and_the_marker_allows_it(tmp_path: Path) -> None:
    tests = tmp_path / "test_strict.py"
    tests.write_text(
        textwrap.dedent(
            """
            import httpx
            import pytest
            from koppel.sandbox import Contract, Endpoint, Field, Sandbox, Source

            SPEC = Source("https://shop.invalid", "2025-01-15")
            THING = Contract("Thing", [Field("name", "text")], source=SPEC, unknown="ignore")

            @pytest.fixture(autouse=True)
            def _strict(koppel_strict_contracts):
                pass

            def post(body):
                box = Sandbox("shop")
                endpoint = Endpoint("POST", "/things", body=THING, source=SPEC)
                box.add_route("POST", "/things", lambda request: {}, contract=endpoint)
                with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
                    return client.post("/things", json=body).status_code

            def test_breaks():
                assert post({"colour": "red"}) == 200

            @pytest.mark.allow_contract_violations
            def test_breaks_on_purpose():
                assert post({"colour": "red"}) == 200

            def test_keeps():
                assert post({"name": "cup"}) == 200
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", tests],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "3 passed, 1 error" in run.stdout, run.stdout
    assert "ERROR at teardown of test_breaks " in run.stdout
    assert "POST /things body: colour: not a field of Thing (ignored by the API)" in run.stdout


def test_unexercised_lists_endpoints_never_called_and_fields_never_sent() -> None:
    box, _ = shop()
    send(box, {**GOOD, "Delivery": {"City": "Utrecht"}}, top="5")
    assert box.unexercised() == [
        "POST /v2/orders: body Country never sent",
        "POST /v2/orders: body Status never sent",
        "POST /v2/orders: body OrderDate never sent",
        "POST /v2/orders: body Paid never sent",
        "POST /v2/orders: body CustomerId never sent",
        "POST /v2/orders: query validate never sent",
    ]
    assert box.unexercised(API)[-2:] == [
        "PUT /v2/orders/{id}: never called",
        "POST /v2/notes: never called",
    ]


def test_contract_facts_carry_their_source_and_are_checked_when_declared() -> None:
    assert str(SPEC) == "https://shop.invalid/v2/openapi.json (read 2025-01-15)"
    assert ORDER.field("Number").max_length == 12
    assert (ORDER.field("Country").source or ORDER.source) is SPEC
    with pytest.raises(ValueError, match="width is for text fields"):
        Field("Vat", "integer", width=3)
    with pytest.raises(ValueError, match="names a field twice"):
        Contract("Twice", [Field("a", "text"), Field("a", "text")], source=SPEC)
    with pytest.raises(KeyError, match="Order has no field 'Colour'"):
        ORDER.field("Colour")


def test_contract_facts_table_lists_every_field_with_its_source() -> None:
    own = Source("Shop API guide, section 4.2", "2025-02-01")
    api = ApiContract(
        "shop",
        [
            Endpoint(
                "POST",
                "/v2/notes",
                body=Contract(
                    "Note", [Field("Text", "text", max_length=50, source=own)], source=SPEC
                ),
                source=SPEC,
            ),
            CREATE,
        ],
    )
    table = facts_table(api).splitlines()
    assert table[2] == f"| POST /v2/notes | | | | | | | | {SPEC} |"
    assert table[3] == f"| POST /v2/notes | body | Text | text |  |  | 50 |  | {own} |"
    assert (
        f"| POST /v2/orders | body | Rows[].Quantity | decimal | yes |  |  |  | {SPEC} |" in table
    )
    assert f"| POST /v2/orders | body | Rows | list of Row |  |  |  |  | {SPEC} |" in table
    assert (
        f"| POST /v2/orders | answer | Country | text |  |  | 3 | answered 3 wide | {SPEC} |"
        in table
    )
