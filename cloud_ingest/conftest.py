"""Pytest collection of the package: migration scripts only run inside alembic."""

collect_ignore_glob = ["store/migrations/*"]
