"""Revision scripts (loaded by alembic by path, not imported)."""
