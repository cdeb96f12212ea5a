"""koppel connector for Exact Online Bouw (formerly Bouw7): commitments, bookings, suppliers."""
