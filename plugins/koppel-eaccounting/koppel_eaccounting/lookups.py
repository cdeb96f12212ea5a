"""VAT codes and terms of payment: eAccounting's reference lists, as lookup sources.

They are plugin helpers rather than synced entities (koppel has no canonical
record for them): an operator builds a flow's lookup tables from them, and the
plugin itself resolves terms of payment, units and account codings by name
when it writes (see :class:`~koppel_eaccounting.company.Company`).

::

    from koppel_eaccounting.lookups import terms_of_payment, vat_codes
    for code in vat_codes(connection):
        print(code["Code"], code["VatRate"], code["Description"])
"""

from __future__ import annotations

from typing import Any

from koppel.sync import Connection
from koppel_eaccounting.company import Company
from koppel_eaccounting.plugin import connector

__all__ = ["lookup_tables", "terms_of_payment", "vat_codes"]


def _company(connection: Connection) -> Company:
    return Company.of(connector.session(connection))


def vat_codes(connection: Connection) -> list[dict[str, Any]]:
    """Every VAT code (``/v2/vatcodes``): ``Id``, ``Code``, ``Description``, ``VatRate``
    (a percentage: 21 for 21 %, facts.VAT_CODE)."""
    return list(_company(connection).reference("vatcodes"))


def terms_of_payment(connection: Connection) -> list[dict[str, Any]]:
    """Every terms of payment (``/v2/termsofpayments``): ``Id``, ``Name``, ``NumberOfDays``, ..."""
    return list(_company(connection).reference("termsofpayments"))


def lookup_tables(connection: Connection) -> dict[str, dict[str, Any]]:
    """Starting points for a flow's lookup tables, keyed the way the default mappings read.

    ``eaccounting_vat_rates``: VAT code -> rate (a percentage); ``eaccounting_payment_days``:
    terms name -> number of days (edit the values into the target's codes).
    """
    return {
        "eaccounting_vat_rates": {str(c["Code"]): c.get("VatRate") for c in vat_codes(connection)},
        "eaccounting_payment_days": {
            str(t["Name"]): t.get("NumberOfDays") for t in terms_of_payment(connection)
        },
    }
