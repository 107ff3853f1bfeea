"""Alembic environment of the alert router (version table ``alembic_version_alerting``)."""
