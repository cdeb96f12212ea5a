"""One run's view of an eAccounting company: the lookups it batches.

A :class:`Company` lives in the connection's session for one run. Reference lists
(units, codings, VAT codes, terms of payment) and the customer and article
indexes are read once, page by page, and then answer every lookup of the run
without another call ("fetch all customers' e-mails once, not one query per
order"). Writes keep the indexes current.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from koppel.connector import Session
from koppel.errors import ValidationError
from koppel.records import to_decimal
from koppel_eaccounting.client import EAccountingClient
from koppel_eaccounting.settings import EAccountingSettings

__all__ = ["Company"]


def _norm(value: Any) -> str:
    return str(value).strip().casefold() if value is not None else ""


class Company:
    """The reference lists and indexes of one connection during one run."""

    def __init__(self, client: EAccountingClient, settings: EAccountingSettings) -> None:
        self.client = client
        self.settings = settings
        self._lists: dict[str, list[dict[str, Any]]] = {}
        self._customers: dict[str, dict[str, Any]] | None = None
        self._customers_by_id: dict[str, dict[str, Any]] = {}
        self._articles: dict[str, dict[str, Any]] | None = None

    @classmethod
    def of(cls, session: Session) -> Company:
        """The company of the connection's session, made on first use in the run."""
        company: Company = session.cached("company", lambda: cls(session.client, session.settings))
        return company

    # -- reference lists --------------------------------------------------------------

    def reference(self, path: str) -> list[dict[str, Any]]:
        """Every record of a reference list (``units``, ``vatcodes``, ...), read once."""
        if path not in self._lists:
            self._lists[path] = list(self.client.pages(path))
        return self._lists[path]

    def vat_rate_of_coding(self, coding_id: Any) -> Decimal | None:
        """The VAT rate (a fraction) of an article account coding."""
        for coding in self.reference("articleaccountcodings"):
            if coding.get("Id") == coding_id and coding.get("VatRatePercent") is not None:
                return to_decimal(coding["VatRatePercent"])
        return None

    def terms_of_payment_id(self, wanted: Any) -> str:
        """The id of the terms of payment ``wanted`` names: id, name, English name or days.

        Without ``wanted``, the connection's ``default_terms_of_payment`` (30 days by default).

        :raises ValidationError: naming the value and the terms that exist.
        """
        value = wanted if wanted not in (None, "") else self.settings.default_terms_of_payment
        terms = [t for t in self.reference("termsofpayments") if t.get("AvailableForSales", True)]
        for term in terms:
            names = (term.get("Id"), term.get("Name"), term.get("NameEnglish"))
            if _norm(value) in {_norm(n) for n in names if n}:
                return str(term["Id"])
        days = str(value).strip().split()[0] if str(value).strip() else ""
        if days.isdigit():
            for term in terms:
                if term.get("NumberOfDays") == int(days) and term.get("TermsOfPaymentTypeId") == 0:
                    return str(term["Id"])
        known = ", ".join(str(t.get("Name")) for t in terms)
        raise ValidationError(
            f"no terms of payment {value!r} in eAccounting (it has: {known}); map payment_terms "
            "or set default_terms_of_payment",
            field="TermsOfPaymentId",
        )

    def unit_id(self, wanted: Any) -> str:
        """The id of the unit ``wanted`` names (id, code, name or abbreviation).

        Without ``wanted``, the connection's ``default_unit`` (``st`` by default).
        """
        value = wanted if wanted not in (None, "") else self.settings.default_unit
        for unit in self.reference("units"):
            names = (unit.get("Id"), unit.get("Code"), unit.get("Name"), unit.get("Abbreviation"))
            if _norm(value) in {_norm(n) for n in names if n}:
                return str(unit["Id"])
        known = ", ".join(
            str(u.get("Abbreviation") or u.get("Name")) for u in self.reference("units")
        )
        raise ValidationError(
            f"no unit {value!r} in eAccounting (it has: {known}); map unit or set default_unit",
            field="UnitId",
        )

    def coding_id(self, vat_rate: Any = None, name: Any = None) -> str:
        """The article account coding for a VAT rate (a fraction or a percentage) or a name.

        Without either, the connection's ``default_coding`` (a name or id), else
        the first active goods coding at 21 %.
        """
        codings = [c for c in self.reference("articleaccountcodings") if c.get("IsActive", True)]
        wanted_name = name or self.settings.default_coding
        if wanted_name:
            for coding in codings:
                names = (coding.get("Id"), coding.get("Name"), coding.get("NameEnglish"))
                if _norm(wanted_name) in {_norm(n) for n in names if n}:
                    return str(coding["Id"])
        rate = to_decimal(vat_rate) if vat_rate not in (None, "") else Decimal("0.21")
        if rate > 1:
            rate = rate / 100
        goods_first = sorted(codings, key=lambda c: c.get("Type") != "Goods")
        for coding in goods_first:
            if (
                coding.get("VatRatePercent") is not None
                and to_decimal(coding["VatRatePercent"]) == rate
            ):
                return str(coding["Id"])
        raise ValidationError(
            f"no article account coding for VAT rate {rate} in eAccounting; map vat_code to a "
            "coding name or set default_coding",
            field="CodingId",
        )

    # -- customers ----------------------------------------------------------------------

    def customers_by_email(self) -> dict[str, dict[str, Any]]:
        """Every customer by trimmed, lower-cased e-mail address (the oldest number wins)."""
        if self._customers is None:
            index: dict[str, dict[str, Any]] = {}
            for customer in self.client.pages("customers", orderby="CustomerNumber asc"):
                self._remember_customer(customer, index)
            self._customers = index
        return self._customers

    def _remember_customer(
        self, customer: dict[str, Any], index: dict[str, dict[str, Any]] | None = None
    ) -> None:
        self._customers_by_id[str(customer.get("Id"))] = customer
        target = index if index is not None else self._customers
        if target is None:
            return
        key = _norm(customer.get("EmailAddress"))
        if key and (key not in target or target[key].get("Id") == customer.get("Id")):
            target[key] = customer

    def customer(self, customer_id: str) -> dict[str, Any]:
        """The customer with ``customer_id``, from the index when it is there."""
        self.customers_by_email()
        known = self._customers_by_id.get(customer_id)
        if known is not None:
            return known
        found: dict[str, Any] = self.client.get(f"customers/{quote(customer_id, safe='')}")
        self._customers_by_id[customer_id] = found
        return found

    def customer_by_number(self, number: str) -> dict[str, Any] | None:
        """The customer with customer number (or id) ``number``, or None."""
        self.customers_by_email()
        for customer in self._customers_by_id.values():
            if str(customer.get("CustomerNumber")) == number or customer.get("Id") == number:
                return customer
        return None

    def customer_saved(self, customer: dict[str, Any]) -> None:
        """Keep the index current after a create or update."""
        if self._customers is not None:
            stale = [k for k, v in self._customers.items() if v.get("Id") == customer.get("Id")]
            for key in stale:
                del self._customers[key]
        self._remember_customer(customer)

    # -- articles -----------------------------------------------------------------------

    def articles_by_id(self) -> dict[str, dict[str, Any]]:
        """Every article by id, read once."""
        if self._articles is None:
            self._articles = {str(a["Id"]): a for a in self.client.pages("articles")}
        return self._articles

    def articles_by_number(self) -> dict[str, dict[str, Any]]:
        """Every article by number (SKU), trimmed."""
        return {str(a.get("Number", "")).strip(): a for a in self.articles_by_id().values()}

    def articles_by_ean(self) -> dict[str, dict[str, Any]]:
        """Every article by the barcodes (EAN/GTIN) it carries."""
        index: dict[str, dict[str, Any]] = {}
        for article in self.articles_by_id().values():
            for code in article.get("Barcodes") or ():
                if isinstance(code, dict) and code.get("Barcode"):
                    index.setdefault(str(code["Barcode"]).strip(), article)
        return index

    def article(self, article_id: str) -> dict[str, Any]:
        """The article with ``article_id``, from the index when it is there."""
        known = self.articles_by_id().get(article_id)
        if known is not None:
            return known
        found: dict[str, Any] = self.client.get(f"articles/{quote(article_id, safe='')}")
        return found

    def article_saved(self, article: dict[str, Any]) -> None:
        """Keep the index current after a create or update."""
        if self._articles is not None:
            self._articles[str(article["Id"])] = article

    def find_article(self, sku: Any = None, ean: Any = None) -> dict[str, Any] | None:
        """The article with SKU ``sku``, else with barcode ``ean``."""
        if sku not in (None, ""):
            found = self.articles_by_number().get(str(sku).strip())
            if found is not None:
                return found
        if ean not in (None, ""):
            return self.articles_by_ean().get(str(ean).strip())
        return None

    def with_vat_rate(self, article: Mapping[str, Any]) -> dict[str, Any]:
        """``article`` with ``VatRatePercent`` from its coding (read with the article)."""
        rate = self.vat_rate_of_coding(article.get("CodingId"))
        return {**article, "VatRatePercent": float(rate) if rate is not None else None}
