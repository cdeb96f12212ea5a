"""koppel connector for Exact Online: accounts, items, stock, orders, entries, journal entries.

Installed, it registers as system ``exact-online`` (:data:`koppel_exact_online.plugin.connector`);
see the package README for settings, authorisation (``koppel auth``) and limits.
"""

from koppel_exact_online.client import ExactClient
from koppel_exact_online.sandbox import make_sandbox

__all__ = ["ExactClient", "make_sandbox"]
