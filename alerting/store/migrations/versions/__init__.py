"""Alembic revisions of the alert router's tables."""
