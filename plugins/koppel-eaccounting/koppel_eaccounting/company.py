"""One run's view of an eAccounting company: the lookups it batches.

A :class:`Company` lives in the connection's session for one run. Reference lists
(units, codings, VAT codes, terms of payment) and the customer and article
indexes are read once, page by page, and then answer every lookup of the run
without another call ("fetch all customers' e-mails once, not one query per
order"). Writes keep the indexes current.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from koppel.connector import Session
from koppel.errors import TransientError, ValidationError
from koppel.records import to_decimal
from koppel_eaccounting.client import EAccountingClient
from koppel_eaccounting.settings import EAccountingSettings

__all__ = ["Company"]


def _norm(value: Any) -> str:
    return str(value).strip().casefold() if value is not None else ""


def _fraction(rate: Any) -> Decimal:
    """A VAT rate as a fraction: one above 1 is a percentage (``21`` is ``0.21``)."""
    value = to_decimal(rate)
    return value / 100 if value > 1 else value


def _rank(record: Mapping[str, Any], field: str) -> tuple[int, int, str]:
    """Lowest number first: numeric numbers by value (``998`` before ``1001``), then
    the others as text."""
    text = str(record.get(field) or "").strip()
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def _email_keys(customer: Mapping[str, Any]) -> list[str]:
    return [_norm(customer.get("EmailAddress"))]


def _number_keys(article: Mapping[str, Any]) -> list[str]:
    return [str(article.get("Number") or "").strip()]


def _barcode_keys(article: Mapping[str, Any]) -> list[str]:
    codes = article.get("Barcodes") or ()
    return [str(c["Barcode"]).strip() for c in codes if isinstance(c, Mapping) and c.get("Barcode")]


def _index(
    records: Iterable[dict[str, Any]],
    keys: Callable[[Mapping[str, Any]], list[str]],
    rank_by: str,
) -> dict[str, list[dict[str, Any]]]:
    """``records`` by each of their keys, those sharing a key ranked by ``rank_by``."""
    index: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(records, key=lambda r: _rank(r, rank_by)):
        for key in dict.fromkeys(keys(record)):
            if key:
                index.setdefault(key, []).append(record)
    return index


class Company:
    """The reference lists and indexes of one connection during one run."""

    def __init__(self, client: EAccountingClient, settings: EAccountingSettings) -> None:
        self.client = client
        self.settings = settings
        self._lists: dict[str, list[dict[str, Any]]] = {}
        self._customers: dict[str, list[dict[str, Any]]] | None = None
        self._customers_by_id: dict[str, dict[str, Any]] = {}
        self._articles: dict[str, dict[str, Any]] | None = None
        self._settings: dict[str, Any] | None = None

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

    def company_settings(self) -> dict[str, Any]:
        """The company's settings (``/v2/companysettings``), read once: its country,
        currency and ``ShowPricesExclVatPC``."""
        if self._settings is None:
            answer = self.client.get("companysettings")
            if not isinstance(answer, dict):
                raise TransientError(
                    "eAccounting answered its company settings without an object",
                    path="companysettings",
                )
            self._settings = answer
        return self._settings

    def vat_rate_of_coding(self, coding_id: Any) -> Decimal | None:
        """The VAT rate (a fraction) of an article account coding. S1 does not say whether
        ``VatRatePercent`` is a fraction (0.21) or a percentage (21): above 1 it is read as
        a percentage."""
        for coding in self.reference("articleaccountcodings"):
            if coding.get("Id") == coding_id and coding.get("VatRatePercent") is not None:
                return _fraction(coding["VatRatePercent"])
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
        rate = _fraction(vat_rate if vat_rate not in (None, "") else "0.21")
        goods_first = sorted(codings, key=lambda c: c.get("Type") != "Goods")
        for coding in goods_first:
            if (
                coding.get("VatRatePercent") is not None
                and _fraction(coding["VatRatePercent"]) == rate
            ):
                return str(coding["Id"])
        raise ValidationError(
            f"no article account coding for VAT rate {rate} in eAccounting; map vat_code to a "
            "coding name or set default_coding",
            field="CodingId",
        )

    # -- customers ----------------------------------------------------------------------

    def customers_by_email(self) -> dict[str, list[dict[str, Any]]]:
        """Every customer by trimmed, lower-cased e-mail address, several to an address
        where they share one (real data does), lowest customer number first."""
        if self._customers is None:
            for customer in self.client.pages("customers", orderby="CustomerNumber asc"):
                self._customers_by_id[str(customer.get("Id"))] = customer
            self._customers = _index(self._customers_by_id.values(), _email_keys, "CustomerNumber")
        return self._customers

    def customers_with_email(self, email: Any) -> list[dict[str, Any]]:
        """The customers with e-mail address ``email`` (trimmed, any case), best first."""
        return self.customers_by_email().get(_norm(email), [])

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
        self._customers_by_id[str(customer.get("Id"))] = customer
        if self._customers is not None:
            self._customers = _index(self._customers_by_id.values(), _email_keys, "CustomerNumber")

    def customer_deleted(self, customer_id: str) -> None:
        """Keep the index current after a delete."""
        if self._customers_by_id.pop(customer_id, None) is not None and self._customers is not None:
            self._customers = _index(self._customers_by_id.values(), _email_keys, "CustomerNumber")

    # -- articles -----------------------------------------------------------------------

    def articles_by_id(self) -> dict[str, dict[str, Any]]:
        """Every article by id, read once."""
        if self._articles is None:
            self._articles = {str(a["Id"]): a for a in self.client.pages("articles")}
        return self._articles

    def articles_by_number(self) -> dict[str, list[dict[str, Any]]]:
        """Every article by number (SKU), trimmed; several where numbers differ only
        in spaces around them, lowest number first."""
        return _index(self.articles_by_id().values(), _number_keys, "Number")

    def articles_by_ean(self) -> dict[str, list[dict[str, Any]]]:
        """Every article by the barcodes (EAN/GTIN) it carries; several where they share
        one, lowest article number first."""
        return _index(self.articles_by_id().values(), _barcode_keys, "Number")

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
        """The article with SKU ``sku``, else with barcode ``ean``.

        :raises ValidationError: when several articles have that SKU or barcode,
            naming their numbers (never one picked silently).
        """
        for key, index, field in (
            (sku, self.articles_by_number, "ArticleNumber"),
            (ean, self.articles_by_ean, "Barcodes"),
        ):
            if key in (None, ""):
                continue
            found = index().get(str(key).strip(), [])
            if len(found) > 1:
                numbers = ", ".join(str(a.get("Number")) for a in found)
                raise ValidationError(
                    f"{len(found)} articles in eAccounting have {field} {str(key).strip()}: "
                    f"{numbers}; make it unique in eAccounting",
                    field=field,
                    candidates=[str(a.get("Number")) for a in found],
                )
            if found:
                return found[0]
        return None

    def with_vat_rate(self, article: Mapping[str, Any]) -> dict[str, Any]:
        """``article`` with ``VatRatePercent`` from its coding (read with the article)."""
        rate = self.vat_rate_of_coding(article.get("CodingId"))
        return {**article, "VatRatePercent": float(rate) if rate is not None else None}
