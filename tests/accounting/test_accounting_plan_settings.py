"""account_plan_from_settings: the one settings shape of an account plan, rule by rule."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from koppel.accounting import (
    AccountPlan,
    RevenueAccountTable,
    VatCodeTable,
    account_plan_from_settings,
    journal_entry_from_order,
)
from koppel.errors import ConfigurationError, RecordError
from koppel.records import Address, Order, OrderLine

ACCOUNTS = {"debtor": "1300", "revenue": "8000", "vat": "1500", "rounding": "8990"}


def settings(**changes: Any) -> dict[str, Any]:
    return {"accounts": dict(ACCOUNTS), **changes}


def accounts(**changes: Any) -> dict[str, Any]:
    return settings(accounts={**ACCOUNTS, **changes})


def fails(message: str, given: dict[str, Any], **kwargs: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError, match=message) as caught:
        account_plan_from_settings(given, **kwargs)
    return caught.value


# -- the required accounts ---------------------------------------------------------


def test_plan_settings_required_accounts_and_defaults_of_the_rest():
    plan = account_plan_from_settings(settings())
    assert plan == AccountPlan(
        debtor_account="1300", revenue_account="8000", vat_account="1500", rounding_account="8990"
    )
    assert (plan.journal, plan.home_country, plan.oss, plan.company_currency) == (
        None,
        "NL",
        True,
        None,
    )
    assert (plan.rounding_threshold, plan.rounding) == (Decimal("0.05"), ROUND_HALF_UP)


def test_plan_settings_missing_account_named_with_its_field_path():
    given = settings(accounts={"debtor": "1300", "vat": "1500", "rounding": "8990"})
    error = fails(r"missing settings\.accounts\.revenue", given, system="exact-online")
    assert error.message.endswith("; missing settings.accounts.revenue")
    assert error.context == {"system": "exact-online", "field": "settings.accounts.revenue"}


def test_plan_settings_every_missing_account_named_when_accounts_are_absent():
    error = fails("missing", {})
    for key in ("debtor", "revenue", "vat", "rounding"):
        assert f"settings.accounts.{key}" in error.message
    assert error.context["field"] == "settings.accounts"


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_plan_settings_blank_account_counts_as_missing(blank):
    fails(r"missing settings\.accounts\.vat", accounts(vat=blank))


def test_plan_settings_unknown_account_named_with_a_hint():
    error = fails(
        r"unknown settings\.accounts\.revnue \(did you mean revenue\?\)", accounts(revnue="8000")
    )
    assert error.context["field"] == "settings.accounts.revnue"


def test_plan_settings_missing_and_unknown_accounts_in_one_message():
    given = settings(accounts={"debtor": "1300", "vat": "1500", "shiping": "8100", "zz": "1"})
    error = fails("missing", given)
    assert error.message == (
        "the account plan needs accounts debtor, revenue, vat and rounding; "
        "missing settings.accounts.revenue, settings.accounts.rounding; "
        "unknown settings.accounts.shiping (did you mean shipping?), settings.accounts.zz"
    )
    assert error.context["field"] == "settings.accounts"


def test_plan_settings_accounts_must_be_a_table():
    error = fails(
        r"settings\.accounts must be a table of account codes, got '1300'", {"accounts": "1300"}
    )
    assert error.context["field"] == "settings.accounts"


def test_plan_settings_account_codes_are_text_or_whole_numbers():
    plan = account_plan_from_settings(accounts(debtor=1300, revenue=" 8000 "))
    assert (plan.debtor_account, plan.revenue_account) == ("1300", "8000")


@pytest.mark.parametrize("bad", [8000.0, True, ["8000"], {"nl": "8000"}])
def test_plan_settings_account_of_another_type_is_refused(bad):
    error = fails(r"settings\.accounts\.revenue must be an account code", accounts(revenue=bad))
    assert error.context["field"] == "settings.accounts.revenue"


# -- optional accounts ---------------------------------------------------------------


def test_plan_settings_shipping_fee_and_discount_accounts():
    plan = account_plan_from_settings(accounts(shipping="8100", fee=8200, discount="8300"))
    assert (plan.shipping_account, plan.fee_account, plan.discount_account) == (
        "8100",
        "8200",
        "8300",
    )


def test_plan_settings_bad_optional_account_is_refused():
    fails(r"settings\.accounts\.discount must be an account code", accounts(discount=""))


def test_plan_settings_revenue_account_per_vat_rate():
    plan = account_plan_from_settings(accounts(revenue_by_rate={"9": "8010", "0.0": 8020}))
    assert plan.revenue_accounts_by_rate == {"9": "8010", "0": "8020"}
    assert plan.revenue_account_for(Decimal("9.00"), "NL") == "8010"
    assert plan.revenue_account_for(Decimal(21), "NL") == "8000"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"high": "8010"}, r"'high' is not a VAT rate"),
        ({"-9": "8010"}, r"'-9' is not a VAT rate"),
        ({"9": ["8010"]}, r"must be an account code"),
        ("8010", r"must be a table of VAT rate = account code"),
    ],
)
def test_plan_settings_bad_revenue_per_rate_is_refused(table, message):
    error = fails(message, accounts(revenue_by_rate=table))
    assert error.context["field"] == "settings.accounts.revenue_by_rate"


def test_plan_settings_vat_account_per_vat_code():
    plan = account_plan_from_settings(accounts(vat_by_code={"L": "1510", "H": 1520}))
    assert plan.vat_accounts == {"L": "1510", "H": "1520"}


@pytest.mark.parametrize(
    ("table", "message"),
    [({"L": 15.1}, "must be an account code"), (["L"], "must be a table of VAT code")],
)
def test_plan_settings_bad_vat_per_code_is_refused(table, message):
    error = fails(message, accounts(vat_by_code=table))
    assert error.context["field"] == "settings.accounts.vat_by_code"


# -- lookup tables -------------------------------------------------------------------


def test_plan_settings_revenue_accounts_lookup_per_country():
    plan = account_plan_from_settings(
        settings(), lookups={"revenue_accounts": {"nl": "8000", "DE": 8020, "*": "8090"}}
    )
    assert plan.revenue_accounts == RevenueAccountTable({"NL": "8000", "DE": "8020", "*": "8090"})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"Netherlands": "8000"}, "'Netherlands' is not a two-letter country code"),
        ({"NL": ""}, "must be an account code"),
        ("8000", "must be a table of country = account code"),
    ],
)
def test_plan_settings_bad_revenue_accounts_lookup_is_refused(table, message):
    error = fails(message, settings(), lookups={"revenue_accounts": table})
    assert error.context["field"] == "lookups.revenue_accounts"


def test_plan_settings_vat_codes_lookup_keyed_country_and_rate():
    plan = account_plan_from_settings(
        settings(), lookups={"vat_codes": {"NL:21": "2", "nl:9.0": 1, "*:0": "0"}}
    )
    assert plan.vat_codes == VatCodeTable({(21, "NL"): "2", (9, "NL"): "1", (0, "*"): "0"})
    assert plan.vat_codes.lookup(0, "US") == "0"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"NL-21": "2"}, "key 'NL-21' must read COUNTRY:RATE"),
        ({"NL:high": "2"}, "'high' is not a VAT rate"),
        ({"NLD:21": "2"}, "'NLD' is not a two-letter country code"),
        ({"NL:21": None}, "must be a VAT code"),
        (["NL:21"], "must be a table of"),
    ],
)
def test_plan_settings_bad_vat_codes_lookup_is_refused(table, message):
    error = fails(message, settings(), lookups={"vat_codes": table})
    assert error.context["field"] == "lookups.vat_codes"


def test_plan_settings_empty_or_absent_lookup_tables_count_as_not_given():
    plan = account_plan_from_settings(
        settings(), lookups={"vat_codes": {}, "payment_terms": {"14": "14D"}}
    )
    assert (plan.vat_codes, plan.revenue_accounts) == (None, None)


# -- journal, country, rounding, currency ------------------------------------------------


@pytest.mark.parametrize(("given", "journal"), [("90", "90"), (90, "90"), (" MEM ", "MEM")])
def test_plan_settings_journal(given, journal):
    assert account_plan_from_settings(settings(journal=given)).journal == journal


@pytest.mark.parametrize("bad", ["", 9.0, ["90"]])
def test_plan_settings_bad_journal_is_refused(bad):
    error = fails(r"settings\.journal must be a journal code", settings(journal=bad))
    assert error.context["field"] == "settings.journal"


def test_plan_settings_home_country():
    assert account_plan_from_settings(settings(home_country=" be ")).home_country == "BE"


@pytest.mark.parametrize("bad", ["", "NLD", "*", 31])
def test_plan_settings_bad_home_country_is_refused(bad):
    error = fails("is not a two-letter country code", settings(home_country=bad))
    assert error.context["field"] == "settings.home_country"


def test_plan_settings_oss():
    assert account_plan_from_settings(settings(oss=False)).oss is False


def test_plan_settings_oss_must_be_true_or_false():
    error = fails(r"settings\.oss must be true or false, got 'no'", settings(oss="no"))
    assert error.context["field"] == "settings.oss"


@pytest.mark.parametrize(("given", "threshold"), [("0.10", "0.10"), (0, "0"), (0.02, "0.02")])
def test_plan_settings_rounding_threshold(given, threshold):
    plan = account_plan_from_settings(settings(rounding_threshold=given))
    assert plan.rounding_threshold == Decimal(threshold)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("five cents", r"must be a number such as 0\.05, got 'five cents'"),
        (True, "must be a number"),
        ([0.05], "must be a number"),
        ("NaN", "must be a number"),
        ("-0.01", "must not be negative, got -0.01"),
    ],
)
def test_plan_settings_bad_rounding_threshold_is_refused(bad, message):
    error = fails(message, settings(rounding_threshold=bad), system="accountview")
    assert error.context == {"system": "accountview", "field": "settings.rounding_threshold"}


@pytest.mark.parametrize(
    "given", ["half_even", "HALF_EVEN", "ROUND_HALF_EVEN", " round_half_even "]
)
def test_plan_settings_rounding_mode(given):
    assert account_plan_from_settings(settings(rounding_mode=given)).rounding == ROUND_HALF_EVEN


@pytest.mark.parametrize("bad", ["bankers", "", 5])
def test_plan_settings_bad_rounding_mode_is_refused(bad):
    error = fails(
        r"settings\.rounding_mode must be one of up, down, .*half_even", settings(rounding_mode=bad)
    )
    assert error.context["field"] == "settings.rounding_mode"


def test_plan_settings_company_currency():
    assert account_plan_from_settings(settings(company_currency="eur")).company_currency == "EUR"


@pytest.mark.parametrize("bad", ["euro", "", 978])
def test_plan_settings_bad_company_currency_is_refused(bad):
    error = fails("is not a three-letter currency code", settings(company_currency=bad))
    assert error.context["field"] == "settings.company_currency"


# -- a system's defaults ---------------------------------------------------------------


def test_plan_settings_defaults_fill_what_settings_leave_out():
    defaults = {"journal": "90", "accounts": {**ACCOUNTS, "debtor": "1210"}}
    plan = account_plan_from_settings({"accounts": {"revenue": "8100"}}, defaults=defaults)
    assert (plan.debtor_account, plan.revenue_account, plan.journal) == ("1210", "8100", "90")
    assert account_plan_from_settings({}, defaults=defaults).revenue_account == "8000"
    assert account_plan_from_settings(settings(journal="70"), defaults=defaults).journal == "70"


def test_plan_settings_defaults_do_not_hide_bad_settings():
    defaults = {"accounts": ACCOUNTS}
    fails("must be a table of account codes", {"accounts": ["8000"]}, defaults=defaults)
    fails(r"unknown settings\.accounts\.revenu\b", accounts(revenu="1"), defaults=defaults)


# -- the plan books as the settings say ------------------------------------------------------


def test_plan_settings_book_an_order_on_the_accounts_and_codes_they_name():
    plan = account_plan_from_settings(
        accounts(revenue_by_rate={"9": "8010"}, vat_by_code={"L": "1510"}),
        lookups={"vat_codes": {"NL:21": "H", "NL:9": "L", "DE:19": "D"}},
    )
    lines = (
        OrderLine(unit_price=Decimal("10.00"), vat_rate=Decimal(21)),
        OrderLine(unit_price=Decimal("10.00"), vat_rate=Decimal(9)),
    )
    entry = journal_entry_from_order(Order(number="1", lines=lines), plan, "recommended")
    booked = sorted((line.account, str(line.amount), line.vat_code) for line in entry.lines)
    assert booked == [
        ("1300", "23.00", None),
        ("1500", "-2.10", "H"),
        ("1510", "-0.90", "L"),
        ("8000", "-10.00", "H"),
        ("8010", "-10.00", "L"),
    ]
    abroad = Order(number="2", lines=lines[:1], shipping_address=Address(country="FR"))
    with pytest.raises(RecordError, match="no row for VAT rate 21% in country FR"):
        journal_entry_from_order(abroad, plan, "recommended")
