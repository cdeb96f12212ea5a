"""The entities of Exact Online Bouw, one resource each.

===================  ==========================================  ==============  ======
entity               endpoint                                    incremental by  writes
===================  ==========================================  ==============  ======
relations            ``/list/contacts``, ``POST /contact``       ``updatedAt``   yes
projects             ``/list/projects``                          ``updatedAt``   -
commitments          ``/list/purchase-order-contracts``          ``updatedAt``   -
                     with ``/list/delivery-tickets``
purchase_invoices    ``/list/purchase-invoices`` with each       ``updatedAt``   -
                     ``/purchase-invoicing/purchase-invoice/{id}``
commitment_bookings  ``POST /purchase-invoice``                  -               create
===================  ==========================================  ==============  ======
"""

from koppel_exact_bouw.resources.commitment_bookings import CommitmentBookings
from koppel_exact_bouw.resources.commitments import Commitments
from koppel_exact_bouw.resources.projects import Projects
from koppel_exact_bouw.resources.purchase_invoices import PurchaseInvoices
from koppel_exact_bouw.resources.relations import Relations

__all__ = ["CommitmentBookings", "Commitments", "Projects", "PurchaseInvoices", "Relations"]
