"""Answers in the real shapes of the v2 specification (S1) through the shipped inbound
mappings, checked as canonical values.

The shapes: every field of the schema present, null where S1 makes it nullable and
it is unset, ``""`` for a text cleared in eAccounting's screens, numbers as JSON
floats (``2.0``, ``24.95``), dates as date-times without a zone
(``"2024-05-01T00:00:00"``), change times in UTC with up to seven decimals
(``"2024-05-01T08:04:00.1234567Z"``), and the fields the plugin adds to what it
reads (an order's ``Customer``, each row's ``Article``, an article's ``VatRatePercent``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from koppel.mapping import CompiledMapping, compile_mapping, packaged_mapping
from koppel.records import Customer, Order, Product, StockLevel, structure
from koppel.sync import Connection
from koppel_eaccounting.functions import FUNCTIONS
from koppel_eaccounting.sandbox import EAccountingSandbox

from .test_plugin_flows import read


def inbound(name: str) -> CompiledMapping:
    spec = packaged_mapping("koppel_eaccounting", f"{name}.inbound.toml")
    assert spec is not None
    return compile_mapping(spec, name=f"eaccounting/{name}/inbound", functions=FUNCTIONS)


#: A company customer (CustomerApi): a cleared phone and VAT number, padded e-mail and
#: country as typed into eAccounting, no delivery address.
CUSTOMER: dict[str, Any] = {
    "Id": "6b1e1c2a-1f0e-4f5e-9a7e-2b4c6d8e0f11",
    "CustomerNumber": "1005",
    "CorporateIdentityNumber": None,
    "ContactPersonEmail": None,
    "ContactPersonMobile": None,
    "ContactPersonName": "Jan van Dam ",
    "ContactPersonPhone": "",
    "CurrencyCode": "EUR",
    "GLN": None,
    "EmailAddress": " Jan@BakkerijVanDam.nl ",
    "InvoiceAddress1": "Laan 1940-1945 3 bis",
    "InvoiceAddress2": "",
    "InvoiceCity": "Rotterdam",
    "InvoiceCountryCode": "nl ",
    "InvoicePostalCode": "3012 KL",
    "DeliveryCustomerName": None,
    "DeliveryAddress1": None,
    "DeliveryAddress2": None,
    "DeliveryCity": None,
    "DeliveryCountryCode": "",
    "DeliveryPostalCode": None,
    "DeliveryMethodId": None,
    "DeliveryTermId": None,
    "PayToAccountId": None,
    "Name": "Bakkerij Van Dam",
    "Note": None,
    "ReverseChargeOnConstructionServices": False,
    "WebshopCustomerNumber": None,
    "MobilePhone": None,
    "Telephone": "",
    "TermsOfPaymentId": "8a2f0c4e-7b1d-4c3a-9e5f-1d2c3b4a5e6f",
    "TermsOfPayment": {
        "Id": "8a2f0c4e-7b1d-4c3a-9e5f-1d2c3b4a5e6f",
        "Name": "14 dagen",
        "NameEnglish": "14 days",
        "NumberOfDays": 14,
        "TermsOfPaymentTypeId": 0,
        "TermsOfPaymentTypeText": None,
        "AvailableForSales": True,
        "AvailableForPurchase": True,
    },
    "VatNumber": "",
    "WwwAddress": None,
    "LastInvoiceDate": "2024-04-30T00:00:00",
    "IsPrivatePerson": False,
    "IsNorthernIreland": False,
    "DiscountPercentage": 0.0,
    "Label": None,
    "IsActive": True,
    "ForceBookkeepVat": False,
    "EdiGlnNumber": None,
    "SalesDocumentLanguage": None,
    "ElectronicAddress": None,
    "ElectronicReference": None,
    "EdiServiceDelivererId": None,
    "AutoInvoiceActivationEmailSentDate": None,
    "AutoInvoiceB2CActivationEmailSentDate": None,
    "IsFutureInvoiceDateAllowed": True,
    "ChangedUtc": "2024-04-21T08:04:00.1234567Z",
    "UnpaidInvoicesAmount": 121.0,
    "MessageThreads": [],
    "Notes": [],
}

#: An article (ArticleApi) with the coding's VatRatePercent the plugin adds.
ARTICLE: dict[str, Any] = {
    "Id": "3c9d2e1f-0a4b-4c5d-8e6f-7a8b9c0d1e2f",
    "IsActive": True,
    "Number": "AV-1001 ",
    "Name": "Espressokopjes, set van 6",
    "NameEnglish": None,
    "Note": None,
    "NetPrice": 24.95,
    "GrossPrice": 30.19,
    "CodingId": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
    "CodingName": "Goederen 21%",
    "UnitId": "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
    "UnitName": "Stuks",
    "UnitAbbreviation": "st",
    "StockBalance": 40.0,
    "StockBalanceReserved": 2.5,
    "StockBalanceAvailable": 37.5,
    "StockBalanceManuallyChangedUtc": None,
    "StockValue": 548.9,
    "PurchasePrice": 13.72,
    "PurchasePriceManuallyChangedUtc": None,
    "IsStock": True,
    "SendToWebshop": True,
    "Barcodes": [{"Barcode": " 8712345010016", "BarcodeType": 0}],
    "CreatedUtc": "2024-04-11T08:00:00.0000000Z",
    "ChangedUtc": "2024-04-11T08:00:00.5170000Z",
    "VatRatePercent": 0.21,
}

#: An order (OrderApi) read with its Customer and each row's Article.
ORDER: dict[str, Any] = {
    "Id": "9f17cf65-d74a-598f-92ac-ac6faaef883d",
    "Amount": 49.9,
    "CustomerId": CUSTOMER["Id"],
    "CurrencyCode": "EUR",
    "CreatedUtc": "2024-05-01T08:00:00.1230000Z",
    "VatAmount": 10.48,
    "RoundingsAmount": -0.01,
    "DeliveredAmount": 0.0,
    "DeliveredVatAmount": 0.0,
    "DeliveredRoundingsAmount": 0.0,
    "DeliveryCustomerName": "",
    "DeliveryAddress1": None,
    "DeliveryAddress2": None,
    "DeliveryPostalCode": None,
    "DeliveryCity": None,
    "DeliveryCountryCode": None,
    "YourReference": " Webshop #1005 ",
    "OurReference": None,
    "InvoiceAddress1": "Laan 1940-1945 3 bis",
    "InvoiceAddress2": "",
    "InvoiceCity": "Rotterdam",
    "InvoiceCountryCode": "NL",
    "InvoiceCustomerName": "Bakkerij Van Dam",
    "InvoicePostalCode": "3012 KL",
    "DeliveryMethodName": None,
    "DeliveryMethodCode": None,
    "DeliveryTermName": None,
    "DeliveryTermCode": None,
    "EuThirdParty": False,
    "CustomerIsPrivatePerson": False,
    "IncludesVat": False,
    "OrderDate": "2024-05-01T00:00:00",
    "Status": 4,
    "Number": 1005,
    "ModifiedUtc": "2024-05-01T13:00:00.1234567Z",
    "DeliveryDate": None,
    "HouseWorkAmount": 0.0,
    "HouseWorkAutomaticDistribution": False,
    "HouseWorkCorporateIdentityNumber": None,
    "HouseWorkPropertyName": None,
    "RotReducedInvoicingType": 0,
    "ReverseChargeOnConstructionServices": False,
    "ShippedDateTime": "2024-05-02T09:30:00",
    "Rows": [
        {
            "Id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            "LineNumber": 0,
            "DeliveredQuantity": 0.0,
            "ArticleId": ARTICLE["Id"],
            "ArticleNumber": "AV-1001 ",
            "IsTextRow": False,
            "Text": "Espressokopjes, set van 6",
            "UnitPrice": 24.95,
            "DiscountPercentage": 0.1,
            "Quantity": 2.0,
            "WorkCostType": 0,
            "IsWorkCost": False,
            "EligibleForReverseChargeOnVat": False,
            "CostCenterItemId1": None,
            "VatRate": 0.21,
            "Article": {
                "Number": "AV-1001 ",
                "Barcodes": ARTICLE["Barcodes"],
                "VatRatePercent": 0.21,
                "CostKind": None,
            },
        },
        {
            "Id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
            "LineNumber": 1,
            "DeliveredQuantity": 0.0,
            "ArticleId": None,
            "ArticleNumber": None,
            "IsTextRow": True,
            "Text": "Graag bij de achterdeur afleveren",
            "UnitPrice": 0.0,
            "DiscountPercentage": 0.0,
            "Quantity": 0.0,
            "IsWorkCost": False,
            "EligibleForReverseChargeOnVat": False,
            "VatRate": None,
            "Article": None,
        },
    ],
    "Customer": CUSTOMER,
}


def test_real_customer_becomes_canonical_with_trimmed_text_and_no_empty_strings() -> None:
    found = structure(inbound("customers").apply(CUSTOMER, record_id="c"), Customer)
    assert found.email == "Jan@BakkerijVanDam.nl"
    assert found.company_name == "Bakkerij Van Dam" and found.debtor_number == "1005"
    assert found.contact is not None
    assert (found.contact.name, found.contact.email) == ("Jan van Dam", "Jan@BakkerijVanDam.nl")
    assert found.contact.phone is None and found.phone is None  # "" is no phone number
    assert found.vat_number is None
    assert found.payment_terms == "14 dagen" and found.currency == "EUR"
    address = found.billing_address
    assert address is not None
    assert (address.street, address.house_number, address.house_number_addition) == (
        "Laan 1940-1945",
        "3",
        "bis",
    )
    assert (address.postcode, address.city, address.country) == ("3012 KL", "Rotterdam", "NL")
    assert found.shipping_address is None  # nulls and "" only: no address at all


def test_real_order_becomes_canonical_with_decimals_dates_and_trimmed_codes() -> None:
    found = structure(inbound("orders").apply(ORDER, record_id="o"), Order)
    assert (found.number, found.status, found.reference) == ("1005", "invoiced", "Webshop #1005")
    assert found.order_date == date(2024, 5, 1)
    assert found.prices_include_vat is False
    assert found.total_excl_vat == Decimal("49.90") and found.total_vat == Decimal("10.48")
    assert found.total_incl_vat == Decimal("60.37")  # with the rounding of -0.01
    (line,) = found.lines  # the text row is no order line
    assert (line.sku, line.ean) == ("AV-1001", "8712345010016")
    assert isinstance(line.quantity, Decimal) and line.quantity == 2
    assert line.unit_price == Decimal("24.95") and line.discount_percentage == 10
    assert line.vat_rate == 21  # a percentage, never the fraction 0.21
    assert found.customer is not None and found.customer.email == "Jan@BakkerijVanDam.nl"
    assert found.billing_address is not None and found.billing_address.country == "NL"
    assert found.shipping_address is None


def test_real_article_becomes_a_product_and_a_stock_level() -> None:
    product = structure(inbound("products").apply(ARTICLE, record_id="a"), Product)
    assert (product.sku, product.ean, product.unit) == ("AV-1001", "8712345010016", "st")
    assert product.price_excl_vat == Decimal("24.95") and product.price_incl_vat == Decimal("30.19")
    assert product.vat_rate == 21 and product.vat_code == "Goederen 21%"
    level = structure(inbound("stock").apply(ARTICLE, record_id="a"), StockLevel)
    assert level.sku == "AV-1001"
    assert (level.on_hand, level.reserved, level.available) == (
        Decimal("40.0"),
        Decimal("2.5"),
        Decimal("37.5"),
    )


def test_real_change_time_with_seven_decimals_is_read_and_becomes_the_cursor(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    victim = sandbox.store["customers"].all()[-1]
    stamp = "2024-06-01T10:15:30.1234567Z"
    sandbox.store["customers"].update(victim["Id"], {"ChangedUtc": stamp, "Telephone": ""})
    records = read(connection, "customers")
    assert all(r.error is None for r in records)
    assert records[-1].id == victim["Id"] and records[-1].cursor == stamp
    mapped = structure(inbound("customers").apply(records[-1].data, record_id="c"), Customer)
    assert mapped.phone is None
