"""Fixtures for the accounting tests: an account plan like a small Dutch web shop's."""

import pytest

from koppel.accounting import AccountPlan, RevenueAccountTable, VatCodeTable


@pytest.fixture
def plan() -> AccountPlan:
    return AccountPlan(
        debtor_account="1300",
        revenue_account="8000",
        vat_account="1500",
        rounding_account="8999",
        vat_codes=VatCodeTable(
            {(21, "NL"): "H", (9, "NL"): "L", (0, "*"): "GV", (19, "DE"): "DE19"}
        ),
        revenue_accounts=RevenueAccountTable({"NL": "8000", "DE": "8020", "*": "8090"}),
        vat_accounts={"H": "1510", "L": "1520"},
        journal="MEM",
    )
