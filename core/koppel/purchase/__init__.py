"""The purchase side: purchase invoices from UBL files (system ``ubl``), the commitments
register (system ``register``) they are matched against, and their bookings (system
``booking``: matched, booked once, exported to the ERPs, a webhook told after export)."""
