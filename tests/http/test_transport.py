"""Retries, Retry-After, uncertain writes and time bounds of the client's transport."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from koppel.errors import RateLimitedError, TransientError, UncertainOutcomeError
from koppel.http import FakeClock, MemoryRateLimiter, RetryPolicy, build_client, raise_for_status
from koppel.http import parse_retry_after as parse
from koppel.sandbox import Faults, Sandbox, json_response


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


@pytest.mark.parametrize("kind", ["reset", "timeout", "502", "504"])
def test_transport_post_with_unknown_outcome_is_not_retried(
    sandbox: Sandbox, clock: FakeClock, kind: str
) -> None:
    sandbox.faults.inject(kind, after_handler=True)
    with pytest.raises(UncertainOutcomeError, match="check whether the record exists"):
        make(sandbox, clock).post("/things", json={"name": "new"})
    assert sandbox.count("POST", "/things") == 1
    assert len(sandbox.store["things"]) == 2  # it did happen; the engine must look it up


@pytest.mark.parametrize("kind", ["refused", "503"])
def test_transport_post_that_never_arrived_is_retried(
    sandbox: Sandbox, clock: FakeClock, kind: str
) -> None:
    sandbox.faults.inject(kind)
    response = make(sandbox, clock).post("/things", json={"name": "new"})
    assert response.status_code == 200
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
