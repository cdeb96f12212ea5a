"""One run's view of an eAccounting company: the lookups it batches and the facts it keeps.

A :class:`Company` lives in the connection's session for one run. Customers and
articles are read by key, as many keys a call as the filter takes, and the whole list
only when a lookup wants more keys than that is worth (:mod:`koppel_eaccounting.known`):
what a run costs grows with what it reads or writes, not with the company's size.
Reference lists (units, codings, VAT codes, terms of payment) and the company settings
seldom change: they are kept in the state store for a day (``Session.remembered``),
and read again at once when a name or id is not in the kept list. Writes keep what
the run knows current.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from koppel.connector import Session
from koppel.errors import TransientError, ValidationError
from koppel.records import to_decimal
from koppel_eaccounting.client import EAccountingClient, odata_literal
from koppel_eaccounting.known import Known
from koppel_eaccounting.settings import EAccountingSettings

__all__ = ["FACTS_FOR", "Company"]

#: How long reference lists and the company settings are kept in the state store.
FACTS_FOR = timedelta(days=1)


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


def _guid(value: Any) -> str:
    """An id as an OData GUID literal (unquoted); ValueError when it is no GUID."""
    return odata_literal(uuid.UUID(str(value)))


def _is_guid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _unknown_guids(known: Known, ids: Iterable[Any]) -> list[str]:
    """The GUIDs among ``ids`` (as text) that ``known`` does not hold yet; the ones it
    holds are passed over before any is parsed."""
    texts = dict.fromkeys(map(str, ids))
    return [text for text in texts if text not in known.by_id and _is_guid(text)]


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

    def __init__(self, session: Session) -> None:
        self.session = session
        self.client: EAccountingClient = session.client
        self.settings: EAccountingSettings = session.settings
        self._lists: dict[str, list[dict[str, Any]]] = {}
        #: Per reference list, what lookups found in it; forgotten when it is read again.
        self._found: dict[str, dict[Any, Any]] = {}
        self._fresh: set[str] = set()
        self._settings: dict[str, Any] | None = None
        self.customers = Known(self.client, "customers", orderby="CustomerNumber asc")
        self.articles = Known(self.client, "articles")
        self._indexes: dict[str, tuple[int, dict[str, list[dict[str, Any]]]]] = {}

    @classmethod
    def of(cls, session: Session) -> Company:
        """The company of the connection's session, made on first use in the run."""
        company: Company = session.cached("company", lambda: cls(session))
        return company

    # -- facts kept between runs ------------------------------------------------------

    def remembered(self, key: str, fetch: Callable[[], Any], *, refresh: bool = False) -> Any:
        """``fetch()`` kept in the state store for :data:`FACTS_FOR` under the connection's
        name and ``key``; ``refresh`` reads it again."""
        name = self.session.connection.name
        return self.session.remembered(f"{name}/{key}", fetch, max_age=FACTS_FOR, refresh=refresh)

    def reference(self, path: str, *, refresh: bool = False) -> list[dict[str, Any]]:
        """Every record of a reference list (``units``, ``vatcodes``, ...), kept between runs
        for a day; ``refresh`` reads it again (once a run)."""
        again = refresh and path not in self._fresh
        if again or path not in self._lists:
            found = self.remembered(path, lambda: list(self.client.pages(path)), refresh=again)
            self._lists[path] = [r for r in found if isinstance(r, dict)]
            self._found.pop(path, None)
            if again:
                self._fresh.add(path)
        return self._lists[path]

    def looked_up(self, path: str, find: Callable[[list[dict[str, Any]]], Any]) -> Any:
        """``find`` in reference list ``path``; when it finds nothing (None) in the kept
        list, once more in the list read again (a unit or coding added since)."""
        found = find(self.reference(path))
        if found is None and path not in self._fresh:
            found = find(self.reference(path, refresh=True))
        return found

    def company_settings(self) -> dict[str, Any]:
        """The company's settings (``/v2/companysettings``), kept between runs for a day:
        its country, currency and ``ShowPricesExclVatPC``."""
        if self._settings is None:
            answer = self.remembered("companysettings", lambda: self.client.get("companysettings"))
            if not isinstance(answer, dict):
                raise TransientError(
                    "eAccounting answered its company settings without an object",
                    path="companysettings",
                )
            self._settings = answer
        return self._settings

    def codings(self) -> list[dict[str, Any]] | None:
        """The article account codings the run read last (None before the first read):
        the VAT rates :meth:`vat_rate_of_coding` answers stay the same while it does."""
        return self._lists.get("articleaccountcodings")

    def vat_rate_of_coding(self, coding_id: Any) -> Decimal | None:
        """The VAT rate (a fraction) of an article account coding. S1 does not say whether
        ``VatRatePercent`` is a fraction (0.21) or a percentage (21): above 1 it is read as
        a percentage. The rate of a coding id (text) is looked up once per read of the list."""

        def find(codings: list[dict[str, Any]]) -> Decimal | None:
            for coding in codings:
                if coding.get("Id") == coding_id and coding.get("VatRatePercent") is not None:
                    return _fraction(coding["VatRatePercent"])
            return None

        if coding_id in (None, ""):
            return None
        path = "articleaccountcodings"
        if not isinstance(coding_id, str):  # not an id: looked up, not kept
            found: Decimal | None = self.looked_up(path, find)
            return found
        kept = self._found.get(path, {})
        if coding_id in kept:
            rate: Decimal | None = kept[coding_id]
            return rate
        rate = self.looked_up(path, find)
        self._found.setdefault(path, {})[coding_id] = rate  # in the list read last
        return rate

    def terms_of_payment_id(self, wanted: Any) -> str:
        """The id of the terms of payment ``wanted`` names: id, name, English name or days.

        Without ``wanted``, the connection's ``default_terms_of_payment`` (30 days by default).

        :raises ValidationError: naming the value and the terms that exist.
        """
        value = wanted if wanted not in (None, "") else self.settings.default_terms_of_payment

        def sales(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [t for t in found if t.get("AvailableForSales", True)]

        def find(found: list[dict[str, Any]]) -> str | None:
            terms = sales(found)
            for term in terms:
                names = (term.get("Id"), term.get("Name"), term.get("NameEnglish"))
                if _norm(value) in {_norm(n) for n in names if n}:
                    return str(term["Id"])
            days = str(value).strip().split()[0] if str(value).strip() else ""
            if days.isdigit():
                for term in terms:
                    if (
                        term.get("NumberOfDays") == int(days)
                        and term.get("TermsOfPaymentTypeId") == 0
                    ):
                        return str(term["Id"])
            return None

        found: str | None = self.looked_up("termsofpayments", find)
        if found is not None:
            return found
        known = ", ".join(str(t.get("Name")) for t in sales(self.reference("termsofpayments")))
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

        def find(units: list[dict[str, Any]]) -> str | None:
            for unit in units:
                names = (
                    unit.get("Id"),
                    unit.get("Code"),
                    unit.get("Name"),
                    unit.get("Abbreviation"),
                )
                if _norm(value) in {_norm(n) for n in names if n}:
                    return str(unit["Id"])
            return None

        found: str | None = self.looked_up("units", find)
        if found is not None:
            return found
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
        wanted_name = name or self.settings.default_coding
        rate = _fraction(vat_rate if vat_rate not in (None, "") else "0.21")

        def find(found: list[dict[str, Any]]) -> str | None:
            codings = [c for c in found if c.get("IsActive", True)]
            if wanted_name:
                for coding in codings:
                    names = (coding.get("Id"), coding.get("Name"), coding.get("NameEnglish"))
                    if _norm(wanted_name) in {_norm(n) for n in names if n}:
                        return str(coding["Id"])
            goods_first = sorted(codings, key=lambda c: c.get("Type") != "Goods")
            for coding in goods_first:
                if (
                    coding.get("VatRatePercent") is not None
                    and _fraction(coding["VatRatePercent"]) == rate
                ):
                    return str(coding["Id"])
            return None

        found: str | None = self.looked_up("articleaccountcodings", find)
        if found is not None:
            return found
        raise ValidationError(
            f"no article account coding for VAT rate {rate} in eAccounting; map vat_code to a "
            "coding name or set default_coding",
            field="CodingId",
        )

    # -- customers ----------------------------------------------------------------------

    def want_customers(self, ids: Iterable[Any]) -> None:
        """Read the customers with these ids that the run does not know yet, by key."""
        self.customers.want("Id", _unknown_guids(self.customers, ids), _guid)

    def want_emails(self, emails: Iterable[Any]) -> None:
        """Read the customers with these e-mail addresses (trimmed, any case), by key:
        ``contains(tolower(EmailAddress), ...)`` also finds an address stored with spaces
        around it; the index compares them trimmed."""
        self.customers.want(
            "EmailAddress",
            [_norm(e) for e in emails],
            odata_literal,
            condition="contains(tolower({field}), {value})",
        )

    def _indexed(
        self,
        name: str,
        known: Known,
        keys: Callable[[Mapping[str, Any]], list[str]],
        rank_by: str,
    ) -> dict[str, list[dict[str, Any]]]:
        kept = self._indexes.get(name)
        if kept is None or kept[0] != known.version:
            kept = (known.version, _index(known.by_id.values(), keys, rank_by))
            self._indexes[name] = kept
        return kept[1]

    def customers_with_email(self, email: Any) -> list[dict[str, Any]]:
        """The customers with e-mail address ``email`` (trimmed, any case), where several
        share one (real data does) lowest customer number first."""
        self.want_emails([email])
        index = self._indexed("email", self.customers, _email_keys, "CustomerNumber")
        return index.get(_norm(email), [])

    def customer(self, customer_id: str) -> dict[str, Any]:
        """The customer with ``customer_id``: known in the run, else read by key."""
        known = self.customers.by_id.get(customer_id)
        if known is None:
            self.want_customers([customer_id])
            known = self.customers.by_id.get(customer_id)
        if known is not None:
            return known
        found: dict[str, Any] = self.client.get(f"customers/{quote(customer_id, safe='')}")
        self.customers.keep(found)
        return found

    def customer_by_number(self, number: str) -> dict[str, Any] | None:
        """The customer with customer number (or id) ``number``, or None (the
        ``default_customer``: kept between runs for a day)."""

        def read() -> dict[str, Any] | None:
            clause = f"CustomerNumber eq {odata_literal(number)}"
            if _is_guid(number):
                clause += f" or Id eq {_guid(number)}"
            found = list(self.client.pages("customers", filter=clause))
            return found[0] if found else None

        key = f"customer-number/{number}"
        customer = self.remembered(key, read)
        if not isinstance(customer, dict):  # none kept: ask again, it may exist by now
            customer = self.remembered(key, read, refresh=True)
        return customer if isinstance(customer, dict) else None

    def customer_saved(self, customer: dict[str, Any]) -> None:
        """Keep what the run knows current after a create or update."""
        self.customers.keep(customer)

    def customer_deleted(self, customer_id: str) -> None:
        """Keep what the run knows current after a delete."""
        self.customers.drop(customer_id)

    # -- articles -----------------------------------------------------------------------

    def want_articles(self, ids: Iterable[Any]) -> None:
        """Read the articles with these ids that the run does not know yet, by key."""
        self.articles.want("Id", _unknown_guids(self.articles, ids), _guid)

    def want_numbers(self, numbers: Iterable[Any]) -> None:
        """Read the articles with these numbers (SKUs), by key: ``contains(Number, ...)``
        also finds a number stored with spaces around it; the index compares them trimmed."""
        self.articles.want(
            "Number",
            [str(n).strip() for n in numbers],
            odata_literal,
            condition="contains({field}, {value})",
        )

    def known_article(self, article_id: Any) -> dict[str, Any] | None:
        """The article ``article_id`` if the run knows it (see :meth:`want_articles`)."""
        return self.articles.by_id.get(str(article_id))

    def articles_by_number(self, numbers: Iterable[Any] = ()) -> dict[str, list[dict[str, Any]]]:
        """The articles with these numbers (SKUs) by number, trimmed; several where numbers
        differ only in spaces around them, lowest number first."""
        self.want_numbers(numbers)
        return self._indexed("number", self.articles, _number_keys, "Number")

    def articles_by_ean(self) -> dict[str, list[dict[str, Any]]]:
        """Every article by the barcodes (EAN/GTIN) it carries; several where they share
        one, lowest article number first. No filter on barcodes is known: the whole list
        is read (once a run)."""
        self.articles.read_all()
        return self._indexed("ean", self.articles, _barcode_keys, "Number")

    def article(self, article_id: str) -> dict[str, Any]:
        """The article with ``article_id``: known in the run, else read by key."""
        self.want_articles([article_id])
        known = self.known_article(article_id)
        if known is not None:
            return known
        found: dict[str, Any] = self.client.get(f"articles/{quote(article_id, safe='')}")
        return found

    def article_saved(self, article: dict[str, Any]) -> None:
        """Keep what the run knows current after a create or update."""
        self.articles.keep(article)

    def find_article(self, sku: Any = None, ean: Any = None) -> dict[str, Any] | None:
        """The article with SKU ``sku``, else with barcode ``ean``.

        :raises ValidationError: when several articles have that SKU or barcode,
            naming their numbers (never one picked silently).
        """
        for key, field in ((sku, "ArticleNumber"), (ean, "Barcodes")):
            if key in (None, ""):
                continue
            text = str(key).strip()
            index = (
                self.articles_by_ean() if field == "Barcodes" else self.articles_by_number([text])
            )
            found = index.get(text, [])
            if len(found) > 1:
                numbers = ", ".join(str(a.get("Number")) for a in found)
                raise ValidationError(
                    f"{len(found)} articles in eAccounting have {field} {text}: "
                    f"{numbers}; make it unique in eAccounting",
                    field=field,
                    candidates=[str(a.get("Number")) for a in found],
                )
            if found:
                return found[0]
        return None

    def vat_rate_percent(self, article: Mapping[str, Any]) -> float | None:
        """The ``VatRatePercent`` of ``article``: its coding's VAT rate (a fraction)."""
        rate = self.vat_rate_of_coding(article.get("CodingId"))
        return float(rate) if rate is not None else None

    def with_vat_rate(self, article: Mapping[str, Any]) -> dict[str, Any]:
        """``article`` with ``VatRatePercent`` from its coding (read with the article)."""
        return {**article, "VatRatePercent": self.vat_rate_percent(article)}
