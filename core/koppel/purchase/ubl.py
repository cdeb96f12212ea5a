"""The built-in ``ubl`` system: purchase invoices from UBL files in a folder.

A flow reads them like any source::

    [connections.inbox]
    system = "ubl"
    settings = { folder = "/srv/invoices/acme", administration = "acme" }

Each UBL 2.1 / Peppol BIS Billing 3.0 Invoice or CreditNote becomes a canonical
:class:`~koppel.records.PurchaseInvoice` whose id is the supplier's key (VAT
number, else party identifier, else name) and the invoice number, so the same
invoice sent twice is one record. A file that cannot be read is an unreadable
record (parked) whose message names the file and the element. How files are
taken in and put aside is in :mod:`koppel.purchase._folder`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from koppel.connector import Connector, Resource, Session, setting
from koppel.errors import ConfigurationError, SourceRecordError
from koppel.purchase._folder import Queued, UblFolder
from koppel.purchase._ubl import read_ubl
from koppel.records import PurchaseInvoice, unstructure
from koppel.sync import SourceRecord

__all__ = ["UblSettings", "connector", "invoice_id"]


@attrs.frozen
class UblSettings:
    """Where the UBL files are and whose they are."""

    folder: str = setting(description="folder the UBL invoice and credit-note files arrive in")
    administration: str | None = setting(
        default=None, description="the administration (company) that received them"
    )


def invoice_id(invoice: PurchaseInvoice) -> str:
    """The record id of a purchase invoice: its supplier's key and its number."""
    supplier = invoice.supplier
    key = supplier and (supplier.vat_number or supplier.number or supplier.name)
    return f"{key or 'unknown supplier'}/{invoice.number}"


class PurchaseInvoices(Resource):
    """Purchase invoices and credit notes, one UBL file each."""

    entity = "purchase_invoices"
    description = "UBL 2.1 / Peppol BIS Billing 3.0 Invoice and CreditNote files in `folder`"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterator[SourceRecord]:
        folder: UblFolder = self.client
        for queued in folder.pending(cursor):
            yield self.read(queued)

    def read(self, queued: Queued) -> SourceRecord:
        """The record of one queued file; unreadable when it is not a usable UBL document."""
        cursor = str(queued.stamp)
        try:
            invoice = attrs.evolve(
                read_ubl(queued.path.read_bytes(), queued.name),
                administration=self.settings.administration,
            )
        except SourceRecordError as exc:
            row = {"id": f"file:{queued.name}", "file": queued.name}
            return attrs.evolve(SourceRecord.unreadable(row, exc, id_field="id"), cursor=cursor)
        record_id = invoice_id(invoice)
        invoice = attrs.evolve(invoice, id=record_id)
        return SourceRecord(id=record_id, data=unstructure(invoice), cursor=cursor)


def _folder(session: Session) -> UblFolder:
    return UblFolder(session.settings.folder, connection=session.connection.name)


class _UblConnector(Connector):
    def check_settings(self, connection: str, values: Mapping[str, Any]) -> None:
        """The settings, and that the folder exists (``koppel check``, before a run)."""
        super().check_settings(connection, values)
        folder = Path(str(values["folder"])).expanduser()
        if not folder.is_dir():
            where = "" if folder.is_absolute() else f" (relative to {Path.cwd()})"
            raise ConfigurationError(
                f"the UBL folder {str(folder)!r} does not exist or is not a folder{where}",
                connection=connection,
                path=f"connections.{connection}.settings.folder",
            )


connector = _UblConnector(
    name="ubl",
    title="UBL invoice folder",
    description="Purchase invoices from UBL 2.1 / Peppol BIS Billing 3.0 files in a folder.",
    settings=UblSettings,
    client=_folder,
    resources=(PurchaseInvoices,),
    package="koppel.purchase",
    local=True,
)
