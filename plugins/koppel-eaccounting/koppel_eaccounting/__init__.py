"""koppel connector for Visma eAccounting (eKonomi): orders, customers, articles, stock.

The plugin module is :mod:`koppel_eaccounting.plugin`; the API client is
:class:`~koppel_eaccounting.client.EAccountingClient`; the emulator is
:func:`koppel_eaccounting.sandbox.make_sandbox`.
"""

__version__ = "0.1.0"
