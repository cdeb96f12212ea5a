"""Stock: the stock balance of articles (``/v2/articles``), written by the stock formula."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from koppel.accounting import StockSettings, stock_to_send
from koppel.errors import ValidationError
from koppel.records import StockLevel, to_decimal
from koppel.sync import Action, SourceRecord, WriteResult, read_each, read_id
from koppel_eaccounting.payloads import checked, clean, result, writable
from koppel_eaccounting.resources.products import Products

__all__ = ["Stock"]


class Stock(Products):
    """Articles as stock levels: found by SKU like products, always read in full."""

    entity = "stock"
    match_keys = {"sku": "Number"}
    description = "stock balance of articles"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        # Stock moves through orders without a documented change time: read all, no cursor.
        articles = self.client.pages(
            "articles", filter=self.active_filter(filters), orderby="Number asc"
        )
        return read_each(
            articles,
            lambda article: SourceRecord(id=read_id(article, "Id"), data=article),
            id_field="Id",
        )

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Set an existing article's ``StockBalance`` to :meth:`quantity`; no write when
        it has that balance already or ``manages_stock`` is off."""
        sku = payload.get("Number")
        target = self.target(action, target_id)
        if target is None:
            # A stock level is "created" the first time it is written: on an existing article.
            try:
                article = self.company.find_article(sku)
            except ValidationError as exc:
                raise exc.with_context(entity=self.entity, record=sku) from None
            if article is None:
                raise ValidationError(
                    f"article {sku} does not exist in eAccounting; stock is set on existing "
                    "articles only, so sync the products first",
                    entity=self.entity,
                    record=sku,
                )
            target = str(article["Id"])
        quantity = self.quantity(payload)
        current = self.company.article(target)
        if quantity is None:
            return WriteResult(target_id=target, response={"skipped": "manages_stock is off"})
        balance = current.get("StockBalance")
        if balance is not None and to_decimal(balance) == quantity:
            return WriteResult(target_id=target, response=current)
        context = {"entity": self.entity, "record": sku}
        merged = {**writable(current, "articles"), "StockBalance": clean(quantity)}
        merged = checked("articles", merged, context)
        replaced = self.client.put(f"articles/{target}", merged, context=context)
        self.company.article_saved(replaced)
        return result(replaced)

    def quantity(self, payload: Mapping[str, Any]) -> Decimal | None:
        """The balance to write, or None: the connection manages no stock.

        A flow's ``[settings.stock]`` reaches the connection as its ``stock``
        setting and decides over the connection's own stock settings. The engine
        has applied it already (formula, ``allow_negative``): ``_available`` is its
        result and is written as is, never run through a formula again.
        """
        if "StockBalance" in payload:
            return to_decimal(payload["StockBalance"])
        available = payload.get("_available")
        flow = self.flow_stock()
        if flow is not None and not flow.manages_stock:
            return None
        if flow is not None and available is not None:
            return to_decimal(available)
        level = StockLevel(
            sku=str(payload.get("Number")),
            on_hand=to_decimal(payload.get("_on_hand") or 0),
            reserved=to_decimal(payload.get("_reserved") or 0),
            available=to_decimal(available) if available is not None else None,
        )
        return stock_to_send(level, flow or self.connection_stock())

    def connection_stock(self) -> StockSettings:
        """The connection's own stock settings (``stock_formula``, ``manages_stock``, ...)."""
        return StockSettings(
            formula=self.settings.stock_formula,
            manages_stock=self.settings.manages_stock,
            allow_negative=self.settings.allow_negative_stock,
        )

    def flow_stock(self) -> StockSettings | None:
        """The flow's ``[settings.stock]`` over the connection's stock settings, or None
        when the flow has none."""
        table = self.session.connection.settings.get("stock")
        if not isinstance(table, Mapping):
            return None
        own = self.connection_stock()
        return StockSettings(
            formula=table.get("formula", own.formula),
            manages_stock=table.get("manages_stock", own.manages_stock),
            allow_negative=table.get("allow_negative", own.allow_negative),
        )
