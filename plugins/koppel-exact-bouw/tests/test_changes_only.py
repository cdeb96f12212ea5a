"""Changes only: after a full first read of 2,000 commitments, a read after 10 changed
reads about 10, measured by the sandbox's calls and rows; and the same through core's
engine into an in-memory register."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.sandbox import attach_sandbox
from koppel.state import open_state
from koppel.sync import Connection
from koppel_exact_bouw import facts
from koppel_exact_bouw.plugin import connector
from koppel_exact_bouw.sandbox import DEMO_API_KEY, DEMO_APPLICATION, ExactBouwSandbox, make_sandbox

VOLUME = 2000
CHANGED = [str(88000 + n) for n in range(0, VOLUME, 200)]  # 10 contracts across the range


def change(sandbox: ExactBouwSandbox) -> None:
    """Ten contracts change (their description), later than every other."""
    for ident in CHANGED:
        sandbox.store["contracts"].update(
            ident, {"description": "<p>gewijzigd</p>", "updatedAt": sandbox.now()}
        )


def reads(sandbox: ExactBouwSandbox) -> tuple[int, int]:
    """Calls to the two lists, and rows they served, so far."""
    calls = sandbox.count("GET", facts.CONTRACTS.path) + sandbox.count(
        "GET", facts.DELIVERY_TICKETS.path
    )
    return calls, sandbox.rows["contracts"] + sandbox.rows["tickets"]


@pytest.fixture
def big() -> ExactBouwSandbox:
    return make_sandbox(volume=VOLUME)


def test_second_read_takes_only_the_changed_commitments(big: ExactBouwSandbox) -> None:
    connection = attach_sandbox(
        Connection(
            name="bouw",
            system="exact-bouw",
            settings={"application": DEMO_APPLICATION},
            secrets={"api_key": DEMO_API_KEY},
        ),
        big,
    )
    try:
        first = list(connector.fetch_records(connection, "commitments", None, {}))
        assert len(first) == VOLUME
        calls, rows = reads(big)
        assert rows == 3 * VOLUME  # every contract and its two delivery tickets, once
        change(big)
        cursor = first[-1].cursor
        again = list(connector.fetch_records(connection, "commitments", cursor, {}))
        more_calls, more_rows = reads(big)
    finally:
        connection.close()
    assert set(CHANGED) <= {r.id for r in again}
    assert len(again) <= len(CHANGED) + 1  # the record at the cursor itself comes again
    assert more_calls - calls == 2  # one page of contracts, one of their tickets
    assert more_rows - rows == 3 * (len(CHANGED) + 1)  # 11 contracts, 22 tickets
    assert calls >= 10 and rows / (more_rows - rows) > 50


def test_engine_fills_the_register_then_reads_only_changes(
    tmp_path: Path, big: ExactBouwSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_BOUW_API_KEY", DEMO_API_KEY)
    flow = parse_flow(
        {
            "name": "bouw-commitments",
            "source": "bouw",
            "target": "register",
            "entity": "commitments",
            "connections": {
                "bouw": {
                    "system": "exact-bouw",
                    "settings": {"application": DEMO_APPLICATION},
                    "credentials": {"api_key": "env:EXACT_BOUW_API_KEY"},
                },
                "register": {"system": "register"},
            },
        }
    )
    register = MemorySystem("register", entities={"commitments": ("code",)})
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "exact-bouw")
    manager.register(register, "register")
    store = open_state(str(tmp_path / "state.sqlite3"))
    transports: dict[str, Any] = {"bouw": big.transport()}
    try:
        run_flow(flow, store, manager=manager, transports=transports)
        assert len(register.rows("commitments")) == VOLUME
        written, (calls, rows) = len(register.writes), reads(big)
        change(big)
        run_flow(flow, store, manager=manager, transports=transports)
    finally:
        store.close()
    more_calls, more_rows = reads(big)
    assert len(register.writes) - written == len(CHANGED)
    assert more_calls - calls == 2 and more_rows - rows <= 3 * (len(CHANGED) + 1)
    stored = register.rows("commitments")
    assert all(row["description"] for row in stored.values())


def test_second_read_of_purchase_invoices_takes_only_the_changed(big: ExactBouwSandbox) -> None:
    connection = attach_sandbox(
        Connection(
            name="bouw",
            system="exact-bouw",
            settings={"application": DEMO_APPLICATION},
            secrets={"api_key": DEMO_API_KEY},
        ),
        big,
    )
    document = facts.PURCHASE_INVOICE_DOCUMENT.format(id="{id}")
    invoices = big.store["invoices"]
    try:
        first = list(connector.fetch_records(connection, "purchase_invoices", None, {}))
        assert len(first) == VOLUME // 4  # every fourth contract has a booked invoice
        calls, documents = (
            big.count("GET", facts.PURCHASE_INVOICES.path),
            big.count("GET", document),
        )
        assert documents == len(first)
        changed = [str(row["id"]) for row in invoices.all()][::50]  # 10 across the range
        for ident in changed:
            invoices.update(ident, {"status": 4, "updatedAt": big.now()})
        again = list(connector.fetch_records(connection, "purchase_invoices", first[-1].cursor, {}))
    finally:
        connection.close()
    assert set(changed) <= {r.id for r in again} and len(again) <= len(changed) + 1
    assert big.count("GET", facts.PURCHASE_INVOICES.path) - calls == 1  # one page
    assert big.count("GET", document) - documents == len(again)  # a document per invoice
    assert big.rows["invoices"] - len(first) == len(again)
