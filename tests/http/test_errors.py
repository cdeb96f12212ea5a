"""Error responses: core reads neutral message shapes, a plugin's reader reads its own."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from koppel.errors import AuthError, RejectedError, UncertainOutcomeError
from koppel.http import (
    FakeClock,
    MemoryRateLimiter,
    RetryPolicy,
    api_message,
    build_client,
    limit_offset_pages,
    message_at,
    raise_for_status,
)
from koppel.sandbox import Sandbox, json_response

#: A system whose errors say what went wrong in ``Fault.Text`` (no standard puts it there).
FAULT = message_at("Fault.Text", "Fault.Code")


def answer(body: Any, status: int = 400) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, request=httpx.Request("GET", "https://x/y"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "about:blank", "title": "Bad Request", "detail": "name is too long"}, None),
        ({"title": "Bad Request"}, "Bad Request"),
        ({"error": "invalid_grant", "error_description": "code expired"}, "code expired"),
        ({"error": "invalid_grant"}, "invalid_grant"),
        ({"message": "name is too long"}, None),
        ({"Message": "name is too long"}, None),
        ({"error": {"message": "name is too long"}}, None),
        (b"name is too long", None),
        (b"<html><body>Bad Request</body></html>", "HTTP 400 Bad Request"),
    ],
)
def test_errors_neutral_shapes_give_the_message(body: Any, message: str | None) -> None:
    assert api_message(answer(body)) == (message or "name is too long")


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"code": "", "message": {"lang": "", "value": "x"}}},
        {"ErrorCode": 4000, "DeveloperErrorMessage": "x"},
        {"ErrorType": "E", "ErrorMessage": "x"},
        {"profitLogReference": "1", "externalMessage": "x"},
    ],
)
def test_errors_core_knows_no_vendor_shape(body: Any) -> None:
    assert api_message(answer(body)) == json.dumps(body)  # the body as it came


def test_errors_reader_comes_first_then_the_neutral_shapes() -> None:
    assert api_message(answer({"Fault": {"Text": "no such article"}}), FAULT) == "no such article"
    assert api_message(answer({"Fault": {"Code": "E42"}}), FAULT) == "E42"
    assert api_message(answer({"message": "plain"}), FAULT) == "plain"
    assert api_message(answer(b"not json"), FAULT) == "not json"


def fault_client(clock: FakeClock, **options: Any) -> httpx.Client:
    box = Sandbox("faulty", clock=clock)
    fault = {"Fault": {"Text": "no such article"}}
    box.add_route("GET", "/articles", lambda request: json_response(fault, 400))
    box.add_route("POST", "/articles", lambda request: json_response(fault, 503))
    box.add_route("GET", "/secret", lambda request: json_response(fault, 403))
    return build_client(
        system="faulty",
        base_url=box.base_url,
        transport=box.transport(),
        rate_limiter=MemoryRateLimiter(clock=clock),
        retry=RetryPolicy(attempts=1),
        clock=clock,
        **options,
    )


def test_errors_reader_of_the_client_reaches_every_error() -> None:
    client = fault_client(FakeClock(), error_message=FAULT)
    with pytest.raises(RejectedError) as info:
        raise_for_status(client.get("/articles"), record="7")
    assert info.value.message == "no such article"
    assert info.value.context["record"] == "7"
    with pytest.raises(AuthError, match="access refused by the API: no such article"):
        raise_for_status(client.get("/secret"))
    with pytest.raises(RejectedError, match=r"^no such article"):
        list(limit_offset_pages(client, "/articles"))
    with pytest.raises(UncertainOutcomeError, match=r"answered 503 \(no such article\)"):
        client.post("/articles", json={})


def test_errors_client_without_reader_gives_the_body() -> None:
    client = fault_client(FakeClock())
    with pytest.raises(RejectedError) as info:
        raise_for_status(client.get("/articles"))
    assert info.value.message == json.dumps(
        {"Fault": {"Text": "no such article"}}, separators=(",", ":")
    )
