"""Sales orders (``FbSales``), written once; found by the source's order number, kept in
the order's reference (``RfCs``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.errors import ConfigurationError, UncertainOutcomeError, ValidationError
from koppel.records import OrderType
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult, one_match
from koppel_afas.bodies import sales_order_body
from koppel_afas.resources._base import AfasResource

__all__ = ["ORDER_TYPES", "Orders"]

#: What an order becomes: a sales order (FbSales). AFAS's quotations (FbSalesQuotation)
#: are not written by koppel-afas.
ORDER_TYPES = (OrderType.ORDER,)


class Orders(AfasResource):
    """Sales orders to a debtor found by number or e-mail; numbered by AFAS."""

    entity = "orders"
    role = "salesorders"
    description = "sales orders (verkooporders) to a debtor, by the source's order number"
    match_keys = {"number": "Reference"}
    update = False

    @classmethod
    def order_types(cls, settings: Any | None) -> Iterable[OrderType]:
        return ORDER_TYPES

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Sales orders by reference; several with one reference are ambiguous, oldest first."""
        found: dict[str, list[dict[str, Any]]] = {}
        for row in self.lookup(self.role, "Reference", values):
            found.setdefault(str(row.get("Reference") or "").strip(), []).append(row)
        answer: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            rows = sorted(found.get(str(value).strip(), []), key=lambda r: str(r["OrderNumber"]))
            match = one_match(
                TargetRecord(id=str(r["OrderNumber"]), data={"RfCs": r.get("Reference")})
                for r in rows
            )
            if match is not None:
                answer[value] = match
        return answer

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Insert (POST) a sales order with its lines.

        :raises ValidationError: for an order type AFAS does not take from koppel, or a
            customer that is no debtor; before anything is written.
        """
        context: dict[str, Any] = {"entity": self.entity, "record": payload.get("RfCs")}
        order_type = str(payload.get("_order_type") or OrderType.ORDER)
        if order_type not in ORDER_TYPES:
            raise ValidationError(
                f"AFAS takes orders as sales orders only, not as {order_type}",
                field="order_type",
                **context,
            )
        if action is not Action.CREATE:
            raise ConfigurationError("sales orders are written once, never updated", **context)
        body = {k: v for k, v in payload.items() if k != "Lines"}
        body["DbId"] = self.debtor(payload, context)
        if self.settings.warehouse and "War" not in body:
            body["War"] = self.settings.warehouse
        lines = [
            {"VaIt": "2", "BiUn": self.settings.unit, **line} for line in payload.get("Lines") or ()
        ]
        results = self.client.insert("FbSales", sales_order_body(body, lines), context=context)
        number = results.get("FbSales", {}).get("OrNu")
        if not number:
            raise UncertainOutcomeError("AFAS answered the sales order without its OrNu", **context)
        return WriteResult(target_id=str(number), response=results)

    def debtor(self, payload: Mapping[str, Any], context: Mapping[str, Any]) -> str:
        """The debtor number of the order: ``_debtor`` as given, else the one debtor with
        the customer's e-mail address (``_customer_email``)."""
        if payload.get("_debtor"):
            return str(payload["_debtor"])
        email = str(payload.get("_customer_email") or "").strip()
        rows = list(self.lookup("debtors", "Email", [email])) if email else []
        numbers = sorted(
            {
                str(r["DebtorId"])
                for r in rows
                if str(r.get("Email") or "").strip().casefold() == email.casefold()
            }
        )
        if len(numbers) != 1:
            found = "no debtor" if not numbers else f"debtors {', '.join(numbers)}"
            raise ValidationError(
                f"the order's customer {email or '(no e-mail)'} matches {found} in AFAS; "
                "sync the relation first or map _debtor",
                field="customer",
                **context,
            )
        return numbers[0]
