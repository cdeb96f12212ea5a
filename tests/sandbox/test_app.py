import httpx
import pytest

from koppel.sandbox import BadRequest, Faults, Sandbox


def sandbox() -> Sandbox:
    box = Sandbox("shop")

    @box.route("POST", "/things")
    def create(request):
        body = request.json
        if not isinstance(body, dict) or "name" not in body:
            raise BadRequest("a thing needs a name")
        return {"id": 1, "name": body["name"]}

    return box


def post(box: Sandbox, content: bytes) -> httpx.Response:
    with httpx.Client(transport=box.transport(), base_url="https://shop.test") as client:
        return client.post("/things", content=content)


def test_sandbox_answers_400_to_a_body_that_is_not_json():
    response = post(sandbox(), b"{not json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]["value"]


def test_sandbox_handler_refuses_with_bad_request():
    response = post(sandbox(), b'{"colour": "red"}')
    assert response.status_code == 400
    assert response.json()["error"]["message"]["value"] == "a thing needs a name"


def test_sandbox_handler_answers_good_json():
    assert post(sandbox(), b'{"name": "cup"}').json() == {"id": 1, "name": "cup"}


def test_app_refused_connection_never_strikes_after_the_route_ran() -> None:
    box = Sandbox("demo", faults=Faults(rate=1.0, kinds=("refused",), after_handler=True))
    ran: list[int] = []
    box.add_route("POST", "/x", lambda request: ran.append(1) or {"ok": True})
    with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
        for _ in range(5):
            with pytest.raises(httpx.ConnectError):
                client.post("/x")
    assert ran == []  # a client retries a refused connection: the write must not have happened
    with pytest.raises(ValueError, match="cannot strike after the route ran"):
        box.faults.inject("refused", after_handler=True)
