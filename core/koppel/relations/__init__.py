"""The relation queue: a CRM's debtors and creditors on their way to accounting.

A relations flow reads ``relations`` from a CRM (EasyParty, or any system that reads
them) and pushes them to accounting (*debiteuren/crediteuren exporteren*)::

    from koppel.flows import load_flow
    from koppel.relations import RelationWorkflow
    from koppel.state import open_state

    with open_state() as store, RelationWorkflow(load_flow("easyparty.toml"), store) as work:
        work.fetch()                              # queue: Insert or Update, with numbers
        work.set_action(["1042:debtor"], "update")
        result = work.export()                    # direct sync, or an eExact XML file
        work.mark(result.export_id, "ok")         # the XML import went well

Numbers come from the flow's ranges (:class:`RelationSettings`), never one twice;
see docs/relations.md.
"""

from __future__ import annotations

from koppel.relations._direct import DirectResult
from koppel.relations._eexact import account_problems, accounts_document, check_document
from koppel.relations._numbers import NumberDue, Numbering, due_from, give_number, give_numbers
from koppel.relations._settings import EXPORTS, NumberRange, RelationSettings
from koppel.relations._workflow import ENTITY, FetchResult, RelationWorkflow, content_hash
from koppel.relations._xml import XmlResult

__all__ = [
    "ENTITY",
    "EXPORTS",
    "DirectResult",
    "FetchResult",
    "NumberDue",
    "NumberRange",
    "Numbering",
    "RelationSettings",
    "RelationWorkflow",
    "XmlResult",
    "account_problems",
    "accounts_document",
    "check_document",
    "content_hash",
    "due_from",
    "give_number",
    "give_numbers",
]
