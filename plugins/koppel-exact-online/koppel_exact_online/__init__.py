"""koppel connector for Exact Online: accounts, items, stock, orders, entries, journal entries.

Installed, it registers as system ``exact-online``; see the package README for
settings, authorisation (``koppel auth``) and limits.
"""

from koppel_exact_online.client import ExactClient, client_for
from koppel_exact_online.sandbox import make_sandbox

__all__ = ["ExactClient", "client_for", "make_sandbox"]
