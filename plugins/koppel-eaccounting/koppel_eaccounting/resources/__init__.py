"""The entities of eAccounting, one resource each.

=========  ====================  ============================  =========================
entity     endpoint              incremental by                filters
=========  ====================  ============================  =========================
orders     ``/v2/orders``        ``ModifiedUtc``               ``status``, ``paid``
customers  ``/v2/customers``     ``ChangedUtc``                -
products   ``/v2/articles``      ``ChangedUtc``                ``active``
stock      ``/v2/articles``      (always a full read)          ``active``
=========  ====================  ============================  =========================
"""

from koppel_eaccounting.resources.customers import Customers
from koppel_eaccounting.resources.orders import Orders
from koppel_eaccounting.resources.products import Products
from koppel_eaccounting.resources.stock import Stock

__all__ = ["Customers", "Orders", "Products", "Stock"]
