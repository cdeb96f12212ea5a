{%- set auth = cookiecutter.auth -%}
"""A connection's settings, typed and described in one place.

``koppel check`` checks a flow's values against them offline, naming the key of
a bad one; ``koppel plugins show {{ cookiecutter.system }}`` lists them.
"""

from __future__ import annotations

import attrs
from koppel.connector import setting

from {{ cookiecutter.__package }}.facts import {{ "AUTHORIZE_URL, BASE_URL, TOKEN_URL" if auth == "oauth2" else "BASE_URL" }}


@attrs.frozen
class {{ cookiecutter.__class }}Settings:
    """A connection's ``settings`` and ``credentials``, as its flow file gives them."""
{% if auth == "api_key" %}
    api_key: str = setting(
        secret=True,
        env="{{ cookiecutter.__env }}_API_KEY",
        description="the API key",
    )
{%- elif auth == "bearer" %}
    token: str = setting(
        secret=True,
        env="{{ cookiecutter.__env }}_TOKEN",
        description="the API token",
    )
{%- else %}
    client_id: str = setting(description="the client id of the app registered for koppel")
    client_secret: str | None = setting(
        default=None,
        secret=True,
        env="{{ cookiecutter.__env }}_CLIENT_SECRET",
        description="the app's client secret",
    )
    redirect_uri: str | None = setting(
        default=None,
        description="the redirect URI registered with the app",
    )
    authorize_url: str = setting(
        default=AUTHORIZE_URL,
        description="the provider's authorization endpoint",
    )
    token_url: str = setting(default=TOKEN_URL, description="the provider's token endpoint")
{%- endif %}
    base_url: str = setting(default=BASE_URL, description="the API's root URL")
{%- if cookiecutter.pagination != "odata" %}
    page_size: int = setting(default=100, description="records per request")
{%- endif %}
