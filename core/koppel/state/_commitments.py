"""The commitments register: commitments copied from AFAS or Exact Online Bouw, and the
look-ups the matching of purchase invoices uses (by reference, delivery note, supplier)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from koppel.errors import RecordError
from koppel.records import Commitment, structure, unstructure
from koppel.state._base import chunks
from koppel.state._bookings import BookingsMixin
from koppel.state._models import RegisteredCommitment
from koppel.state._schema import commitment_keys, commitments

__all__ = ["REFERENCE_KINDS", "CommitmentsMixin", "key_value"]

#: The key kinds a reference on an invoice is compared with (AFAS).
REFERENCE_KINDS = ("code", "internal_reference", "external_reference")
_DELIVERY_NOTE = "delivery_note"


def key_value(text: str) -> str:
    """A reference as the register compares it: trimmed, upper case."""
    return text.strip().upper()


def _keys(commitment: Commitment) -> set[tuple[str, str]]:
    found = {(kind, getattr(commitment, kind)) for kind in REFERENCE_KINDS}
    notes = [*commitment.delivery_notes]
    for line in commitment.lines:
        notes.extend(line.delivery_notes)
    found.update((_DELIVERY_NOTE, note) for note in notes)
    return {(kind, key_value(value)) for kind, value in found if value and value.strip()}


def _is_open(commitment: Commitment) -> bool:
    return not commitment.handled and commitment.open_amount != 0


def _row(commitment: Commitment) -> dict[str, Any]:
    data = unstructure(commitment)
    return {
        "administration": commitment.administration,
        "code": commitment.code,
        "internal_reference": commitment.internal_reference,
        "external_reference": commitment.external_reference,
        "delivery_notes": list(commitment.delivery_notes),
        "supplier": commitment.supplier,
        "supplier_name": commitment.supplier_name,
        "gl_account": commitment.gl_account,
        "project": commitment.project,
        "cost_centre": commitment.cost_centre,
        "description": commitment.description,
        "currency": commitment.currency,
        "amount": str(commitment.amount),
        "open_amount": str(commitment.open_amount),
        "status": commitment.status,
        "handled": commitment.handled,
        "open": _is_open(commitment),
        "modified_at": commitment.modified_at,
        "lines": data["lines"],
    }


def _registered(row: sa.Row[Any]) -> RegisteredCommitment:
    values = row._mapping
    data = {
        key: values[key]
        for key in (
            "administration",
            "code",
            "internal_reference",
            "external_reference",
            "delivery_notes",
            "supplier",
            "supplier_name",
            "gl_account",
            "project",
            "cost_centre",
            "description",
            "currency",
            "status",
            "handled",
            "modified_at",
            "lines",
        )
    }
    data["id"] = values["source_id"]
    data["amount"] = Decimal(values["amount"])
    data["open_amount"] = Decimal(values["open_amount"])
    return RegisteredCommitment(
        id=values["id"],
        source_system=values["source_system"],
        source_id=values["source_id"],
        updated_at=values["updated_at"],
        commitment=structure(data, Commitment),
    )


def _save_commitment(
    conn: sa.Connection,
    insert: Any,
    commitment: Commitment,
    *,
    source_system: str,
    source_id: str,
    register_id: int | None,
    now: datetime,
) -> int:
    """Write one register row and its keys in ``conn``'s transaction (see
    :meth:`CommitmentsMixin.save_commitment`)."""
    values = {
        **_row(commitment),
        "source_system": source_system,
        "source_id": source_id,
        "updated_at": now,
    }
    if register_id is None:
        stmt = insert.values(**values)
        register_id = conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[commitments.c.source_system, commitments.c.source_id],
                set_={k: stmt.excluded[k] for k in values},
            ).returning(commitments.c.id)
        ).scalar_one()
    else:
        changed = conn.execute(
            commitments.update().where(commitments.c.id == register_id).values(**values)
        ).rowcount
        if not changed:
            raise RecordError(
                f"commitment {register_id} is not in the register", target_id=register_id
            )
    conn.execute(commitment_keys.delete().where(commitment_keys.c.commitment_id == register_id))
    keys = [
        {"commitment_id": register_id, "kind": kind, "value": value}
        for kind, value in sorted(_keys(commitment))
    ]
    if keys:
        conn.execute(commitment_keys.insert(), keys)
    return int(register_id)


class CommitmentsMixin(BookingsMixin):
    """Keep the commitments register and answer the matching step's look-ups; keep the
    bookings made against it (:class:`~koppel.state._bookings.BookingsMixin`)."""

    def save_commitment(
        self,
        commitment: Commitment,
        *,
        source_system: str,
        source_id: str,
        register_id: int | None = None,
    ) -> int:
        """Store ``commitment`` as copied from ``source_system``; returns its register id.

        Without ``register_id`` the row of (``source_system``, ``source_id``) is made
        or, when it exists, replaced: saving the same commitment twice keeps one
        row. With one, that row is replaced.

        :raises RecordError: when ``register_id`` names no commitment.
        """
        with self._write() as conn:
            return _save_commitment(
                conn,
                self._insert(commitments),
                commitment,
                source_system=source_system,
                source_id=source_id,
                register_id=register_id,
                now=self.clock(),
            )

    def delete_commitment(self, register_id: int) -> bool:
        """Remove a commitment (deleted in its source) from the register; False when it
        was not there."""
        with self._write() as conn:
            conn.execute(
                commitment_keys.delete().where(commitment_keys.c.commitment_id == register_id)
            )
            removed = conn.execute(commitments.delete().where(commitments.c.id == register_id))
        return bool(removed.rowcount)

    def commitment(self, register_id: int) -> RegisteredCommitment | None:
        """The commitment with register id ``register_id``, or None."""
        with self._read() as conn:
            row = conn.execute(
                commitments.select().where(commitments.c.id == register_id)
            ).one_or_none()
        return None if row is None else _registered(row)

    def commitments(
        self,
        *,
        administration: str | None = None,
        supplier: str | None = None,
        status: str | None = None,
        open_only: bool = False,
        source_system: str | None = None,
    ) -> list[RegisteredCommitment]:
        """The register, oldest first, narrowed by the arguments given.

        ``open_only`` keeps the commitments that can still be matched: an open
        amount left and not handled.
        """
        query = commitments.select().order_by(commitments.c.id)
        for column, value in (
            (commitments.c.administration, administration),
            (commitments.c.supplier, supplier),
            (commitments.c.status, status),
            (commitments.c.source_system, source_system),
        ):
            if value is not None:
                query = query.where(column == value)
        if open_only:
            query = query.where(commitments.c.open.is_(True))
        with self._read() as conn:
            return [_registered(row) for row in conn.execute(query)]

    def commitments_by_code(
        self, codes: Sequence[str], *, source_system: str, administration: str | None = None
    ) -> dict[str, list[RegisteredCommitment]]:
        """Code -> the commitments of ``source_system`` with that exact code, oldest first."""
        found: dict[str, list[RegisteredCommitment]] = {}
        with self._read() as conn:
            for part in chunks(sorted(set(codes))):
                query = (
                    commitments.select()
                    .where(commitments.c.source_system == source_system)
                    .where(commitments.c.code.in_(part))
                    .order_by(commitments.c.id)
                )
                if administration is not None:
                    query = query.where(commitments.c.administration == administration)
                for row in conn.execute(query):
                    found.setdefault(row.code, []).append(_registered(row))
        return found

    def commitments_by_reference(
        self,
        reference: str,
        *,
        administration: str | None = None,
        supplier: str | None = None,
        open_only: bool = False,
    ) -> list[RegisteredCommitment]:
        """Commitments whose code, internal or external reference is ``reference``
        (trimmed, case ignored), oldest first."""
        return self._by_keys(REFERENCE_KINDS, reference, administration, supplier, open_only)

    def commitments_by_delivery_note(
        self,
        delivery_note: str,
        *,
        administration: str | None = None,
        supplier: str | None = None,
        open_only: bool = False,
    ) -> list[RegisteredCommitment]:
        """Commitments naming ``delivery_note`` themselves or on a line (trimmed, case
        ignored), oldest first."""
        return self._by_keys((_DELIVERY_NOTE,), delivery_note, administration, supplier, open_only)

    def commitments_by_supplier(
        self, supplier: str, *, administration: str | None = None, open_only: bool = False
    ) -> list[RegisteredCommitment]:
        """The commitments of ``supplier``, oldest first."""
        return self.commitments(
            administration=administration, supplier=supplier, open_only=open_only
        )

    def _by_keys(
        self,
        kinds: Iterable[str],
        value: str,
        administration: str | None,
        supplier: str | None,
        open_only: bool,
    ) -> list[RegisteredCommitment]:
        matching = (
            sa.select(commitment_keys.c.commitment_id)
            .where(commitment_keys.c.value == key_value(value))
            .where(commitment_keys.c.kind.in_(list(kinds)))
        )
        query = (
            commitments.select().where(commitments.c.id.in_(matching)).order_by(commitments.c.id)
        )
        filters: Mapping[Any, str | None] = {
            commitments.c.administration: administration,
            commitments.c.supplier: supplier,
        }
        for column, wanted in filters.items():
            if wanted is not None:
                query = query.where(column == wanted)
        if open_only:
            query = query.where(commitments.c.open.is_(True))
        with self._read() as conn:
            return [_registered(row) for row in conn.execute(query)]
