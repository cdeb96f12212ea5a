"""Products and stock AccountView -> eAccounting, paid orders eAccounting -> AccountView."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from koppel.cli.run import Sandboxes, run_one
from koppel.engine import RunResult
from koppel.flows import Flow
from koppel.state import open_state

from .conftest import MAIN_FLOWS, writes

MISSING_SKU = "AV-9999"


def run_all(flows: dict[str, Flow], boxes: Sandboxes, state: str) -> dict[str, RunResult]:
    return {name: run_one(flows[name], state, sandboxes=boxes)[0] for name in MAIN_FLOWS}


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def webshop_articles(av: Any) -> list[dict[str, Any]]:
    return [row for row in av.store["ARTICLE"].all() if row["AG_CODE"] == "WEBSHOP"]


def ea_article(ea: Any, number: str) -> dict[str, Any]:
    (article,) = ea.store["articles"].find(Number=number)
    return article


def test_main_flows_land_field_by_field_and_a_second_run_writes_nothing(
    flows: dict[str, Flow], tmp_path: Path
) -> None:
    boxes = Sandboxes()
    av, ea = boxes.box("accountview"), boxes.box("eaccounting")
    names_before = {a["Number"]: a["Name"] for a in ea.store["articles"].all()}
    prices_before = {a["Number"]: dec(a["NetPrice"]) for a in ea.store["articles"].all()}
    units = {u["Code"]: u["Id"] for u in ea.store["units"].all()}
    orders = ea.store["orders"].all()
    paid = [o for o in orders if o["Status"] == 4]
    parked_order = next(
        o for o in paid if any(r["ArticleNumber"] == MISSING_SKU for r in o["Rows"])
    )
    state = str(tmp_path / "state.sqlite3")

    # One shop in both demo companies; only the coffee beans' price differs (docs/demo.md).
    differ = {
        r["ART_CODE"]
        for r in webshop_articles(av)
        if dec(r["PX_SELL"]) != prices_before[r["ART_CODE"]]
    }
    assert differ == {"AV-1003"}

    first = run_all(flows, boxes, state)

    # Products: every web shop article, matched by SKU; the name is create-only.
    codings = flows["accountview-products-to-eaccounting"].lookups["vat_codings"]
    for row in webshop_articles(av):
        article = ea_article(ea, row["ART_CODE"])
        assert dec(article["NetPrice"]) == dec(row["PX_SELL"]), row["ART_CODE"]
        barcodes = [row["EAN_CODE"]] if row["EAN_CODE"] else []  # a service has none
        assert [b["Barcode"] for b in article["Barcodes"]] == barcodes
        coding = codings.get(f"{row['VAT_CODE']}:{row['UNIT']}", codings[row["VAT_CODE"]])
        assert article["CodingName"] == coding
        assert article["UnitId"] == units[row["UNIT"]]
        assert article["IsActive"] is (not row["BLOCKED"])
        # One shop: the article existed under AccountView's description; the name is kept.
        assert article["Name"] == names_before[row["ART_CODE"]] == row["ART_DESC1"]
        # Stock: available minus the sales reservations.
        expected = max(dec(row["QTY_AVAIL"]) - dec(row["QTY_RES_SO"]), Decimal(0))
        assert dec(article["StockBalance"]) == expected, row["ART_CODE"]
    assert not ea.store["articles"].find(Number="VERZEND")  # cost articles are filtered out
    assert first["accountview-products-to-eaccounting"].counts["updated"] == 12
    assert first["accountview-stock-to-eaccounting"].counts["updated"] == 12

    # Orders: only paid (invoiced) ones, each once, on a debtor found or made by e-mail.
    lookups = flows["eaccounting-orders-to-accountview"].lookups
    customers = {c["Id"]: c for c in ea.store["customers"].all()}
    synced = [o for o in paid if o is not parked_order]
    headers = {row["ORD_REF"]: row for row in av.store["SO_HDR"].all()}
    assert sorted(headers) == sorted(str(o["Number"]) for o in synced)
    debtors = {row["MAIL_BUS"]: row for row in av.store["CONTACT"].all()}
    assert len(debtors) == 1 + len({o["CustomerId"] for o in synced})  # + the demo debtor
    for order in synced:
        customer = customers[order["CustomerId"]]
        debtor = debtors[customer["EmailAddress"].strip().lower()]
        company = not customer["IsPrivatePerson"]
        assert debtor["ACCT_NAME"] == customer["Name"]
        # CONTACT has no person flag: a person debtor is one without a contact person.
        assert "PERS_IND" not in debtor and "CONT_NAME" not in debtor
        assert debtor.get("MAIN_CONT") == (customer.get("ContactPersonName") if company else None)
        assert debtor.get("VAT_NR") == customer.get("VatNumber")
        assert debtor["CITY"] == customer["InvoiceCity"]
        assert debtor["CNT_CODE"] == customer["InvoiceCountryCode"]
        assert debtor["ACCT_NR"] == "1210"

        header = headers[str(order["Number"])]
        assert header["RPL_INV"] == debtor["SUB_NR"]
        assert header["ORD_DATE"].startswith(order["OrderDate"])
        assert header["TO_EMAIL"] == debtor["MAIL_BUS"]
        terms = customer["TermsOfPayment"]
        assert header["PAY_COND"] == lookups["payment_terms"][terms["Name"]]
        assert header["PAY_METH"] == lookups["payment_methods"][terms["TermsOfPaymentTypeText"]]
        country = order["DeliveryCountryCode"]
        rows = [r for r in order["Rows"] if not r["IsTextRow"]]
        lines = av.lines_of("SO_LINE", header["ORD_NR"])
        assert len(lines) == len(rows)
        for row, line in zip(rows, lines, strict=True):
            rate = ea_article(ea, row["ArticleNumber"])["CodingName"].split()[-1].rstrip("%")
            assert line["ART_CODE"] == row["ArticleNumber"]
            assert dec(line["ORD_QTY"]) == dec(row["Quantity"])
            assert dec(line["ART_PX"]) == dec(row["UnitPrice"])
            assert dec(line["DISC_PCT"]) == dec(row["DiscountPercentage"]) * 100
            assert line["VAT_CODE"] == lookups["vat_codes"][f"{country}:{rate}"]

    # The order with the product that exists nowhere is parked, with a clear message.
    result = first["eaccounting-orders-to-accountview"]
    assert result.counts["created"] == len(synced)
    assert result.counts["failed"] == result.counts["parked"] == 1
    with open_state(state) as store:
        (parked,) = store.parked("eaccounting-orders-to-accountview")
        (logged,) = store.activity(failed_only=True)
    assert parked.source_id == parked_order["Id"]
    assert "product not found in the target: AV-9999" in parked.message
    assert logged.record_id == parked_order["Id"] and logged.source is not None
    assert logged.source["Number"] == parked_order["Number"]

    # A second run over unchanged data writes nothing to either system.
    before = writes(av), writes(ea)
    again = run_all(flows, boxes, state)
    assert (writes(av), writes(ea)) == before
    for name in MAIN_FLOWS:
        assert again[name].counts["created"] == again[name].counts["updated"] == 0, name
    assert again["eaccounting-orders-to-accountview"].counts["parked"] == 1


def test_changed_price_is_updated_but_the_create_only_name_is_not(
    flows: dict[str, Flow], tmp_path: Path
) -> None:
    boxes = Sandboxes()
    av, ea = boxes.box("accountview"), boxes.box("eaccounting")
    new = {
        **av.store["ARTICLE"].get("AV-1001"),
        "ART_CODE": "AV-2001",
        "ART_DESC1": "Thermosbeker RVS",
        "ART_DESC2": "Dubbelwandige RVS-thermosbeker, 350 ml.",
        "EAN_CODE": "8712345020015",
        "PX_SELL": 15.0,
    }
    av.store["ARTICLE"].insert(new)
    state = str(tmp_path / "state.sqlite3")
    products = flows["accountview-products-to-eaccounting"]
    first, _ = run_one(products, state, sandboxes=boxes)
    assert (first.counts["created"], first.counts["updated"]) == (1, 12)
    created = ea_article(ea, "AV-2001")
    assert created["Name"] == "Dubbelwandige RVS-thermosbeker, 350 ml."  # the long description
    assert dec(created["NetPrice"]) == Decimal("15.0")
    kept = ea_article(ea, "AV-1003")["Name"]

    changed_at = av.now()
    for code, price in (("AV-2001", 17.5), ("AV-1003", 21.5)):
        av.store["ARTICLE"].update(
            code,
            {
                "ART_DESC1": "Renamed",
                "ART_DESC2": "A new long description.",
                "PX_SELL": price,
                "CNG_DATE": changed_at,
            },
        )
    puts = writes(ea)
    second, _ = run_one(products, state, sandboxes=boxes)

    assert second.counts["updated"] == 2
    assert writes(ea) == puts + 2
    assert dec(ea_article(ea, "AV-2001")["NetPrice"]) == Decimal("17.5")
    assert dec(ea_article(ea, "AV-1003")["NetPrice"]) == Decimal("21.5")
    assert ea_article(ea, "AV-2001")["Name"] == "Dubbelwandige RVS-thermosbeker, 350 ml."
    assert ea_article(ea, "AV-1003")["Name"] == kept


@pytest.mark.parametrize("seed", [1, 7])
def test_other_seeds_park_only_the_missing_product(
    flows: dict[str, Flow], tmp_path: Path, seed: int
) -> None:
    boxes = Sandboxes(seed=seed)
    results = run_all(flows, boxes, str(tmp_path / "state.sqlite3"))
    orders = results["eaccounting-orders-to-accountview"]
    paid = [o for o in boxes.box("eaccounting").store["orders"].all() if o["Status"] == 4]
    assert orders.counts["created"] == len(paid) - 1
    assert orders.counts["failed"] == 1
