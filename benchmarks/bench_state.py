"""State store cost per record as the engine uses it, in chunks of 500.

Run: python benchmarks/bench_state.py [--records N] [--chunk 500] [--state PATH_OR_URL]
First sync per chunk: get_bindings (all miss), bind_many, log_activity_many.
Unchanged re-run per chunk: get_bindings (all hit), log_activity_many of "skip" entries.
Booked first sync: what the engine does per chunk of orders that each carry their
customer and rows with articles (shared objects, as a source hands them out), with
the engine's JSON of source and payload: journal_writes, binding_clashes, book_chunk;
its line also gives the CPU per record.
Engine goals (issue 4, whole engine): 5,000 records/s first sync, 20,000/s unchanged.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa

from koppel.engine._hash import payload_text, source_text
from koppel.state import ChunkBooking, NewActivity, StateStore, open_state
from koppel.state._engine import resolve_url

KEY = ("shop", "exact", "order")


def chunked(total: int, size: int) -> list[list[str]]:
    ids = [f"order-{n}" for n in range(total)]
    return [ids[i : i + size] for i in range(0, total, size)]


def first_sync(store: StateStore, run_id: int, chunks: list[list[str]]) -> None:
    for ids in chunks:
        found = store.get_bindings(*KEY, ids)
        assert not found
        store.bind_many(*KEY, [(i, f"X-{i}", f"hash-{i}") for i in ids])
        store.log_activity_many(
            run_id,
            "bench",
            [
                NewActivity(
                    entity="order",
                    record_id=i,
                    action="create",
                    source={"id": i, "total": "12.50", "email": "a@example.com"},
                    sent={"OrderNumber": i, "Amount": 12.5},
                    response={"ID": f"X-{i}"},
                )
                for i in ids
            ],
        )


def rerun(store: StateStore, run_id: int, chunks: list[list[str]], *, log: bool) -> None:
    for ids in chunks:
        found = store.get_bindings(*KEY, ids)
        assert len(found) == len(ids)
        if log:
            store.log_activity_many(
                run_id,
                "bench",
                [NewActivity(entity="order", record_id=i, action="skip") for i in ids],
            )


def order(n: int, customers: list[dict[str, Any]], articles: list[dict[str, Any]]) -> Item:
    """An eAccounting-like order (source record) and the payload mapped from it."""
    rows = [
        {
            "Id": f"row-{n}-{i}",
            "LineNumber": i,
            "ArticleId": f"art-{(n + i) % len(articles)}",
            "Text": "French press 1 liter",
            "UnitPrice": 27.5,
            "DiscountPercentage": 0.0,
            "Quantity": 1.0 + i,
            "DeliveredQuantity": 0.0,
            "IsTextRow": False,
            "IsWorkCost": False,
            "Article": articles[(n + i) % len(articles)],
        }
        for i in range(1 + n % 3)
    ]
    source: dict[str, Any] = {
        "Id": f"order-{n}",
        "Number": 1000 + n,
        "Status": 1,
        "CustomerId": f"cust-{n % len(customers)}",
        "CurrencyCode": "EUR",
        "OrderDate": "2024-05-01",
        "DeliveryDate": None,
        "ModifiedUtc": "2024-05-01T10:00:00Z",
        "Amount": 227.32,
        "VatAmount": 47.74,
        "RoundingsAmount": 0.0,
        "DeliveryCustomerName": "Koffiehuis De Boon B.V.",
        "DeliveryAddress1": "Hoofdstraat 12a",
        "DeliveryAddress2": None,
        "DeliveryPostalCode": "1011 AB",
        "DeliveryCity": "Amsterdam",
        "DeliveryCountryCode": "NL",
        "InvoiceCustomerName": "Koffiehuis De Boon B.V.",
        "InvoiceAddress1": "Hoofdstraat 12a",
        "InvoicePostalCode": "1011 AB",
        "InvoiceCity": "Amsterdam",
        "InvoiceCountryCode": "NL",
        "YourReference": f"Web #{n}",
        "OurReference": None,
        "EuThirdParty": False,
        "CustomerIsPrivatePerson": False,
        "IncludesVat": False,
        "Rows": rows,
        "Customer": customers[n % len(customers)],
    }
    customer = customers[n % len(customers)]
    address = {
        "street": "Hoofdstraat",
        "house_number": "12",
        "postcode": "1011 AB",
        "city": "Amsterdam",
        "country": "NL",
        "name": customer["Name"],
    }
    sent = {
        "id": source["Id"],
        "number": str(source["Number"]),
        "status": "draft",
        "order_date": "2024-05-01",
        "currency": "EUR",
        "reference": source["YourReference"],
        "customer": {
            "id": customer["Id"],
            "name": customer["Name"],
            "email": customer["EmailAddress"],
            "contact": {"name": "Sanne de Vries", "email": customer["EmailAddress"]},
            "vat_number": customer["VatNumber"],
            "custom": {},
        },
        "billing_address": address,
        "shipping_address": dict(address),
        "lines": [
            {
                "sku": r["Article"]["Number"],
                "description": r["Text"],
                "quantity": str(r["Quantity"]),
                "unit_price": "27.5",
                "vat_rate": "21.00",
                "vat_code": None,
                "total": None,
            }
            for r in rows
        ],
        "total_excl_vat": "227.32",
        "total_vat": "47.74",
        "total_incl_vat": "275.06",
    }
    return Item(source, source_text(source), sent, payload_text(sent))


class Item(NamedTuple):
    """A record as the engine books it: source, payload and the engine's JSON of both."""

    source: dict[str, Any]
    source_json: str
    sent: dict[str, Any]
    sent_json: str

    @property
    def id(self) -> str:
        return str(self.source["Id"])


def orders(total: int) -> list[Item]:
    customers = [
        {
            "Id": f"cust-{c}",
            "IsActive": True,
            "CurrencyCode": "EUR",
            "CustomerNumber": str(1000 + c),
            "Name": f"Koffiehuis {c} B.V.",
            "IsPrivatePerson": False,
            "EmailAddress": f"inkoop{c}@example.nl",
            "Telephone": "020-5551234",
            "InvoiceAddress1": "Hoofdstraat 12a",
            "InvoiceCity": "Amsterdam",
            "VatNumber": "NL812345678B01",
            "ChangedUtc": "2024-04-21T08:00:00.000Z",
            "TermsOfPayment": {"Id": "terms-30", "Name": "30 dagen", "NumberOfDays": 30},
        }
        for c in range(200)
    ]
    articles = [
        {
            "Number": f"AV-{1000 + a}",
            "Barcodes": [{"Barcode": f"871234501{a:04d}", "BarcodeType": 0}],
            "VatRatePercent": 0.21,
            "CostKind": None,
        }
        for a in range(40)
    ]
    return [order(n, customers, articles) for n in range(total)]


def booked_sync(store: StateStore, run_id: int, chunks: list[list[Item]]) -> None:
    scope = ("ea", "dst", "orders")
    for number, chunk in enumerate(chunks):
        writes = [(item.id, "create", item.sent, item.sent_json) for item in chunk]
        store.journal_writes(run_id, "bench-booked", "orders", writes)
        binds = [(item.id, f"T-{item.id}", "content-hash", "source-hash") for item in chunk]
        assert not store.binding_clashes(scope, binds)
        activity = [
            NewActivity(
                entity="orders",
                record_id=item.id,
                action="create",
                source=item.source,
                source_json=item.source_json,
                sent=item.sent,
                sent_json=item.sent_json,
            )
            for item in chunk
        ]
        store.book_chunk(
            ChunkBooking(
                run_id=run_id,
                flow="bench-booked",
                scope=scope,
                binds=binds,
                activity=activity,
                settled=[item.id for item in chunk],
                cursor=str(number),
            )
        )


def timed(label: str, records: int, action: Callable[[], None]) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    action()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{label:<38} {records:>8} records {seconds:6.2f} s {records / seconds:>9,.0f} records/s"
        f" {cpu / records * 1e6:6.1f} us CPU/record"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--state", help="path or URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.state or str(Path(tmp) / "bench.sqlite3")
        # PostgreSQL: a throwaway schema, dropped afterwards; the database is left as it was.
        schema = f"koppel_bench_{uuid.uuid4().hex[:8]}" if "postgres" in where else None
        try:
            with open_state(where, schema=schema) as store:
                bench(store, args.records, args.chunk)
        finally:
            if schema is not None:
                drop_schema(where, schema)


def drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(resolve_url(url))
    with engine.begin() as conn:
        conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    engine.dispose()


def bench(store: StateStore, records: int, chunk: int) -> None:
    chunks = chunked(records, chunk)
    run_id = store.start_run("bench")
    timed("first sync (lookup+bind+activity)", records, lambda: first_sync(store, run_id, chunks))
    timed(
        "unchanged re-run (lookup only)", records, lambda: rerun(store, run_id, chunks, log=False)
    )
    timed(
        "unchanged re-run (lookup+skip log)",
        records,
        lambda: rerun(store, run_id, chunks, log=True),
    )
    booked = orders(records)
    timed(
        "booked first sync (engine's chunks)",
        records,
        lambda: booked_sync(
            store, run_id, [booked[i : i + chunk] for i in range(0, records, chunk)]
        ),
    )
    store.finish_run(run_id, status="ok", counts={})


if __name__ == "__main__":
    main()
