"""The sandbox's demo data and OData subset, and the plugin's mapping functions."""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from koppel.plugins import KoppelPluginManager
from koppel.records import to_decimal as records_to_decimal
from koppel.sandbox import sandbox_for
from koppel_eaccounting._odata import ODataError, compile_filter, sort_records
from koppel_eaccounting.functions import ea_address, ea_fraction, ea_percent, ea_row_amount
from koppel_eaccounting.plugin import connector


def test_sandbox_hook_gives_the_demo_company() -> None:
    pm = KoppelPluginManager()
    pm.register(connector, "eaccounting")
    sandbox = sandbox_for("eaccounting", seed=0, pm=pm)
    orders = sandbox.store["orders"].all()
    assert len(orders) == 36
    assert Counter(o["Status"] for o in orders) == {1: 4, 2: 8, 3: 12, 4: 12}
    skus = sorted(a["Number"] for a in sandbox.store["articles"].all())
    assert skus == [f"AV-{n}" for n in range(1001, 1013)]
    people = Counter(c["IsPrivatePerson"] for c in sandbox.store["customers"].all())
    assert people == {False: 7, True: 4}  # 1011 shares the e-mail address of 1003


def test_sandbox_odata_filter_subset() -> None:
    records = [
        {"Status": 4, "Name": "O'Brien", "ModifiedUtc": "2024-05-01T10:00:00.000Z"},
        {"Status": 2, "Name": "Ann", "ModifiedUtc": "2024-05-02T10:00:00.000Z"},
    ]
    keep = compile_filter("(Status eq 4 or Status eq 3) and contains(Name, 'Bri')")
    assert [r["Name"] for r in records if keep(r)] == ["O'Brien"]
    later = compile_filter("ModifiedUtc ge 2024-05-01T12:00:00Z and not (Name eq 'x')")
    assert [r["Name"] for r in records if later(r)] == ["Ann"]
    assert compile_filter("Name eq 'O''Brien'")(records[0])
    assert [r["Name"] for r in sort_records(records, "Status asc")] == ["Ann", "O'Brien"]
    for bad in ("Status eq", "Status xx 4", "length(Name) eq 3", "(Status eq 4"):
        with pytest.raises(ODataError):
            compile_filter(bad)


def test_functions_discount_and_street_line() -> None:
    assert ea_percent(0.1) == Decimal("10.0") and ea_percent(None) is None
    assert ea_fraction("25") == Decimal("0.25")
    assert ea_address("Hoofdstraat", "12", "a") == "Hoofdstraat 12a"
    assert ea_address("2e Jan Steenstraat", "7", "II") == "2e Jan Steenstraat 7-II"
    assert ea_address("Laan 1940-1945", "3", "bis") == "Laan 1940-1945 3 bis"
    assert ea_address("Dorpsplein", None, None) == "Dorpsplein"
    assert ea_address(None, None, None) is None


def test_sandbox_article_gross_price_rounds_half_up_like_the_demo_data() -> None:
    import httpx

    from koppel_eaccounting.client import API_URL
    from koppel_eaccounting.payloads import writable
    from koppel_eaccounting.sandbox import make_sandbox

    box = make_sandbox(seed=0)
    assert box.oauth is not None
    token = box.oauth.grant().access_token
    article = next(a for a in box.store["articles"].all() if a["Number"] == "AV-1001")
    coding = box.store["articleaccountcodings"].get(article["CodingId"])
    assert Decimal(str(coding["VatRatePercent"])) == Decimal("0.21")
    body = {**writable(article, "articles"), "NetPrice": 27.50, "GrossPrice": None}
    with httpx.Client(transport=box.transport(), base_url=API_URL) as client:
        answer = client.put(
            f"articles/{article['Id']}", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["GrossPrice"] == 33.28  # 33.275 half up; binary floats round to 33.27


class _Dec(Decimal):
    """A Decimal subclass: passed through as it is."""


@pytest.mark.parametrize(
    "value",
    [0.1, 0.25, 25.0, 0.0, -0.0, 1e-7, 3, 0, "0.25", " 0.1 ", Decimal("0.10"), _Dec("0.5")],
)
def test_percent_and_fraction_give_koppel_records_decimal_twice(value: object) -> None:
    """The same Decimal (digits, exponent and sign of zero) as from koppel.records, also
    the second time a float is seen."""
    for _ in range(2):
        percent, fraction = ea_percent(value), ea_fraction(value)
        assert str(percent) == str(records_to_decimal(value) * 100)
        assert str(fraction) == str(records_to_decimal(value) / 100)
        expected = (records_to_decimal(value) * (1 - records_to_decimal(value))).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert str(ea_row_amount(1, value, value)) == str(expected)


@pytest.mark.parametrize(
    "value", [True, False, "abc", float("nan"), float("inf"), Decimal("NaN"), [1], {"a": 1}]
)
def test_percent_and_fraction_refuse_as_koppel_records_does(value: object) -> None:
    with pytest.raises((TypeError, ValueError)) as expected:
        records_to_decimal(value)
    for function in (ea_percent, ea_fraction):
        with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
            function(value)
