"""The purchase side: purchase invoices from UBL files (system ``ubl``) and the
commitments register (system ``register``) they are matched against."""
