"""A connection's settings, typed and described in one place.

``koppel check`` checks a flow's values against them offline, naming the key of a
bad one; ``koppel plugins show afas`` lists them. Each GetConnector's id and field
ids default to the recommended definitions (``getconnectors.json``); a customer whose
own definitions differ names theirs in ``<role>_connector`` and ``<role>_fields``.
"""

from __future__ import annotations

from typing import Literal

import attrs

from koppel.accounting import BookingSettings, JournalLevel
from koppel.connector import setting
from koppel.records import OrderType
from koppel_afas.definitions import ROLES, check_renames, definition
from koppel_afas.facts import MAX_PARALLEL_CALLS

__all__ = ["AfasSettings"]


#: Each role's recommended GetConnector id, and its field ids (getconnectors.json).
_ID = {role: definition(role).id for role in ROLES}
_FIELDS = {role: {f.id: f.id for f in definition(role).fields} for role in ROLES}
_RENAME = "recommended field id -> your field id, where they differ"
#: Settings with a range: (name, lowest, highest).
_RANGES = (
    ("page_size", 1, 10_000),
    ("concurrency", 1, MAX_PARALLEL_CALLS),
    ("calls_per_minute", 1, 10_000),
    ("full_reload_hours", 0, 24 * 366),
)


@attrs.frozen
class AfasSettings(BookingSettings):
    """A connection's ``settings`` and ``credentials``, as its flow file gives them.

    The settings of financial mutations (``accounts``, ``rounding_*``, ``home_country``,
    ``oss``, ``company_currency``) are koppel's one account-plan shape
    (``docs/accounting.md``); :mod:`koppel.accounting` checks the accounts.
    """

    participant: str = setting(
        description="your environment's participant number (the 5 digits in 12345.rest.afas.online)"
    )
    token: str = setting(
        secret=True,
        env="AFAS_TOKEN",
        description="the app connector's user token (<token>...</token>, or its data part)",
    )
    environment: Literal["production", "test", "accept"] = setting(
        default="production", description="which environment: production, test or accept"
    )
    base_url: str | None = setting(
        default=None, description="override the REST root (…/ProfitRestServices)"
    )
    page_size: int = setting(default=500, description="rows per GetConnector call (take)")
    concurrency: int = setting(
        default=4, description="calls at once at most (AFAS allows 8 parallel calls)"
    )
    calls_per_minute: int = setting(
        default=300, description="calls a minute at most (AFAS publishes no rate limit)"
    )
    currency: str = setting(default="EUR", description="currency of new relations (CuId)")
    administration: int | None = setting(
        default=None, description="administration number (UnId) of journal entries, if several"
    )
    journal: str | None = setting(
        default=None, description="journal (JoCo) journal entries are booked in"
    )
    article_group: str | None = setting(
        default=None, description="article group (Grp) of new articles"
    )
    unit: str = setting(
        default="stk", description="basic unit (BiUn) of new articles and order lines"
    )
    warehouse: str | None = setting(default=None, description="warehouse (War) of sales orders")
    order_type: OrderType = setting(
        default=OrderType.ORDER,
        description="what orders become: order, quote or financial_mutation",
    )
    journal_level: JournalLevel = setting(
        default=JournalLevel.RECOMMENDED,
        description="detail of a financial mutation: simple, recommended, advanced, extreme",
    )
    default_debtor: str | None = setting(
        default=None, description="debtor number every financial mutation is booked on"
    )
    debtors_connector: str = setting(
        default=_ID["debtors"], description="id of your GetConnector of debtors"
    )
    debtors_fields: dict[str, str] = setting(default=_FIELDS["debtors"], description=_RENAME)
    creditors_connector: str = setting(
        default=_ID["creditors"], description="id of your GetConnector of creditors"
    )
    creditors_fields: dict[str, str] = setting(default=_FIELDS["creditors"], description=_RENAME)
    articles_connector: str = setting(
        default=_ID["articles"], description="id of your GetConnector of articles"
    )
    articles_fields: dict[str, str] = setting(default=_FIELDS["articles"], description=_RENAME)
    salesorders_connector: str = setting(
        default=_ID["salesorders"], description="id of your GetConnector of sales orders"
    )
    salesorders_fields: dict[str, str] = setting(
        default=_FIELDS["salesorders"], description=_RENAME
    )
    salesquotations_connector: str = setting(
        default=_ID["salesquotations"], description="id of your GetConnector of quotations"
    )
    salesquotations_fields: dict[str, str] = setting(
        default=_FIELDS["salesquotations"], description=_RENAME
    )
    journal_entries_connector: str = setting(
        default=_ID["journal_entries"], description="id of your GetConnector of journal entries"
    )
    journal_entries_fields: dict[str, str] = setting(
        default=_FIELDS["journal_entries"], description=_RENAME
    )
    commitments_connector: str = setting(
        default=_ID["commitments"], description="id of your GetConnector of commitments"
    )
    commitments_fields: dict[str, str] = setting(
        default=_FIELDS["commitments"], description=_RENAME
    )
    creditors_deleted_connector: str = setting(
        default=_ID["creditors_deleted"],
        description="id of your GetConnector on the log of deleted creditors (Inkooprelatie)",
    )
    creditors_deleted_fields: dict[str, str] = setting(
        default=_FIELDS["creditors_deleted"], description=_RENAME
    )
    deleted_creditors_from_log: bool = setting(
        default=False,
        description="report deleted creditors from the log GetConnector creditors_deleted_connector"
        " (Profit's log book must log deletions on the table Inkooprelatie)",
    )
    full_reload_deletions: bool = setting(
        default=False,
        description="every full_reload_hours, read all commitments, articles and relations and "
        "report the ones deleted in AFAS (AFAS logs no deletions of them)",
    )
    full_reload_hours: int = setting(
        default=24, description="hours between two full reloads (0: every run)"
    )

    def __attrs_post_init__(self) -> None:
        """Refuse a value out of range or a field table that renames an unknown field, so
        that ``koppel check`` names the setting offline."""
        for name, low, high in _RANGES:
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"'{name}' must be between {low} and {high}, not {value}")
        for role in ROLES:
            check_renames(role, getattr(self, f"{role}_fields"))
