"""Alembic environment: only the alert router's tables, in its own version table."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from alerting.store.db import VERSION_TABLE, include_name
from alerting.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on the connection handed in by ``migrate`` or on a fresh one from the URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as fresh:
        _run(fresh)


def _offline() -> bool | None:
    """Alembic's mode, or ``None`` when imported outside Alembic (e.g. doctest collection)."""
    try:
        return context.is_offline_mode()
    except NameError:
        return None


if _offline():
    raise SystemExit("offline migrations are not supported: run `silverguard alerting migrate`")
if _offline() is False:
    run_migrations_online()
