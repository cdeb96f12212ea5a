"""Retries, Retry-After, uncertain writes and time bounds of the client's transport."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from koppel.errors import (
    RateLimitedError,
    RejectedError,
    TransientError,
    UncertainOutcomeError,
)
from koppel.http import (
    FakeClock,
    MemoryRateLimiter,
    MemoryTokenStore,
    OAuth2Auth,
    OAuth2Config,
    RateLimit,
    RetryPolicy,
    build_client,
    raise_for_status,
)
from koppel.http import parse_retry_after as parse
from koppel.sandbox import Faults, OAuthEmulator, Sandbox, json_response


def make(sandbox: Sandbox, clock: FakeClock, **kw: object) -> httpx.Client:
    options: dict[str, object] = {
        "transport": sandbox.transport(),
        "retry": RetryPolicy(seed=1),
        **kw,
    }
    return build_client(
        system="demo",
        base_url=sandbox.base_url,
        clock=clock,
        rate_limiter=MemoryRateLimiter(clock=clock),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    box = Sandbox("demo", clock=clock)
    box.store.seed("things", [{"name": "a"}])

    @box.route("GET", "/things")
    def things(request: object) -> object:
        return box.store["things"].all()

    @box.route("POST", "/things")
    def create(request: object) -> object:
        return box.store["things"].insert({"name": "new"})

    return box


def test_transport_429_retry_after_seconds_is_waited_out(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    answers = iter([json_response({"message": "slow down"}, 429, {"Retry-After": "2"})])
    inner = sandbox.handle

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or inner(request)

    client = make(sandbox, clock, transport=httpx.MockTransport(handler))
    response = client.get("/things")
    assert response.status_code == 200
    assert clock.slept == [2.0]


def test_transport_retry_after_http_date() -> None:
    moment = 1_714_564_800.0
    header = email.utils.formatdate(moment + 30, usegmt=True)
    assert parse(header, now=moment) == pytest.approx(30.0)
    assert parse("7", now=moment) == 7.0
    assert parse("nonsense", now=moment) is None


def test_transport_retry_after_not_finite_or_without_zone() -> None:
    moment = 1_714_564_800.0
    assert parse("nan", now=moment) is None
    assert parse("inf", now=moment) is None
    assert parse("-5", now=moment) == 0.0
    # A date with "-0000" (no zone) is GMT, not the machine's local time.
    header = email.utils.formatdate(moment + 30, usegmt=True).replace("GMT", "-0000")
    assert parse(header, now=moment) == pytest.approx(30.0)


def test_transport_retry_after_in_the_past_backs_off_instead_of_hammering(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    past = email.utils.formatdate(clock.now() - 120, usegmt=True)
    answers = iter([json_response({"message": "busy"}, 503, {"Retry-After": past})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or sandbox.handle(request)

    response = make(sandbox, clock, transport=httpx.MockTransport(handler)).get("/things")
    assert response.status_code == 200
    assert len(clock.slept) == 1 and 0.25 <= clock.slept[0] <= 0.5


def eaccounting_hint(response: httpx.Response) -> float | None:
    """Like eAccounting: the wait is only in the message."""
    if response.status_code != 429:
        return None
    return float(response.json()["Message"].split("Try again in ")[1].split()[0])


def test_transport_wait_hint_from_the_body_is_waited_out(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    body = {"Message": "Too many requests. Try again in 55 seconds."}
    answers = iter([json_response(body, 429)])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or sandbox.handle(request)

    client = make(
        sandbox, clock, transport=httpx.MockTransport(handler), wait_hint=eaccounting_hint
    )
    assert client.get("/things").status_code == 200
    assert clock.slept == [55.0]


def test_transport_retry_after_header_wins_over_wait_hint(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    body = {"Message": "Try again in 55 seconds."}
    answers = iter([json_response(body, 429, {"Retry-After": "3"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or sandbox.handle(request)

    client = make(
        sandbox, clock, transport=httpx.MockTransport(handler), wait_hint=eaccounting_hint
    )
    assert client.get("/things").status_code == 200
    assert clock.slept == [3.0]


def test_transport_wait_hint_too_long_becomes_the_errors_retry_after(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"Message": "Try again in 500 seconds."}, 429)

    client = make(
        sandbox, clock, transport=httpx.MockTransport(handler), wait_hint=eaccounting_hint
    )
    response = client.get("/things")
    assert response.status_code == 429 and clock.slept == []
    with pytest.raises(RateLimitedError) as info:
        raise_for_status(response)
    assert info.value.retry_after == 500.0


def test_transport_oauth_token_taken_after_the_rate_limit_wait(clock: FakeClock) -> None:
    oauth = OAuthEmulator(access_ttl=60)
    box = Sandbox("demo", clock=clock, oauth=oauth)
    box.add_route("GET", "/me", lambda request: {"ok": True})
    store = MemoryTokenStore()
    store.save("shop", oauth.grant())  # lives 60 s
    config = OAuth2Config(
        authorize_url=f"{box.base_url}{oauth.authorize_path}",
        token_url=f"{box.base_url}{oauth.token_path}",
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
    )
    token_client = httpx.Client(transport=box.transport())
    auth = OAuth2Auth(config, store, "shop", token_client=token_client, clock=clock, leeway=30)
    limiter = MemoryRateLimiter({"demo": RateLimit(per_minute=1, headers=None)}, clock=clock)
    client = build_client(
        system="demo",
        base_url=box.base_url,
        auth=auth,
        transport=box.transport(),
        rate_limiter=limiter,
        clock=clock,
    )
    assert client.get("/me").status_code == 200
    # The next call waits a minute for budget; the token it had then has expired. Taken
    # after the wait, it is refreshed first instead of costing a 401 and a second call.
    assert client.get("/me").status_code == 200
    assert clock.slept == [60.0]
    assert oauth.refreshes == 1
    assert box.count("GET", "/me") == 2


def test_transport_limits_wait_on_the_clients_clock_without_a_limiter() -> None:
    clock = FakeClock()
    box = Sandbox("clocked", clock=clock)
    box.add_route("GET", "/x", lambda request: {"ok": True})

    def client() -> httpx.Client:
        return build_client(
            system="clocked",
            base_url=box.base_url,
            transport=box.transport(),
            rate_limit=RateLimit(per_minute=2, headers=None),
            clock=clock,
        )

    first, second = client(), client()
    assert [first.get("/x").status_code, second.get("/x").status_code] == [200, 200]
    assert second.get("/x").status_code == 200  # the two clients share the minute's budget
    assert clock.slept == [60.0]


def test_transport_5xx_and_timeouts_retried_with_jittered_backoff(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    for kind in ("503", "timeout", "reset", "502"):
        sandbox.faults.inject(kind)
    response = make(sandbox, clock).get("/things")
    assert response.status_code == 200
    assert sandbox.count("GET", "/things") == 5
    assert len(clock.slept) == 4
    # exponential with jitter: each wait within [ceiling/2, ceiling]
    for attempt, waited in enumerate(clock.slept, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= waited <= ceiling


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_transport_read_answered_500_is_retried(
    sandbox: Sandbox, clock: FakeClock, method: str
) -> None:
    sandbox.add_route("HEAD", "/things", lambda request: {})
    sandbox.add_route("OPTIONS", "/things", lambda request: {})
    sandbox.faults.inject("500", times=2)
    response = make(sandbox, clock).request(method, "/things")
    assert response.status_code == 200
    assert sandbox.count(method, "/things") == 3
    assert len(clock.slept) == 2


def test_transport_read_still_500_after_the_last_attempt_is_a_transient_error(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    sandbox.faults.inject("500", times=10)
    response = make(sandbox, clock, retry=RetryPolicy(attempts=3, seed=1)).get("/things")
    assert response.status_code == 500
    assert sandbox.count("GET", "/things") == 3
    with pytest.raises(TransientError):
        raise_for_status(response)


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
def test_transport_write_answered_500_is_not_sent_again(
    sandbox: Sandbox, clock: FakeClock, method: str
) -> None:
    sandbox.add_route(method, "/things/1", lambda request: {})
    sandbox.faults.inject("500", after_handler=True)
    response = make(sandbox, clock).request(method, "/things/1", json={"name": "new"})
    assert response.status_code == 500
    assert sandbox.count(method, "/things/1") == 1
    assert clock.slept == []
    with pytest.raises(TransientError):
        raise_for_status(response)


def test_transport_gives_up_after_attempts(sandbox: Sandbox, clock: FakeClock) -> None:
    sandbox.faults.inject("timeout", times=10)
    client = make(sandbox, clock, retry=RetryPolicy(attempts=3, seed=1))
    with pytest.raises(TransientError, match="ReadTimeout after 3 attempt"):
        client.get("/things")
    assert sandbox.count("GET", "/things") == 3


def test_transport_gives_up_when_retry_after_exceeds_budget(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"message": "daily limit"}, 429, {"Retry-After": "3600"})

    client = make(sandbox, clock, transport=httpx.MockTransport(handler))
    response = client.get("/things")
    assert response.status_code == 429 and clock.slept == []
    with pytest.raises(RateLimitedError) as info:
        raise_for_status(response)
    assert info.value.retry_after == pytest.approx(3600.0)


@pytest.mark.parametrize("kind", ["reset", "timeout", "502", "503", "504"])
def test_transport_post_with_unknown_outcome_is_not_retried(
    sandbox: Sandbox, clock: FakeClock, kind: str
) -> None:
    sandbox.faults.inject(kind, after_handler=True)
    with pytest.raises(UncertainOutcomeError, match="check whether the record exists"):
        make(sandbox, clock).post("/things", json={"name": "new"})
    assert sandbox.count("POST", "/things") == 1
    assert len(sandbox.store["things"]) == 2  # it did happen; the engine must look it up


def test_transport_post_that_never_arrived_is_retried(sandbox: Sandbox, clock: FakeClock) -> None:
    sandbox.faults.inject("refused")
    response = make(sandbox, clock).post("/things", json={"name": "new"})
    assert response.status_code == 200
    assert len(sandbox.store["things"]) == 2


def test_transport_post_answered_503_after_it_was_stored_is_not_sent_twice(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    # A 503 does not prove the server did nothing: retrying it doubled a sales order
    # in the fault test (tests/e2e/test_faults.py).
    sandbox.faults.inject("503", after_handler=True)
    with pytest.raises(UncertainOutcomeError, match="answered 503"):
        make(sandbox, clock).post("/things", json={"name": "new"})
    assert sandbox.count("POST", "/things") == 1
    assert len(sandbox.store["things"]) == 2


def test_transport_post_rate_limited_is_retried(sandbox: Sandbox, clock: FakeClock) -> None:
    answers = iter([json_response({"message": "slow down"}, 429, {"Retry-After": "2"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or sandbox.handle(request)

    client = make(sandbox, clock, transport=httpx.MockTransport(handler))
    assert client.post("/things", json={"name": "new"}).status_code == 200
    assert clock.slept == [2.0]
    assert len(sandbox.store["things"]) == 2


def test_transport_post_with_idempotency_key_is_retried(sandbox: Sandbox, clock: FakeClock) -> None:
    sandbox.faults.inject("reset")
    response = make(sandbox, clock).post("/things", headers={"Idempotency-Key": "k1"})
    assert response.status_code == 200


def test_transport_total_time_bounded(sandbox: Sandbox, clock: FakeClock) -> None:
    sandbox.faults.inject("503", times=50)
    retry = RetryPolicy(attempts=50, max_elapsed=10.0, base=2.0, cap=4.0, seed=3)
    response = make(sandbox, clock, retry=retry).get("/things")
    assert response.status_code == 503
    assert sum(clock.slept) <= 10.0


def test_transport_sends_user_agent(sandbox: Sandbox, clock: FakeClock) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return sandbox.handle(request)

    make(sandbox, clock, transport=httpx.MockTransport(handler)).get("/things")
    assert seen[0].startswith("koppel/")


def test_transport_random_faults_are_seeded(clock: FakeClock) -> None:
    def outcomes(seed: int) -> list[str]:
        box = Sandbox("demo", clock=clock, faults=Faults(rate=0.5, seed=seed))
        box.add_route("GET", "/x", lambda request: {"ok": True})
        results = []
        with httpx.Client(transport=box.transport(), base_url=box.base_url) as client:
            for _ in range(20):
                try:
                    results.append(str(client.get("/x").status_code))
                except httpx.TransportError as exc:
                    results.append(type(exc).__name__)
        return results

    assert outcomes(4) == outcomes(4)
    assert outcomes(4) != outcomes(5)
    assert set(outcomes(4)) - {"200"}


def test_transport_server_error_carries_the_asked_wait(sandbox: Sandbox, clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"message": "maintenance"}, 503, {"Retry-After": "600"})

    response = make(sandbox, clock, transport=httpx.MockTransport(handler)).get("/things")
    with pytest.raises(TransientError, match="maintenance") as info:
        raise_for_status(response)
    assert info.value.retry_after == 600.0


def test_transport_rejection_with_a_megabyte_message_is_cut(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"message": "Invalid name: " + "n" * 5_000_000}, 400)

    response = make(sandbox, clock, transport=httpx.MockTransport(handler)).post("/things")
    with pytest.raises(RejectedError) as info:
        raise_for_status(response, record="7")
    assert info.value.message.startswith("Invalid name: nnn")
    assert "(5,000,014 characters)" in info.value.message
    assert str(info.value).endswith("(record=7, path=/things, status=400)")
    assert len(str(info.value)) < 600
