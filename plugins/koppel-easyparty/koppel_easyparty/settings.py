"""A connection's settings, typed and described in one place.

``koppel check`` checks a flow's values against them offline, naming the key of
a bad one; ``koppel plugins show easyparty`` lists them.
"""

from __future__ import annotations

import attrs

from koppel.connector import setting
from koppel_easyparty.facts import BASE_URL, MAX_PAGE_SIZE

__all__ = ["EasyPartySettings"]


@attrs.frozen
class EasyPartySettings:
    """A connection's ``settings`` and ``credentials``, as its flow file gives them."""

    api_key: str = setting(
        secret=True, env="EASYPARTY_API_KEY", description="the API key of the EasyParty environment"
    )
    tenant: str = setting(description="the EasyParty environment ({tenant} in the API's URL)")
    base_url: str = setting(
        default=BASE_URL, description="the API's root URL ({tenant} is filled in)"
    )
    page_size: int = setting(
        default=MAX_PAGE_SIZE, description=f"rows per request (per_page), 1 to {MAX_PAGE_SIZE}"
    )
