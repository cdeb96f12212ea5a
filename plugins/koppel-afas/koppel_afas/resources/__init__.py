"""The entities of AFAS Profit, one resource each.

===============  ==========================  ================================  ================
entity           GetConnector (role)         UpdateConnector                   incremental by
===============  ==========================  ================================  ================
relations        debtors, creditors          KnSalesRelation*, KnPurchase*     ``ModifiedDate``
                 (creditors_deleted: log)
products         articles                    FbItemArticle                     ``ModifiedDate``
orders           salesorders,                FbSales, FbSalesQuotation         -
                 salesquotations (lookups)   (insert only)
journal_entries  journal_entries (lookups)   FiEntries (insert only)           -
commitments      commitments                 -                                 ``ModifiedDate``
===============  ==========================  ================================  ================

Deleted relations, articles and commitments: :mod:`koppel_afas.deletions`.
"""

from koppel_afas.resources.commitments import Commitments
from koppel_afas.resources.journal_entries import JournalEntries
from koppel_afas.resources.orders import Orders
from koppel_afas.resources.products import Products
from koppel_afas.resources.relations import Relations

__all__ = ["Commitments", "JournalEntries", "Orders", "Products", "Relations"]
