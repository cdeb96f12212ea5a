"""Through the engine: deletions in Exact reach the target, deletions in a source reach
Exact (accounts), and a match value several accounts share is never picked silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.http import FakeClock
from koppel_exact_online.runs import (
    flow_from_exact,
    flow_to_exact,
    manager,
    on_clock,
    open_store,
    run,
)
from koppel_exact_online.sandbox import make_sandbox

SHARED = "administratie@groep.example.nl"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


@pytest.mark.parametrize("deletions", ["report", "propagate"])
def test_an_account_deleted_in_exact_is_reported_or_deleted_in_the_target(
    tmp_path: Path, deletions: str
) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=6, clock=clock, customers=5, products=3, orders=0)
    shop = MemorySystem("shop")
    flow = flow_from_exact("customers", deletions=deletions)
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(shop)
        # Seven customers; the shop matches the two sharing one address as one.
        assert run(flow, store, pm, sandbox).counts["created"] == 6
        gone = sandbox.store["Accounts"].all()[0]["ID"]
        sandbox.remove("Accounts", gone)
        result = run(flow, store, pm, sandbox)
    ids = {row["id"] for row in shop.rows("customers").values()}
    if deletions == "propagate":
        assert result.counts["deleted"] == 1 and gone not in ids and len(ids) == 5
    else:
        assert result.deleted_in_source == [gone] and gone in ids


def test_a_customer_deleted_in_the_shop_deletes_its_account_in_exact(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=6, clock=clock, customers=2, products=1, orders=0)
    shop = MemorySystem("shop")
    shop.put("customers", "c1", {"email": "nieuw@example.nl", "name": "Nieuwe Klant"})
    flow = flow_to_exact("customers", deletions="propagate")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(shop)
        assert run(flow, store, pm, sandbox).counts["created"] == 1
        [account] = sandbox.store["Accounts"].find(Email="nieuw@example.nl")
        shop.remove("customers", "c1")
        result = run(flow, store, pm, sandbox)
    assert result.counts["deleted"] == 1
    assert sandbox.store["Accounts"].get(account["ID"]) is None
    assert [d["EntityKey"] for d in sandbox.deleted] == [account["ID"]]


@pytest.mark.parametrize("on_ambiguous", ["error", "first"])
def test_a_customer_whose_email_two_accounts_share_is_parked_or_takes_the_lowest_code(
    tmp_path: Path, on_ambiguous: str
) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=6, clock=clock, customers=2, products=1, orders=0)
    shop = MemorySystem("shop")
    shop.put("customers", "c1", {"email": SHARED.upper(), "name": "Groep"})
    flow = flow_to_exact("customers", on_ambiguous=on_ambiguous)
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow, store, manager(shop), sandbox)
        parked = store.parked(flow.name)
    shared = sorted(
        (a for a in sandbox.store["Accounts"] if "groep" in str(a["Email"]).lower()),
        key=lambda a: int(a["Code"]),
    )
    assert result.counts["created"] == 0
    if on_ambiguous == "error":
        assert result.counts["updated"] == 0 and len(parked) == 1
        assert all(a["ID"] in parked[0].message for a in shared)
    else:
        assert result.counts["updated"] + result.counts["skipped"] == 1
        assert sandbox.store["Accounts"].get(shared[0]["ID"])["Name"] == "Groep"  # type: ignore[index]
        assert sandbox.store["Accounts"].get(shared[1]["ID"])["Name"] != "Groep"  # type: ignore[index]
