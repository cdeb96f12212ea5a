"""koppel connector for Visma eAccounting (eKonomi): orders, customers, articles, stock.

The connector is :data:`koppel_eaccounting.plugin.connector`, with one resource per
entity in :mod:`koppel_eaccounting.resources`; the API client is
:class:`~koppel_eaccounting.client.EAccountingClient`; the emulator is
:func:`koppel_eaccounting.sandbox.make_sandbox`.
"""

__version__ = "0.1.0"
