"""HTTP toolkit for connectors: clients, retries, rate limits, auth, pagination, logging.

A connector builds its client once per connection::

    from koppel.http import OAuth2Auth, RateLimit, build_client, odata_pages

    client = build_client(
        system="exact-online",
        base_url="https://start.exactonline.nl/api/v1/",
        tenant=str(division),
        auth=OAuth2Auth(config, connection.token_store, connection.name, token_client=...),
        transport=connection.transport,  # a sandbox, or None for the network
        rate_limit=RateLimit(per_minute=60, per_day=5000),
    )
    for account in odata_pages(client, f"{division}/crm/Accounts"):
        ...
"""

from __future__ import annotations

from koppel.http._auth import (
    ApiKeyAuth,
    BearerAuth,
    HeaderAuth,
    OAuth2Auth,
    OAuth2Config,
    authorization_url,
    code_from_redirect,
    exchange_code,
    refresh_token,
)
from koppel.http._callback import RedirectListener, is_loopback_redirect
from koppel.http._client import (
    USER_AGENT,
    build_client,
    default_rate_limiter,
    set_default_rate_limiter,
)
from koppel.http._clock import SYSTEM_CLOCK, Clock, FakeClock, SystemClock
from koppel.http._errors import (
    ERROR_READER_EXTENSION,
    ErrorReader,
    api_message,
    message_at,
    raise_for_status,
)
from koppel.http._json import json_body
from koppel.http._logging import redacted_body, redacted_headers, redacted_target
from koppel.http._pagination import (
    limit_offset_pages,
    odata_pages,
    page_number_pages,
    skip_take_pages,
)
from koppel.http._ratelimit import MemoryRateLimiter, RateLimit, RateLimiter, RateLimitHeaders
from koppel.http._retry import (
    IDEMPOTENT_EXTENSION,
    IDEMPOTENT_METHODS,
    READ_METHODS,
    RETRY_AFTER_EXTENSION,
    RetryPolicy,
    is_idempotent,
    parse_retry_after,
)
from koppel.http._shared_limits import SharedRateLimiter
from koppel.http._tokens import (
    FileTokenStore,
    LockedTokenStore,
    MemoryTokenStore,
    OAuthToken,
    TokenStore,
    dump_token,
    load_token,
)
from koppel.http._transport import KoppelTransport, WaitHint

__all__ = [
    "ERROR_READER_EXTENSION",
    "IDEMPOTENT_EXTENSION",
    "IDEMPOTENT_METHODS",
    "READ_METHODS",
    "RETRY_AFTER_EXTENSION",
    "SYSTEM_CLOCK",
    "USER_AGENT",
    "ApiKeyAuth",
    "BearerAuth",
    "Clock",
    "ErrorReader",
    "FakeClock",
    "FileTokenStore",
    "HeaderAuth",
    "KoppelTransport",
    "LockedTokenStore",
    "MemoryRateLimiter",
    "MemoryTokenStore",
    "OAuth2Auth",
    "OAuth2Config",
    "OAuthToken",
    "RateLimit",
    "RateLimitHeaders",
    "RateLimiter",
    "RedirectListener",
    "RetryPolicy",
    "SharedRateLimiter",
    "SystemClock",
    "TokenStore",
    "WaitHint",
    "api_message",
    "authorization_url",
    "build_client",
    "code_from_redirect",
    "default_rate_limiter",
    "dump_token",
    "exchange_code",
    "is_idempotent",
    "is_loopback_redirect",
    "json_body",
    "limit_offset_pages",
    "load_token",
    "message_at",
    "odata_pages",
    "page_number_pages",
    "parse_retry_after",
    "raise_for_status",
    "redacted_body",
    "redacted_headers",
    "redacted_target",
    "refresh_token",
    "set_default_rate_limiter",
    "skip_take_pages",
]
