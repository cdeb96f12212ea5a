"""The :class:`AccountPlan` a connection's settings and a flow's lookup tables describe.

One settings shape for every connector that books orders (``docs/accounting.md``,
"Account plan settings")::

    [settings]
    journal = "90"                 # optional: journal code of the entry
    home_country = "NL"            # default NL: the country of the books (EU OSS)
    oss = true                     # default true: EU One-Stop Shop
    rounding_threshold = "0.05"    # default 0.05: largest difference booked as rounding
    rounding_mode = "half_up"      # default half_up: how cents are rounded
    company_currency = "EUR"       # optional: book company-currency amounts too

    [settings.accounts]            # debtor, revenue, vat and rounding are required
    debtor = "1300"
    revenue = "8000"
    vat = "1500"
    rounding = "8990"
    shipping = "8100"              # optional: shipping, fee, discount
    revenue_by_rate = { "9" = "8010" }   # optional: revenue account per VAT rate
    vat_by_code = { "L" = "1510" }       # optional: VAT account per VAT code

    [lookups.revenue_accounts]     # optional: revenue account per tax country ("*": any)
    [lookups.vat_codes]            # optional: VAT code per "COUNTRY:RATE" ("NL:21" = "2")
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from koppel.accounting._plan import AccountPlan
from koppel.accounting._reconcile import DEFAULT_ROUNDING_THRESHOLD
from koppel.accounting._tables import WILDCARD, RevenueAccountTable, VatCodeTable, _rate_key
from koppel.errors import ConfigurationError
from koppel.records import to_decimal

__all__ = ["account_plan_from_settings", "tax_tables"]

_REQUIRED = ("debtor", "revenue", "vat", "rounding")
_OPTIONAL = ("shipping", "fee", "discount")
_PER_KEY = ("revenue_by_rate", "vat_by_code")
_ACCOUNT_KEYS = (*_REQUIRED, *_OPTIONAL, *_PER_KEY)
_ROUNDING_MODES = (
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
    "ROUND_HALF_UP",
    "ROUND_HALF_DOWN",
    "ROUND_HALF_EVEN",
    "ROUND_05UP",
)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def account_plan_from_settings(
    settings: Mapping[str, Any],
    *,
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
    system: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> AccountPlan:
    """The account plan in a connection's ``settings`` and a flow's ``lookups``.

    >>> plan = account_plan_from_settings(
    ...     {"journal": "90", "accounts": {"debtor": "1300", "revenue": "8000", "vat": "1500",
    ...                                    "rounding": "8990", "revenue_by_rate": {"9": "8010"}}},
    ...     lookups={"vat_codes": {"NL:21": "2", "NL:9": "1"}},
    ... )
    >>> plan.revenue_account_for(Decimal("9.0"), "NL"), plan.vat_codes.lookup(21, "NL")
    ('8010', '2')

    :param settings: the connection's settings in the shape of this module's docstring.
    :param lookups: the flow's lookup tables; ``revenue_accounts`` and ``vat_codes`` are
        used, an empty table counts as not given.
    :param system: the system whose settings these are, named in errors.
    :param defaults: what the system uses where ``settings`` leave a value out, in the
        same shape (``{"journal": "90", "accounts": {"debtor": "1210"}}``).
    :raises ConfigurationError: naming every missing or unknown account
        (``settings.accounts.revenue``), or the setting or lookup table with a bad value.
    """
    values = _with_defaults(settings, defaults or {})
    accounts = _accounts(values.get("accounts"), system)
    vat_codes, revenue_accounts = tax_tables(lookups, system=system)

    def code(key: str) -> str | None:
        value = accounts.get(key)
        return None if value is None else _code(value, f"settings.accounts.{key}", system)

    journal = values.get("journal")
    threshold = values.get("rounding_threshold")
    mode = values.get("rounding_mode")
    currency = values.get("company_currency")
    return AccountPlan(
        debtor_account=_code(accounts["debtor"], "settings.accounts.debtor", system),
        revenue_account=_code(accounts["revenue"], "settings.accounts.revenue", system),
        vat_account=_code(accounts["vat"], "settings.accounts.vat", system),
        rounding_account=_code(accounts["rounding"], "settings.accounts.rounding", system),
        shipping_account=code("shipping"),
        fee_account=code("fee"),
        discount_account=code("discount"),
        revenue_accounts_by_rate=_revenue_by_rate(accounts.get("revenue_by_rate"), system),
        vat_accounts=_vat_by_code(accounts.get("vat_by_code"), system),
        revenue_accounts=revenue_accounts,
        vat_codes=vat_codes,
        journal=None
        if journal is None
        else _code(journal, "settings.journal", system, "a journal code"),
        home_country=_country(values.get("home_country", "NL"), "settings.home_country", system),
        oss=_flag(values.get("oss", True), "settings.oss", system),
        rounding_threshold=DEFAULT_ROUNDING_THRESHOLD
        if threshold is None
        else _threshold(threshold, system),
        rounding="ROUND_HALF_UP" if mode is None else _rounding_mode(mode, system),
        company_currency=None if currency is None else _currency(currency, system),
    )


def tax_tables(
    lookups: Mapping[str, Mapping[str, Any]] | None, *, system: str | None = None
) -> tuple[VatCodeTable | None, RevenueAccountTable | None]:
    """The flow's ``vat_codes`` and ``revenue_accounts`` lookup tables, checked and parsed;
    None for a table not given or empty. For targets that book lines without a whole
    account plan (a sales entry), as :func:`account_plan_from_settings` does with one.

    >>> vat, revenue = tax_tables(
    ...     {"vat_codes": {"NL:9": "1", "*:21": "2"}, "revenue_accounts": {"BE": "8100"}}
    ... )
    >>> vat.lookup(9, "NL"), vat.lookup(21, "BE"), revenue.lookup("BE")
    ('1', '2', '8100')

    :raises ConfigurationError: naming the lookup table with a bad key or value.
    """
    tables = lookups or {}
    return (
        _vat_codes(tables.get("vat_codes"), system),
        _revenue_accounts(tables.get("revenue_accounts"), system),
    )


def _with_defaults(settings: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **{k: v for k, v in settings.items() if v is not None}}
    accounts, fallback = settings.get("accounts"), defaults.get("accounts")
    if isinstance(accounts, Mapping) and isinstance(fallback, Mapping):
        merged["accounts"] = {**fallback, **accounts}
    return merged


def _accounts(value: object, system: str | None) -> Mapping[str, Any]:
    accounts = _table(value, "settings.accounts", system, "account codes")
    missing = [key for key in _REQUIRED if _blank(accounts.get(key))]
    unknown = sorted(str(key) for key in accounts if key not in _ACCOUNT_KEYS)
    if not missing and not unknown:
        return accounts
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f"settings.accounts.{key}" for key in missing))
    if unknown:
        problems.append("unknown " + ", ".join(_unknown(key) for key in unknown))
    paths = [f"settings.accounts.{key}" for key in (*missing, *unknown)]
    raise ConfigurationError(
        "the account plan needs accounts debtor, revenue, vat and rounding; " + "; ".join(problems),
        system=system,
        field=paths[0] if len(paths) == 1 else "settings.accounts",
    )


def _unknown(key: str) -> str:
    near = difflib.get_close_matches(key, _ACCOUNT_KEYS, n=1)
    hint = f" (did you mean {near[0]}?)" if near else ""
    return f"settings.accounts.{key}{hint}"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"


def _code(value: object, path: str, system: str | None, what: str = "an account code") -> str:
    """A code as text: non-blank text or a whole number (TOML ``debtor = 1300``)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ConfigurationError(
        f"{path} must be {what} (text or a whole number), got {_shown(value)}",
        system=system,
        field=path,
    )


def _table(value: object, path: str, system: str | None, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"{path} must be a table of {what}, got {_shown(value)}", system=system, field=path
        )
    return value


def _rate(key: object, path: str, system: str | None) -> str:
    try:
        rate = to_decimal(key)
    except (TypeError, ValueError):
        rate = Decimal(-1)
    if rate < 0:
        raise ConfigurationError(
            f"{path}: {key!r} is not a VAT rate (a percentage such as 21 or 9)",
            system=system,
            field=path,
            key=key,
        )
    return _rate_key(rate)


def _revenue_by_rate(value: object, system: str | None) -> dict[Decimal | int | str, str]:
    path = "settings.accounts.revenue_by_rate"
    rows = _table(value, path, system, "VAT rate = account code")
    return {_rate(rate, path, system): _code(acct, path, system) for rate, acct in rows.items()}


def _vat_by_code(value: object, system: str | None) -> dict[str, str]:
    path = "settings.accounts.vat_by_code"
    rows = _table(value, path, system, "VAT code = account code")
    return {
        _code(vat, path, system, "a VAT code"): _code(acct, path, system)
        for vat, acct in rows.items()
    }


def _table_country(key: object, path: str, system: str | None) -> str:
    if isinstance(key, str) and key.strip() == WILDCARD:
        return WILDCARD
    return _country(key, path, system, key=key)


def _revenue_accounts(value: object, system: str | None) -> RevenueAccountTable | None:
    path = "lookups.revenue_accounts"
    rows = _table(value, path, system, "country = account code")
    if not rows:
        return None
    return RevenueAccountTable(
        {_table_country(c, path, system): _code(acct, path, system) for c, acct in rows.items()}
    )


def _vat_codes(value: object, system: str | None) -> VatCodeTable | None:
    path = "lookups.vat_codes"
    rows = _table(value, path, system, '"COUNTRY:RATE" = VAT code')
    if not rows:
        return None
    parsed: dict[tuple[Decimal | int | str, str], str] = {}
    for key, vat_code in rows.items():
        country, sep, rate = str(key).partition(":")
        if not sep:
            raise ConfigurationError(
                f'{path}: key {key!r} must read COUNTRY:RATE, like "NL:21"',
                system=system,
                field=path,
                key=key,
            )
        where = (_rate(rate, path, system), _table_country(country, path, system))
        parsed[where] = _code(vat_code, path, system, "a VAT code")
    return VatCodeTable(parsed)


def _country(value: object, path: str, system: str | None, key: object = None) -> str:
    if isinstance(value, str) and _COUNTRY.match(value.strip()):
        return value.strip().upper()
    raise ConfigurationError(
        f"{path}: {_shown(value)} is not a two-letter country code (ISO 3166-1, like NL)",
        system=system,
        field=path,
        key=key,
    )


def _currency(value: object, system: str | None) -> str:
    if isinstance(value, str) and _CURRENCY.match(value.strip()):
        return value.strip().upper()
    raise ConfigurationError(
        f"settings.company_currency: {_shown(value)} is not a three-letter currency code "
        + "(ISO 4217, like EUR)",
        system=system,
        field="settings.company_currency",
    )


def _flag(value: object, path: str, system: str | None) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigurationError(
        f"{path} must be true or false, got {_shown(value)}", system=system, field=path
    )


def _threshold(value: object, system: str | None) -> Decimal:
    path = "settings.rounding_threshold"
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{path} must be a number such as 0.05, got {_shown(value)}", system=system, field=path
        ) from None
    if amount < 0:
        raise ConfigurationError(
            f"{path} must not be negative, got {amount}", system=system, field=path
        )
    return amount


def _rounding_mode(value: object, system: str | None) -> str:
    path = "settings.rounding_mode"
    if isinstance(value, str):
        mode = value.strip().upper()
        mode = mode if mode.startswith("ROUND_") else f"ROUND_{mode}"
        if mode in _ROUNDING_MODES:
            return mode
    names = ", ".join(m.removeprefix("ROUND_").lower() for m in _ROUNDING_MODES)
    raise ConfigurationError(
        f"{path} must be one of {names}, got {_shown(value)}", system=system, field=path
    )
