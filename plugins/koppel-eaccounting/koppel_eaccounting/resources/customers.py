"""Customers (debtors): companies with a contact person, or persons (``/v2/customers``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    one_match,
    read_each,
    read_id,
    read_moment,
)
from koppel_eaccounting.payloads import checked, clean, result, writable
from koppel_eaccounting.resources._base import EAccountingResource

__all__ = ["Customers"]


class Customers(EAccountingResource):
    """Read by ``ChangedUtc``; found by e-mail address, read by key (many at once: all)."""

    entity = "customers"
    match_keys = {"email": "EmailAddress"}
    description = "customers (debtors), companies with a contact person or persons"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        return read_each(
            self.client.changed_since("customers", "ChangedUtc", cursor),
            lambda customer: SourceRecord(
                id=read_id(customer, "Id"),
                data=customer,
                cursor=read_moment(customer, "ChangedUtc"),
            ),
            id_field="Id",
        )

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Customers by trimmed, lower-cased e-mail address; a shared address answers
        all its customers, lowest customer number first."""
        company = self.company
        company.want_emails(values)
        found = {
            value: one_match(
                TargetRecord(id=str(c["Id"]), data=c) for c in company.customers_with_email(value)
            )
            for value in values
        }
        return {value: match for value, match in found.items() if match is not None}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Create a customer with its terms of payment (``_terms_of_payment``: a name or
        days), or replace it with the mapped fields laid over the current record."""
        company, body = self.company, clean(payload)
        context = {"entity": self.entity, "record": payload.get("EmailAddress")}
        terms = payload.get("_terms_of_payment")
        target = self.target(action, target_id)
        if target is None:
            body.setdefault("TermsOfPaymentId", company.terms_of_payment_id(terms))
            body = checked("customers", body, context)
            saved = self.client.post("customers", body, context=context)
        else:
            body = {**writable(company.customer(target), "customers"), **body}
            if terms not in (None, "") and "TermsOfPaymentId" not in payload:
                body["TermsOfPaymentId"] = company.terms_of_payment_id(terms)
            body = checked("customers", body, context)
            saved = self.client.put(f"customers/{target}", body, context=context)
        company.customer_saved(saved)
        return result(saved)

    def delete(self, target_id: str) -> None:
        """Delete a customer (``DELETE /v2/customers/{id}``); one already gone counts as
        deleted. eAccounting deletes only a customer without transactions."""
        self.remove("customers", target_id)
        self.company.customer_deleted(target_id)
