"""The built-in ``register`` system: the commitments register in the state store, as a target.

A flow copies the commitments of AFAS or Exact Online Bouw into it::

    [connections.register]
    system = "register"
    settings = { source_system = "afas" }

The register lives in the flow's own state store (the setting ``state`` names
another one). Rows are keyed by (``source_system``, the commitment's source id): writing the
same commitment twice keeps one row, also after a crash between the write and
the engine's binding. An existing commitment is found by its ``code``. What koppel
booked on a commitment and has not exported to its source yet is taken off the source's
open amounts (:func:`still_booked`), so a commitment read again is not open for it twice.
The matching of purchase invoices reads the register through the state store
(:class:`koppel.state.StateStore`'s ``commitments_by_*`` methods).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from koppel.connector import Connector, Resource, Session, setting
from koppel.errors import RejectedError
from koppel.records import Commitment, structure, unstructure
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult, one_match

if TYPE_CHECKING:
    from koppel.state import StateStore

__all__ = ["RegisterSettings", "connector", "still_booked"]


@attrs.frozen
class RegisterSettings:
    """Where the register is and whose commitments a connection writes."""

    source_system: str = setting(
        description="the source the commitments come from (its connection name, e.g. afas)"
    )
    administration: str | None = setting(
        default=None,
        description="the administration; fills a commitment that names none, narrows look-ups",
    )
    state: str | None = setting(
        default=None,
        description="state store path or URL holding the register "
        "(default: the flow's own state store)",
    )


class Commitments(Resource):
    """Commitments in the register, created or replaced by the source's commitment."""

    entity = "commitments"
    match_keys = {"code": "code"}
    description = "the commitments register in the state store"

    @property
    def store(self) -> StateStore:
        store: StateStore = self.client.store
        return store

    def find(self, match_key: str, values: Sequence[str]) -> dict[str, TargetRecord | Ambiguous]:
        found = self.store.commitments_by_code(
            values,
            source_system=self.settings.source_system,
            administration=self.settings.administration,
        )
        answer: dict[str, TargetRecord | Ambiguous] = {}
        for code, registered in found.items():
            match = one_match(
                TargetRecord(id=str(item.id), data=unstructure(item.commitment))
                for item in registered
            )
            if match is not None:
                answer[code] = match
        return answer

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        commitment = structure(payload, Commitment)
        if commitment.administration is None:
            commitment = attrs.evolve(commitment, administration=self.settings.administration)
        source_id = commitment.id or commitment.code
        if not source_id:
            raise RejectedError(
                "the commitment has neither an id nor a code to keep it by",
                system="register",
                entity=self.entity,
            )
        register_id = None
        if action == Action.UPDATE and target_id is not None:
            if not target_id.isdigit():
                raise RejectedError(f"{target_id!r} is no register id", system="register")
            register_id = int(target_id)
        unexported = self.session.cached(
            "unexported bookings",
            lambda: self.store.unexported_commitment_bookings(self.settings.source_system),
        )
        commitment = still_booked(commitment, unexported.get(source_id, ()))
        saved = self.store.save_commitment(
            commitment,
            source_system=self.settings.source_system,
            source_id=source_id,
            register_id=register_id,
        )
        return WriteResult(target_id=str(saved), response={"id": saved})

    def delete(self, target_id: str) -> None:
        """Remove a commitment deleted in its source; one already gone counts as deleted."""
        if target_id.isdigit():
            self.store.delete_commitment(int(target_id))


def still_booked(commitment: Commitment, bookings: Sequence[Mapping[str, Any]]) -> Commitment:
    """``commitment`` as its source sends it, less what koppel booked on it that the source
    cannot know yet: the commitment bookings no flow has exported to it (AFAS takes none,
    so for AFAS these are all of them). A line or commitment such a booking handled
    stays handled; open amounts do not go below zero."""
    if not bookings:
        return commitment
    lines = list(commitment.lines)
    open_amount, handled = commitment.open_amount, commitment.handled
    for booking in bookings:
        amount = Decimal(str(booking["amount"]))
        line_id = booking.get("line")
        open_amount = max(open_amount - amount, Decimal(0))
        if line_id is None:
            handled = handled or bool(booking.get("handled"))
            continue
        for n, line in enumerate(lines):
            if line_id in (line.id, line.number):
                lines[n] = attrs.evolve(
                    line,
                    open_amount=max(line.open_amount - amount, Decimal(0)),
                    handled=line.handled or bool(booking.get("handled")),
                )
    if lines and all(line.handled for line in lines):
        handled = True
    return attrs.evolve(commitment, lines=tuple(lines), open_amount=open_amount, handled=handled)


@attrs.frozen
class _RunStore:
    """The flow's own state store, which the run keeps open and closes itself."""

    store: StateStore


@attrs.frozen
class _OwnStore:
    """A state store named by the ``state`` setting, closed with the connection."""

    store: StateStore

    def close(self) -> None:
        self.store.close()


def _store(session: Session) -> _RunStore | _OwnStore:
    from koppel.state import open_state

    if session.settings.state is None and session.connection.state is not None:
        return _RunStore(session.connection.state)
    return _OwnStore(open_state(session.settings.state))


connector = Connector(
    name="register",
    title="Commitments register",
    description="The commitments register in koppel's state store, filled by flows.",
    settings=RegisterSettings,
    client=_store,
    resources=(Commitments,),
    package="koppel.purchase",
    local=True,
)
