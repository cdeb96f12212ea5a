"""Journal entries posted through ``FiEntries``: from a mapped journal entry, or from an
order booked as a financial mutation (*memoriaalboeking*) by core's accounting rules.

A payload is flat: ``BpNr`` (voucher number), ``JoCo`` (journal), ``_date``,
``_currency``, ``_rate`` and ``_invoice`` (the entry's number), and ``Lines``, each with
``AcNr``, ``Ds``, ``_amount`` (debit positive, credit negative, in the entry's currency),
``_amount_company`` (in the company currency, for an entry in another currency),
``_relation`` (the debtor of a debtor line: its number or e-mail address) and
``_creditor`` (the creditor of a creditor line, such as a purchase booking's supplier: by
number, VAT number or e-mail address); a line of any other kind books on its GL account.
:func:`post_entry` refuses an unbalanced entry before anything is sent, finds the debtors
and creditors, and books each line as a debit (``AmDe``) or credit (``AmCr``) on a GL
account (``VaAs`` 1), a debtor (``VaAs`` 2) or a creditor (``VaAs`` 3, with ``_invoice``
as its invoice number ``InId``), as AFAS says: "fill in CrId on field AcNr in combination
with VaAs 3" (howto-finance-mutation-purch.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from koppel.errors import UncertainOutcomeError, ValidationError
from koppel.records import JournalEntry, JournalLineKind, to_date, to_decimal
from koppel.sync import WriteResult
from koppel_afas.bodies import journal_body
from koppel_afas.facts import ACCOUNT_KINDS, object_fields

if TYPE_CHECKING:
    from koppel_afas.resources._base import AfasResource

__all__ = ["entry_payload", "post_entry", "sample_entry"]

_ZERO = Decimal(0)
#: The ``VaAs`` of a line on a debtor and on a creditor (facts.ACCOUNT_KINDS).
_VA_AS = {kind: code for code, kind in ACCOUNT_KINDS.items()}
#: The longest invoice number (``InId``) FiEntries takes (facts.object_fields).
_INVOICE_LENGTH: int = next(
    f.max_length or 0 for f in object_fields("FiEntries", "post") if f.name == "InId"
)


def entry_payload(entry: JournalEntry) -> dict[str, Any]:
    """The payload of a canonical journal entry (an order's financial mutation)."""
    lines = []
    for line in entry.lines:
        booked: dict[str, Any] = {"AcNr": line.account, "Ds": line.description}
        booked["_amount"] = line.amount
        if line.amount_company is not None:
            booked["_amount_company"] = line.amount_company
        if line.kind is JournalLineKind.DEBTOR and line.relation:
            booked["_relation"] = line.relation
        elif line.kind is JournalLineKind.CREDITOR and line.relation:
            booked["_creditor"] = line.relation
        lines.append({k: v for k, v in booked.items() if v is not None})
    payload = {
        "BpNr": entry.reference or entry.number,
        "_invoice": entry.number,
        "JoCo": entry.journal,
        "_date": entry.entry_date.isoformat() if entry.entry_date else None,
        "_currency": entry.currency,
        "_rate": entry.exchange_rate,
        "Lines": lines,
    }
    return {k: v for k, v in payload.items() if v is not None}


def _amounts(
    lines: Sequence[Mapping[str, Any]], key: str, context: Mapping[str, Any]
) -> list[Decimal]:
    try:
        return [to_decimal(line.get(key)) for line in lines]
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"a journal line's amount: {exc}", field="lines", **context) from None


def _balanced(amounts: Sequence[Decimal], what: str, context: Mapping[str, Any]) -> None:
    balance = sum(amounts, _ZERO)
    if balance != 0:
        raise ValidationError(
            f"the journal entry is not balanced{what}: its lines sum to {balance}",
            field="lines",
            **context,
        )


def _side(amount: Decimal, debit: str, credit: str) -> dict[str, Decimal]:
    return {debit: amount if amount > 0 else _ZERO, credit: -amount if amount < 0 else _ZERO}


def post_entry(
    resource: AfasResource, payload: Mapping[str, Any], context: Mapping[str, Any]
) -> WriteResult:
    """Insert (POST) the balanced entry ``payload`` in its journal (``JoCo``, else the
    connection's ``journal``), year and period from its date.

    :raises ValidationError: for an unbalanced entry (in its currency or, when given, the
        company currency), one without lines, date or journal, or a debtor or creditor
        line whose relation matches no single debtor or creditor; before anything is
        written.
    """
    lines = list(payload.get("Lines") or ())
    if not lines:
        raise ValidationError("the journal entry has no lines", field="lines", **context)
    amounts = _amounts(lines, "_amount", context)
    _balanced(amounts, "", context)
    foreign = all(line.get("_amount_company") is not None for line in lines)
    company = _amounts(lines, "_amount_company", context) if foreign else amounts
    if foreign:
        _balanced(company, " in the company currency", context)
    try:
        day = to_date(payload.get("_date"))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"the entry date: {exc}", field="entry_date", **context) from None
    settings = resource.settings
    journal = payload.get("JoCo") or settings.journal
    if not journal:
        raise ValidationError(
            "AFAS books an entry in a journal: set the connection's journal or map JoCo",
            field="JoCo",
            **context,
        )
    header: dict[str, Any] = {"Year": day.year, "Peri": day.month, "JoCo": str(journal)}
    if settings.administration is not None:
        header["UnId"] = settings.administration
    voucher = payload.get("BpNr")
    rows = []
    for line, amount, booked in zip(lines, amounts, company, strict=True):
        row = {k: v for k, v in line.items() if not k.startswith("_") and v is not None}
        row.update(
            VaAs=row.get("VaAs") or _VA_AS["ledger"], EnDa=day.isoformat(), BpDa=day.isoformat()
        )
        if line.get("_relation"):
            debtor = resource.debtor_number(str(line["_relation"]), context)
            row.update(VaAs=_VA_AS["debtor"], AcNr=debtor)
        elif line.get("_creditor"):
            creditor = resource.creditor_number(str(line["_creditor"]), context)
            row.update(VaAs=_VA_AS["creditor"], AcNr=creditor)
            invoice = str(payload.get("_invoice") or "").strip()
            if invoice and len(invoice) <= _INVOICE_LENGTH:
                row["InId"] = invoice
        row.update(_side(booked, "AmDe", "AmCr"))
        if foreign:
            row.update(_side(amount, "AmDc", "AmCc"), CuId=payload.get("_currency"))
            if payload.get("_rate") is not None:
                row["Rate"] = to_decimal(payload["_rate"])
        if voucher:
            row["BpNr"] = voucher
        rows.append(row)
    results = resource.client.insert("FiEntries", journal_body(header, rows), context=context)
    number = results.get("FiEntries", {}).get("EnNo")
    if not number:
        raise UncertainOutcomeError("AFAS answered the entry without its EnNo", **context)
    return WriteResult(target_id=str(number), response=results)


def sample_entry(settings: Any, header: Sequence[str] = (), lines: Sequence[str] = ()) -> Any:
    """The body :func:`post_entry` sends, with every field it can send filled with ``x``
    (``header`` and ``lines``: more fields a mapping writes), for comparing with metainfo."""
    top = dict.fromkeys(("Year", "Peri", "JoCo", *header), "x")
    if settings.administration is not None:
        top["UnId"] = "x"
    row = dict.fromkeys(
        ("VaAs", "AcNr", "Ds", "EnDa", "BpDa", "AmDe", "AmCr", "BpNr", "InId", *lines), "x"
    )
    return journal_body(top, [row])
