"""The entities of EasyParty, one resource each (every endpoint ASSUMED, see facts.py).

=========  =============================================  ===============  ===========
entity     endpoints                                      incremental by   writes
=========  =============================================  ===============  ===========
relations  ``/relations`` with ``/events?status=final``   ``changed_at``   numbers and
           and ``/invoices?draft=false``                                   sync message
=========  =============================================  ===============  ===========

Events and invoices are no entities: they say when a relation is due for its number.
"""

from koppel_easyparty.resources.relations import Relations

__all__ = ["Relations"]
