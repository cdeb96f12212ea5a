"""Issue 18's end-to-end test on the sandboxes: commitments from AFAS and Exact Online
Bouw in the register, 50 UBL invoices in a folder matched and booked, the bookings
exported to Exact Online as balanced general journal entries and to Exact Online Bouw
as bookings on its commitments, and a webhook receiver told once per booking."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from koppel.engine import RunResult, run_flow
from koppel.flows import Flow, parse_flow
from koppel.http import FakeClock
from koppel.records import Commitment
from koppel.sandbox import attach_sandbox
from koppel.state import RegisteredCommitment, StateStore, open_state
from koppel.sync import Connection

from ._make import drop, manager, ubl_invoice
from .test_booking_webhook import SECRET, Receiver, verify

afas_sandbox = pytest.importorskip("koppel_afas.sandbox")
bouw_sandbox = pytest.importorskip("koppel_exact_bouw.sandbox")
exact_sandbox = pytest.importorskip("koppel_exact_online.sandbox")
from koppel_afas.plugin import connector as afas  # noqa: E402
from koppel_exact_bouw.plugin import connector as bouw  # noqa: E402
from koppel_exact_online.odata import pad_code  # noqa: E402
from koppel_exact_online.plugin import connector as exact  # noqa: E402
from koppel_exact_online.runs import on_clock  # noqa: E402

#: Multi ERP on: the invoices go to Exact Online as financial bookings.
CREDIT = {"creditor_account": "1600", "vat_account": "1500", "journal": "90", "multi_erp": True}


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: Any) -> None:
    """Every sandbox refuses what its real API refuses."""


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("AFAS_TOKEN", afas_sandbox.TOKEN)
    monkeypatch.setenv("BOUW_KEY", bouw_sandbox.DEMO_API_KEY)
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")
    monkeypatch.setenv("HOOK_SECRET", SECRET)


class World:
    """The sandboxes, the state store and the flows between them."""

    def __init__(self, folder: Path, receiver: Receiver) -> None:
        self.inbox = folder / "inbox"
        self.inbox.mkdir()
        self.afas = afas_sandbox.make_sandbox()
        self.bouw = bouw_sandbox.make_sandbox()
        self.bouw.clock = FakeClock()
        self.exact = exact_sandbox.make_sandbox(seed=1, clock=FakeClock())
        self.store = open_state(str(folder / "state.sqlite3"))
        assert self.exact.oauth is not None
        self.store.token_store().save("exact", self.exact.oauth.grant())
        self.pm = manager()
        for name, plugin in (("afas", afas), ("exact-bouw", bouw), ("exact-online", exact)):
            self.pm.register(plugin, name)
        self.receiver = receiver
        #: (line id, amount) of each Exact Online Bouw commitment line an invoice books.
        self.bouw_booked: list[tuple[str, Decimal]] = []

    def creditors_in_exact(self) -> None:
        """The suppliers and expense accounts of the register, as Exact Online has them."""
        box = self.exact
        known = {row["Code"] for row in box.store["GLAccounts"].all()}
        commitments = [r.commitment for r in self.store.commitments()]
        for code in sorted({c.gl_account for c in commitments if c.gl_account} - known):
            box.put("GLAccounts", "", {"ID": box.new_id(), "Code": code, "Description": code})
        for supplier in sorted({c.supplier for c in commitments if c.supplier}):
            account = {
                "ID": box.new_id(),
                "Code": pad_code(supplier),
                "Name": f"Supplier {supplier}",
                "Status": "",
                "IsSupplier": True,
                "IsSales": False,
                "Country": "NL",
            }
            box.put("Accounts", account["ID"], account)

    def prepare(self, connection: Connection) -> None:
        if connection.name == "bouw":
            attach_sandbox(connection, self.bouw)
        elif connection.name == "exact":
            connection.transport, connection.clock = self.exact.transport(), self.exact.clock
        elif connection.name == "afas":
            connection.transport = self.afas.transport()

    def run(self, flow: Flow) -> RunResult:
        with on_clock(self.exact.clock):
            return run_flow(flow, self.store, manager=self.pm, prepare_connection=self.prepare)

    def commitments_flow(self, source: str) -> Flow:
        connection = {
            "afas": {
                "system": "afas",
                "settings": {"participant": "12345", "environment": "production"},
                "credentials": {"token": "env:AFAS_TOKEN"},
            },
            "bouw": {
                "system": "exact-bouw",
                "settings": {"application": bouw_sandbox.DEMO_APPLICATION},
                "credentials": {"api_key": "env:BOUW_KEY"},
            },
        }[source]
        return parse_flow(
            {
                "name": f"{source}-commitments",
                "source": source,
                "target": "register",
                "entity": "commitments",
                "connections": {
                    source: connection,
                    "register": {"system": "register", "settings": {"source_system": source}},
                },
            }
        )

    def invoices_flow(self) -> Flow:
        settings = {**CREDIT, "delivery_note_sources": ["bouw"]}
        return parse_flow(
            {
                "name": "purchase-invoices",
                "source": "inbox",
                "target": "books",
                "entity": "purchase_invoices",
                "connections": {
                    "inbox": {"system": "ubl", "settings": {"folder": str(self.inbox)}},
                    "books": {"system": "booking", "settings": settings},
                },
            }
        )

    def export_flow(self, entity: str) -> Flow:
        books: dict[str, Any] = {"system": "booking"}
        if entity == "journal_entries":
            target = {
                "system": "exact-online",
                "credentials": {
                    "client_id": "env:EXACT_CLIENT_ID",
                    "client_secret": "env:EXACT_CLIENT_SECRET",
                },
            }
            books["settings"] = {"webhook_urls": [self.receiver.url], "webhook_backoff": 0.01}
            books["credentials"] = {"webhook_secret": "env:HOOK_SECRET"}
            name = "exact"
        else:
            target = {
                "system": "exact-bouw",
                "settings": {"application": bouw_sandbox.DEMO_APPLICATION, "vat_tariff_id": 11},
                "credentials": {"api_key": "env:BOUW_KEY"},
            }
            books["settings"] = {"source_system": "bouw"}
            name = "bouw"
        return parse_flow(
            {
                "name": f"bookings-{entity}",
                "source": "books",
                "target": name,
                "entity": entity,
                "connections": {"books": books, name: target},
                "settings": {"concurrency": 1},
            }
        )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(failures=3)
    yield found
    found.close()


@pytest.fixture
def world(tmp_path: Path, receiver: Receiver) -> Iterator[World]:
    made = World(tmp_path, receiver)
    yield made
    made.store.close()


def open_afas(store: StateStore) -> list[RegisteredCommitment]:
    return store.commitments(source_system="afas", open_only=True)


def twin(store: StateStore, of: RegisteredCommitment, code: str, n: int) -> None:
    """A second AFAS commitment sharing ``code`` with another: a reference two match."""
    commitment = Commitment(
        id=f"twin-{n}",
        code=code,
        administration=of.commitment.administration,
        supplier=of.commitment.supplier,
        gl_account=of.commitment.gl_account,
        amount=Decimal("100.00"),
        open_amount=Decimal("100.00"),
    )
    store.save_commitment(commitment, source_system="afas", source_id=f"twin-{n}")


def amount_for(open_amount: Decimal) -> str:
    return str(min(open_amount, Decimal("500.00")))


def write_invoices(world: World) -> dict[str, list[str]]:
    """The 50 invoices, by what should become of them: file names per kind (and the Bouw
    lines booked in ``world.bouw_booked``: the even ones in full, the odd ones half)."""
    store = world.store
    afas_open = open_afas(store)
    assert len(afas_open) >= 28
    files: dict[str, list[str]] = {k: [] for k in ("booked", "wrong_gl", "ambiguous", "bad")}

    def put(kind: str, name: str, text: str) -> None:
        drop(world.inbox, name, text)
        files[kind].append(name)

    for n, registered in enumerate(afas_open[:28]):
        c = registered.commitment
        reference = [c.code, c.internal_reference, c.external_reference][
            0 if n < 12 else 1 if n < 20 else 2
        ]
        put(
            "booked",
            f"afas-{n}.xml",
            ubl_invoice(
                f"A-{n}",
                supplier=c.supplier or "",
                orders=(reference or "",),
                lines=((amount_for(c.open_amount), c.gl_account or "4000"),),
            ),
        )
    bouw_lines = [
        (registered, line)
        for registered in store.commitments(source_system="bouw", open_only=True)
        for line in registered.commitment.lines
        if not line.handled and line.open_amount
    ][:10]
    assert len(bouw_lines) == 10
    for n, (registered, line) in enumerate(bouw_lines):
        amount = line.open_amount if n % 2 == 0 else line.open_amount / 2
        put(
            "booked",
            f"bouw-{n}.xml",
            ubl_invoice(
                f"B-{n}",
                supplier=registered.commitment.supplier or "",
                delivery_notes=line.delivery_notes,
                lines=((str(amount.quantize(Decimal("0.01"))), "4000"),),
            ),
        )
    for n, registered in enumerate(afas_open[:4]):
        c = registered.commitment
        wrong = "7000" if c.gl_account != "7000" else "4000"
        put(
            "wrong_gl",
            f"wrong-{n}.xml",
            ubl_invoice(
                f"W-{n}",
                supplier=c.supplier or "",
                orders=(c.code or "",),
                lines=(("100.00", wrong),),
            ),
        )
    for n in range(3):
        registered = afas_open[n]
        twin(store, registered, f"AMB-{n}", 2 * n)
        twin(store, registered, f"AMB-{n}", 2 * n + 1)
        put(
            "ambiguous",
            f"ambiguous-{n}.xml",
            ubl_invoice(
                f"M-{n}",
                supplier=registered.commitment.supplier or "",
                orders=(f"AMB-{n}",),
                lines=(("50.00", registered.commitment.gl_account or "4000"),),
            ),
        )
    good = ubl_invoice("X-1", orders=("VPL-X",))
    put("bad", "bad-xml.xml", good[:300])
    put("bad", "bad-date.xml", good.replace("2026-10-01", "01-10-2026"))
    put("bad", "bad-amount.xml", good.replace(">600.00<", ">six hundred<"))
    put("bad", "bad-number.xml", good.replace("<cbc:ID>X-1</cbc:ID>", ""))
    put(
        "bad",
        "bad-root.xml",
        '<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
    )
    assert sum(len(names) for names in files.values()) == 50
    world.bouw_booked = [
        (line.id or "", line.open_amount if n % 2 == 0 else line.open_amount / 2)
        for n, (_, line) in enumerate(bouw_lines)
    ]
    return files


def test_fifty_invoices_matched_booked_exported_and_told_once(world: World) -> None:
    store = world.store
    assert world.run(world.commitments_flow("afas")).counts["failed"] == 0
    assert world.run(world.commitments_flow("bouw")).counts["failed"] == 0
    before = {r.id: r.commitment.open_amount for r in store.commitments()}
    files = write_invoices(world)

    booked = world.run(world.invoices_flow())
    assert booked.counts["created"] == 38, [p.message for p in store.parked()]
    parked = {p.source_id: p.message for p in store.parked("purchase-invoices")}
    assert len(parked) == 12
    wrong = [m for m in parked.values() if "its GL account" in m]
    ambiguous = [m for m in parked.values() if "matches 2 commitments" in m]
    bad = {k: m for k, m in parked.items() if k.startswith("file:")}
    assert len(wrong) == 4 and len(ambiguous) == 3
    assert set(bad) == {f"file:{name}" for name in files["bad"]}
    assert all("candidates: " in m for m in wrong + ambiguous)
    assert "not well-formed XML" in bad["file:bad-xml.xml"]
    assert "Invoice/cbc:IssueDate '01-10-2026' is not a date" in bad["file:bad-date.xml"]
    assert "cbc:LineExtensionAmount 'six hundred' is not a number" in bad["file:bad-amount.xml"]
    assert "Invoice/cbc:ID" in bad["file:bad-number.xml"]
    assert "Order-2}Order is not a UBL 2.1 Invoice or CreditNote" in bad["file:bad-root.xml"]

    # The register's open amounts went down by what was booked on each.
    bookings = store.bookings_after(0)
    assert len(bookings) == 38
    lowered: Counter[int] = Counter()
    for booking in bookings:
        entry_total = sum(Decimal(line["amount"]) for line in booking.entry["lines"])
        assert entry_total == 0
    for registered in store.commitments():
        lowered[registered.id] = (
            before.get(registered.id, registered.commitment.open_amount)
            - registered.commitment.open_amount
        )
    booked_amounts = sum(
        Decimal(item["record"]["amount"]) for b in bookings for item in b.commitment_bookings
    )
    assert sum(lowered.values()) == booked_amounts > 0

    # Exact Online: one balanced general journal entry per booking, on the creditor.
    world.creditors_in_exact()
    exported = world.run(world.export_flow("journal_entries"))
    assert exported.counts["created"] == 38, [
        p.message for p in store.parked("bookings-journal_entries")
    ][:3]
    entries = world.exact.store["GeneralJournalEntries"].all()
    assert len(entries) == 38
    creditors = {row["ID"] for row in world.exact.store["Accounts"].all() if row.get("IsSupplier")}
    for entry in entries:
        entry_lines = entry["GeneralJournalEntryLines"]
        assert sum(Decimal(str(line["AmountFC"])) for line in entry_lines) == 0
        assert (
            entry_lines[0]["Account"] in creditors and Decimal(str(entry_lines[0]["AmountFC"])) < 0
        )

    # The receiver: one signed notification per booking, after three 500s.
    told = world.receiver.delivered()
    assert sorted(n["booking_id"] for n in told) == [b.id for b in bookings]
    assert [s for _, _, s in world.receiver.requests].count(500) == 3
    for headers, body, _ in world.receiver.requests:
        assert verify(SECRET, headers["Koppel-Signature"], body)

    # Exact Online Bouw: the bookings on its commitments, lines handled where booked in full.
    to_bouw = world.run(world.export_flow("commitment_bookings"))
    assert to_bouw.counts["created"] == 10 and to_bouw.counts["failed"] == 0
    open_before = {
        line.id: line.open_amount
        for registered in store.commitments(source_system="bouw")
        for line in registered.commitment.lines
    }
    world.run(world.commitments_flow("bouw"))  # the register as Bouw now has it
    lines = {
        line.id: line
        for registered in store.commitments(source_system="bouw")
        for line in registered.commitment.lines
    }
    for n, (line_id, amount) in enumerate(world.bouw_booked):
        line = lines[line_id]
        if n % 2 == 0:
            assert line.handled and line.open_amount == 0, line
        else:
            assert not line.handled and line.open_amount == open_before[line_id], line
            assert line.open_amount > 0 and amount > 0

    # A second run of every flow books, exports and tells nothing again.
    requests = len(world.receiver.requests)
    for flow in (
        world.invoices_flow(),
        world.export_flow("journal_entries"),
        world.export_flow("commitment_bookings"),
    ):
        again = world.run(flow)
        assert again.counts["created"] == again.counts["updated"] == 0
    assert len(world.exact.store["GeneralJournalEntries"].all()) == 38
    assert len(world.receiver.requests) == requests
    assert len(store.bookings_after(0)) == 38
    assert json.loads(world.receiver.requests[-1][1])["event"] == "booking.exported"
