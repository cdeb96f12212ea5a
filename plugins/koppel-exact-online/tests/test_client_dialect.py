"""Exact's own wire dialect, kept in the plugin: its budget headers and its error bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from koppel.errors import RejectedError
from koppel.http import RateLimitHeaders, default_rate_limiter
from koppel_exact_online.client import RATE_LIMIT, RATE_LIMIT_HEADERS
from koppel_exact_online.entity_sets import ACCOUNTS
from koppel_exact_online.sandbox import ExactSandbox


def test_client_reads_exacts_minute_and_day_budget_headers(
    sandbox: ExactSandbox, clock: Any, connect: Callable[..., Any]
) -> None:
    _, client = connect(sandbox, clock, division=sandbox.division)
    assert RATE_LIMIT.headers is RATE_LIMIT_HEADERS != RateLimitHeaders()  # not core's
    assert sandbox.rate_limit is not None and sandbox.rate_limit.headers is RATE_LIMIT_HEADERS
    response = client.http.get(client.url(ACCOUNTS.path), params={"$select": "ID"})
    assert "RateLimit-Remaining" not in response.headers
    budgets = RATE_LIMIT_HEADERS.read(response.headers, now=clock.now())
    assert sorted(budgets) == [60.0, 86_400.0]  # both of Exact's windows are read
    assert budgets[60.0][0] == 59 and budgets[86_400.0][0] == 4999
    limiter = default_rate_limiter(clock)  # the connection's clock's, as core builds it
    assert limiter.remaining("exact-online", str(sandbox.division)) == 59


def test_client_rejection_carries_exacts_message_and_nothing_else(
    sandbox: ExactSandbox, clock: Any, connect: Callable[..., Any]
) -> None:
    _, client = connect(sandbox, clock, division=sandbox.division)
    with pytest.raises(RejectedError) as info:
        client.update(ACCOUNTS, "00000000-0000-0000-0000-000000000000", {"Name": "x"})
    assert info.value.message == "Accounts: not found"
    assert info.value.context["status"] == 404
