from decimal import Decimal

import pytest

from koppel.accounting import EU_COUNTRIES, RevenueAccountTable, VatCodeTable, tax_country
from koppel.errors import ConfigurationError, RecordError
from koppel.records import Address, Customer, Order

VAT = VatCodeTable({(21, "NL"): "H", ("9.0", "nl"): "L", (0, "*"): "GV", (19, "DE"): "DE19"})


@pytest.mark.parametrize(
    ("rate", "country", "code"),
    [
        (Decimal("21.00"), "NL", "H"),
        (21, " nl ", "H"),
        (Decimal(9), "NL", "L"),
        (Decimal("0.00"), "US", "GV"),
        (Decimal("19"), "DE", "DE19"),
    ],
)
def test_vat_code_table_finds_rate_and_country(rate, country, code):
    assert VAT.lookup(rate, country) == code


def test_vat_code_table_missing_row_names_table_and_key():
    with pytest.raises(RecordError) as caught:
        VAT.lookup(Decimal("20"), "FR")
    assert caught.value.context == {"table": "vat_codes", "key": "20|FR"}
    assert "table vat_codes has no row for VAT rate 20% in country FR" in str(caught.value)


def test_vat_code_table_rejects_a_rate_that_is_no_number():
    with pytest.raises(ConfigurationError, match="'high' is not a number"):
        VatCodeTable({("high", "NL"): "H"})


def test_revenue_account_table_exact_row_wins_over_wildcard():
    table = RevenueAccountTable({"NL": "8000", "*": "8090"})
    assert table.lookup("nl") == "8000"
    assert table.lookup("US") == "8090"


def test_revenue_account_table_missing_row_names_table_and_key():
    table = RevenueAccountTable({"NL": "8000"}, name="revenue_per_country")
    with pytest.raises(RecordError) as caught:
        table.lookup("be")
    assert caught.value.context == {"table": "revenue_per_country", "key": "BE"}


def _shipped_to(country):
    return Order(shipping_address=Address(country=country), billing_address=Address(country="NL"))


@pytest.mark.parametrize(
    ("order", "oss", "expected"),
    [
        (_shipped_to("NL"), True, "NL"),
        (_shipped_to("DE"), True, "DE"),
        (_shipped_to("DE"), False, "NL"),
        (_shipped_to("EL"), True, "GR"),
        (_shipped_to("US"), True, "US"),
        (_shipped_to("US"), False, "US"),
        (Order(billing_address=Address(country="be")), True, "BE"),
        (Order(customer=Customer(billing_address=Address(country="FR"))), True, "FR"),
        (Order(), True, "NL"),
    ],
)
def test_tax_country_follows_eu_oss(order, oss, expected):
    assert tax_country(order, home_country="nl", oss=oss) == expected


def test_eu_countries_has_the_27_member_states():
    assert len(EU_COUNTRIES) == 27
    assert "GB" not in EU_COUNTRIES
