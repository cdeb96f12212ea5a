"""The entities of Exact Online Bouw, one resource each.

===================  =====================================  ==================  ======
entity               endpoint                               incremental by      writes
===================  =====================================  ==================  ======
relations            ``/list/contacts``, ``POST /contact``  ``updatedAt``       yes
commitments          ``/list/purchase-order-contracts``     ``updatedAt``       -
                     with ``/list/delivery-tickets``
commitment_bookings  ``POST /purchase-invoice``             -                   create
===================  =====================================  ==================  ======

Projects are no entity: a commitment carries its project's number.
"""

from koppel_exact_bouw.resources.commitment_bookings import CommitmentBookings
from koppel_exact_bouw.resources.commitments import Commitments
from koppel_exact_bouw.resources.relations import Relations

__all__ = ["CommitmentBookings", "Commitments", "Relations"]
