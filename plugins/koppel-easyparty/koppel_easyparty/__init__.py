"""koppel connector for EasyParty (event CRM): relations, their numbers, their sync messages."""
