"""Creditors (*crediteuren*) on journal lines: the relation a booking names, as the number
AccountView knows the creditor by.

A purchase booking names its supplier on its creditor line (kind ``creditor``) by the
number the invoice gives, or by VAT number when it gives none
(:func:`koppel.purchase.ledger.journal_entry`). AccountView books a line on the
creditors' collective account only with the creditor's number in ``SUB_NR``
("Debiteur-/crediteurnummer"; ``ACCT_NR`` is the ledger account), so the relation of a
creditor line is looked up among the creditors (kept between runs,
:class:`~koppel_accountview.debtors.DebtorIndex` of ``AP1``): by number, else by VAT
number. The relation of a line of any other kind is sent as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppel.connector import Session
from koppel.errors import ValidationError
from koppel_accountview.client import key_rank
from koppel_accountview.debtors import DebtorIndex
from koppel_accountview.schema import CREDITORS

__all__ = ["book_on_creditors", "creditor_number"]


def _compact(value: Any) -> str:
    """A VAT number as compared: upper-case letters and digits only."""
    return "".join(c for c in str(value or "") if c.isalnum()).upper()


def creditor_number(session: Session, relation: str, record: str | None) -> str:
    """The AccountView number of the creditor ``relation`` names: the creditor of that
    number, else the one creditor with that VAT number.

    :raises ValidationError: naming the relation when none is found, or the creditors
        that share the VAT number.
    """
    text = relation.strip()
    creditors = DebtorIndex.of(session, CREDITORS)
    if text in creditors.by_number:
        return text
    vat = _compact(text)
    shared = sorted(
        (n for n, row in creditors.by_number.items() if vat and _compact(row.get("VAT_NR")) == vat),
        key=key_rank,
    )
    if len(shared) == 1:
        return shared[0]
    where = {"record": record, "entity": "journal_entries", "field": "lines.relation"}
    if shared:
        raise ValidationError(
            f"{len(shared)} AccountView creditors share the VAT number {text} "
            f"({', '.join(shared)}); make it unique in AccountView or give the supplier "
            "its creditor number",
            candidates=shared,
            **where,
        )
    raise ValidationError(
        f"AccountView has no creditor numbered {text} or with VAT number {text}; add the "
        "creditor in AccountView (a relations flow can) and the booking goes on the next run",
        **where,
    )


def book_on_creditors(
    session: Session, page: Mapping[str, Any], record: str | None
) -> dict[str, Any]:
    """``page`` (header and lines) with each creditor line's relation as its AccountView
    creditor number, and the header on that creditor when the page has one (a purchase
    booking's)."""
    lines = []
    relations = set()
    for line in page.get("lines") or ():
        fields = dict(line)
        relation = fields.get("SUB_NR")
        if relation and fields.get("kind") == "creditor":
            fields["SUB_NR"] = creditor_number(session, str(relation), record)
            relations.add(fields["SUB_NR"])
        lines.append(fields)
    header = dict(page.get("header") or {})
    if len(relations) == 1 and not header.get("SUB_NR"):
        header["SUB_NR"] = relations.pop()
    return {**page, "header": header, "lines": lines}
