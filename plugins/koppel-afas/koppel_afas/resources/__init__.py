"""The entities of AFAS Profit, one resource each.

===============  =========================  ================================  ================
entity           GetConnector (role)        UpdateConnector                   incremental by
===============  =========================  ================================  ================
relations        debtors, creditors         KnSalesRelation*, KnPurchase*     ``ModifiedDate``
products         articles                   FbItemArticle                     ``ModifiedDate``
orders           salesorders (lookups)      FbSales (insert only)             -
journal_entries  journal_entries (lookups)  FiEntries (insert only)           -
commitments      commitments                -                                 ``ModifiedDate``
===============  =========================  ================================  ================
"""

from koppel_afas.resources.commitments import Commitments
from koppel_afas.resources.journal_entries import JournalEntries
from koppel_afas.resources.orders import Orders
from koppel_afas.resources.products import Products
from koppel_afas.resources.relations import Relations

__all__ = ["Commitments", "JournalEntries", "Orders", "Products", "Relations"]
