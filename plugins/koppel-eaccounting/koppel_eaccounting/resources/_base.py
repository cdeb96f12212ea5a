"""What every eAccounting resource shares: the run's company and how it writes."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote

from koppel.connector import Resource
from koppel.errors import ConfigurationError, RejectedError
from koppel.sync import Action
from koppel_eaccounting.company import Company

__all__ = ["EAccountingResource"]


class EAccountingResource(Resource):
    """An eAccounting entity; :attr:`company` answers its lookups for the whole run."""

    @cached_property
    def company(self) -> Company:
        """The connection's reference lists and indexes, read once per run."""
        return Company.of(self.session)

    def remove(self, path: str, target_id: str) -> bool:
        """DELETE ``path/target_id``: True once deleted, False when it was not there
        (404, or code 3000 ResourceNotFound, which S1 answers with 400).

        :raises RejectedError: when eAccounting refuses (a customer with transactions,
            a shipped or invoiced order).
        """
        context = {"entity": self.entity, "record": target_id}
        try:
            self.client.delete(f"{path}/{quote(target_id, safe='')}", context=context)
        except RejectedError as exc:
            if exc.context.get("status") == 404 or str(exc.context.get("error_code")) == "3000":
                return False
            raise
        return True

    def target(self, action: Action, target_id: str | None) -> str | None:
        """None for a create, else the id of the record an update replaces.

        :raises ConfigurationError: for another action, or an update without the id.
        """
        if action is Action.CREATE:
            return None
        if action is not Action.UPDATE:
            raise ConfigurationError(f"upsert cannot {action}", entity=self.entity)
        if not target_id:
            raise ConfigurationError("an update needs the target id", entity=self.entity)
        return target_id
