"""The test-only inspection routes of a served sandbox: what it holds and how it was called."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from koppel.sandbox import Faults, OAuthEmulator, Sandbox, SandboxRateLimit, SandboxServer


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, SandboxServer]]:
    box = Sandbox(
        "shop",
        rate_limit=SandboxRateLimit(per_minute=1),
        faults=Faults(rate=1.0, kinds=("500",)),
        oauth=OAuthEmulator(),
    )
    box.store.seed("items", [{"name": "cup"}, {"name": "pot"}])
    box.store.collection("empty")
    box.add_route("GET", "/items", lambda request: box.store["items"].all())
    with box.serve() as server:
        yield box, server


def test_inspect_collections_and_records(served: tuple[Sandbox, SandboxServer]) -> None:
    box, server = served
    root = f"{server.url}/_sandbox"
    assert httpx.get(f"{root}/collections").json() == {"collections": {"items": 2, "empty": 0}}
    items = httpx.get(f"{root}/collections/items").json()
    assert items == {
        "collection": "items",
        "count": 2,
        "records": [{"name": "cup", "id": "1"}, {"name": "pot", "id": "2"}],
    }
    missing = httpx.get(f"{root}/collections/nothing")
    assert missing.status_code == 404 and "known: items, empty" in missing.json()["error"]
    assert "nothing" not in box.store  # looking does not make a collection
    assert httpx.post(f"{root}/collections").status_code == 405
    assert httpx.get(f"{root}/elsewhere").status_code == 404


def test_inspect_calls_counts_without_being_limited_faulted_or_counted(
    served: tuple[Sandbox, SandboxServer],
) -> None:
    box, server = served
    token = box.oauth.grant().access_token  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/items", headers=headers).status_code == 500  # faulted
    assert httpx.get(f"{server.url}/items", headers=headers).status_code == 429  # limited
    for _ in range(3):  # the inspection routes are neither, and need no token
        calls = httpx.get(f"{server.url}/_sandbox/calls")
        assert calls.status_code == 200
    assert calls.json() == {
        "total": 2,
        "calls": {"GET /items": 2},
        "statuses": {"429": 1, "500": 1},
        "faults": {"before": {"500": 1}, "after": {}},
        "token_refreshes": 0,
    }
    assert box.count("GET", "/_sandbox/calls") == 0
