"""The shopdemo HTTP client: one ``httpx.Client`` per connection, built by koppel."""

from __future__ import annotations

import httpx

from koppel.errors import ConfigurationError
from koppel.http import ApiKeyAuth, RateLimit, build_client
from koppel.sync import Connection

from .sandbox import BASE_URL, HEADERS


def client_for(connection: Connection) -> httpx.Client:
    """The connection's client, cached for the run."""
    client = connection.cache.get("client")
    if client is None:
        key = connection.secrets.get("api_key")
        if not key:
            raise ConfigurationError(
                "shopdemo needs the secret api_key", connection=connection.name
            )
        client = build_client(
            system="shopdemo",
            base_url=connection.settings.get("base_url", BASE_URL),
            tenant=connection.name,
            auth=ApiKeyAuth(key),
            transport=connection.transport,
            rate_limit=RateLimit(per_minute=600, headers=HEADERS),
        )
        connection.cache["client"] = client
    return client
