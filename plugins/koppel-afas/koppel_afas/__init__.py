"""koppel connector for AFAS Profit: relations, articles, sales orders, journal entries and
commitments (*verplichtingen*).

The connector is :data:`koppel_afas.plugin.connector`, with one resource per entity in
:mod:`koppel_afas.resources`; the API client is :class:`~koppel_afas.client.AfasClient`;
the recommended GetConnector definitions are :mod:`koppel_afas.definitions`; the emulator
is :func:`koppel_afas.sandbox.make_sandbox`.
"""

__version__ = "0.1.0"
