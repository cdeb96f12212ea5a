"""A connection's settings, typed and described in one place.

``koppel check`` checks a flow's values against them offline, naming the key of
a bad one; ``koppel plugins show eaccounting`` lists them.
"""

from __future__ import annotations

from typing import Literal

import attrs

from koppel.connector import setting

__all__ = ["SCOPES", "EAccountingSettings"]

#: Scopes asked for by ``koppel auth``: the API, a refresh token, sales (read and write) and
#: accounting read-only, which ``GET /v2/vatcodes`` needs (REFERENCE.md mismatch 5).
SCOPES = "ea:api offline_access ea:sales ea:accounting_readonly"


@attrs.frozen
class EAccountingSettings:
    """A connection's ``settings`` and ``credentials``, as its flow file gives them."""

    client_id: str = setting(
        secret=True,
        env="EACCOUNTING_CLIENT_ID",
        description="the app's client id (developer.vismaonline.com)",
    )
    client_secret: str = setting(
        secret=True, env="EACCOUNTING_CLIENT_SECRET", description="the app's client secret"
    )
    redirect_uri: str | None = setting(
        default=None, description="the redirect URI registered for the app"
    )
    sandbox: bool = setting(
        default=False,
        description=(
            "accepted, changes nothing: Visma's sandbox company is reached through the "
            "production URLs with an app client of type Sandbox (api_url, identity_url: hosts)"
        ),
    )
    api_url: str | None = setting(default=None, description="override the API base URL")
    identity_url: str | None = setting(default=None, description="override the identity server URL")
    acr_values: str | None = setting(
        default=None, description="acr_values sent to Visma's login page by koppel auth"
    )
    scope: str = setting(default=SCOPES, description="OAuth scopes")
    #: The API's maximum is not documented; 500 stays well below common limits.
    page_size: int = setting(default=500, description="records per page")
    order_type: Literal["order", "invoice"] = setting(
        default="order", description="what an order becomes: order, or invoice (an invoice draft)"
    )
    default_customer: str | None = setting(
        default=None, description="customer number that every order goes to (default debtor)"
    )
    default_terms_of_payment: str = setting(
        default="30", description="terms of payment for new customers: name or number of days"
    )
    default_unit: str = setting(default="st", description="unit of new articles")
    default_coding: str | None = setting(
        default=None,
        description="account coding of new articles (name); else chosen by VAT rate",
    )
    shipping_article: str | None = setting(
        default=None, description="article number for shipping cost rows"
    )
    fee_article: str | None = setting(default=None, description="article number for fee rows")
    discount_article: str | None = setting(
        default=None, description="article number for discount rows"
    )
    stock_formula: str = setting(
        default="available", description="stock to write: available, on_hand or a formula"
    )
    manages_stock: bool = setting(default=True, description="false: stock flows write nothing")
    allow_negative_stock: bool = setting(
        default=False, description="write a negative stock balance as is instead of zero"
    )
