"""koppel connector for AccountView (Visma's ERP) through the AccountView.net REST API.

Reads articles (``products``) and ``stock``; writes ``customers`` (debtors),
``orders`` (sales orders, or as sales invoices and financial mutations on
journal pages) and ``journal_entries``. Every assumption about the API's
business objects, tables and fields is in :mod:`koppel_accountview.schema`.
"""

__version__ = "0.1.0"
