import httpx
import pytest

from koppel.sandbox import BadRequest, Faults, Sandbox, SandboxRateLimit


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
    assert "not valid JSON" in response.json()["detail"]  # a neutral RFC 9457 problem


def test_sandbox_handler_refuses_with_bad_request():
    response = post(sandbox(), b'{"colour": "red"}')
    assert response.status_code == 400
    assert response.json()["detail"] == "a thing needs a name"


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


def counting_box(faults: Faults, **options: object) -> tuple[Sandbox, list[int]]:
    box = Sandbox("demo", faults=faults, **options)  # type: ignore[arg-type]
    ran: list[int] = []
    box.add_route("POST", "/x", lambda request: ran.append(1) or {"ok": True})
    return box, ran


def test_app_429_fault_answers_as_the_rate_limit_does_with_retry_after() -> None:
    faults = Faults(rate=1.0, kinds=("429",), after_handler=1.0, retry_after=3)
    box, ran = counting_box(faults, rate_limit=SandboxRateLimit(per_minute=60))
    with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
        answer = client.post("/x")
    assert answer.status_code == 429
    assert answer.json()["detail"] == "API rate limit exceeded"
    assert answer.headers["Retry-After"] == "3"
    assert answer.headers["RateLimit-Remaining"] == "0"
    assert ran == []  # a 429 says the call was not handled: it never strikes after the route
    assert box.faults_struck == {("429", False): 1}
    assert box.statuses == {429: 1}


def test_app_faults_after_handler_is_a_share_of_the_faults() -> None:
    shares = {}
    for share in (0.0, 0.5, 1.0):
        box, ran = counting_box(Faults(rate=1.0, kinds=("500",), seed=4, after_handler=share))
        with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
            statuses = {client.post("/x").status_code for _ in range(200)}
        assert statuses == {500}
        shares[share] = len(ran)
        assert box.faults_struck[("500", True)] == len(ran)
    assert shares[0.0] == 0 and shares[1.0] == 200
    assert 70 < shares[0.5] < 130


def test_app_truncated_fault_cuts_the_routes_own_answer_and_malformed_is_no_json() -> None:
    box, ran = counting_box(Faults())
    box.faults.inject("truncated", after_handler=True)
    box.faults.inject("malformed")
    with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
        truncated, malformed = client.post("/x"), client.post("/x")
    assert truncated.status_code == 200 and truncated.content == b'{"ok"'
    assert malformed.status_code == 200 and malformed.content.startswith(b"<html>")
    assert ran == [1]


def test_app_faults_reset_forgets_the_queued_faults() -> None:
    box, ran = counting_box(Faults())
    box.faults.inject("500", times=3)
    box.faults.reset()
    with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
        assert client.post("/x").status_code == 200
    assert ran == [1]


def test_app_faults_after_handler_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="after_handler must be between 0 and 1"):
        Faults(after_handler=1.5)


def test_sandbox_error_bodies_come_from_one_overridable_method() -> None:
    import httpx

    from koppel.sandbox import Faults, Sandbox, json_response

    class Shaped(Sandbox):
        def error_response(self, status: int, message: str) -> httpx.Response:
            return json_response({"Error": message}, status)

    box = Shaped("shaped", faults=Faults())
    box.add_route("GET", "/things", lambda request: [])
    client = httpx.Client(transport=box.transport(), base_url="https://sandbox.invalid")
    assert client.get("/nothing").json() == {"Error": "no route GET /nothing"}
    box.faults.inject("503")
    answer = client.get("/things")
    assert (answer.status_code, answer.json()) == (503, {"Error": "sandbox fault: HTTP 503"})
    neutral = Sandbox("plain")
    body = (
        httpx.Client(transport=neutral.transport(), base_url="https://x.invalid").get("/x").json()
    )
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no route GET /x",
    }
