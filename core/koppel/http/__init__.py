"""HTTP toolkit for connectors: clients, retries, rate limits, auth, pagination, logging."""

from __future__ import annotations

from koppel.http._tokens import (
    FileTokenStore,
    MemoryTokenStore,
    OAuthToken,
    TokenStore,
    dump_token,
    load_token,
)

__all__ = [
    "FileTokenStore",
    "MemoryTokenStore",
    "OAuthToken",
    "TokenStore",
    "dump_token",
    "load_token",
]
