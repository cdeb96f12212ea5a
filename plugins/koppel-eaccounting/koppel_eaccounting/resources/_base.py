"""What every eAccounting resource shares: the run's company and how it writes."""

from __future__ import annotations

from koppel.connector import Resource
from koppel.errors import ConfigurationError
from koppel.sync import Action
from koppel_eaccounting.company import Company

__all__ = ["EAccountingResource"]


class EAccountingResource(Resource):
    """An eAccounting entity; :attr:`company` answers its lookups for the whole run."""

    @property
    def company(self) -> Company:
        """The connection's reference lists and indexes, read once per run."""
        return Company.of(self.session)

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
