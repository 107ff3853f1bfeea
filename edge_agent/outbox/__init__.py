"""The durable outbox (SQLite): store-and-forward with priority lanes."""
