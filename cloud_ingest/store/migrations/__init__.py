"""Alembic migrations of the ingest's tables (a package so the scripts ship in the wheel)."""
