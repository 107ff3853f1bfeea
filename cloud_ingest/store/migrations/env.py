"""Alembic environment of the ingest's migrations (run through ``cloud_ingest.store.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from cloud_ingest.store.engine import make_engine
from cloud_ingest.store.migrate import VERSION_TABLE, include_ingest_name
from cloud_ingest.store.models import IngestBase


def _database_url() -> str:
    url = context.config.attributes.get("database_url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database URL: run migrations through cloud_ingest.store.migrate")
    return str(url)


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=IngestBase.metadata,
        version_table=VERSION_TABLE,
        include_name=include_ingest_name,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=_database_url(),
        target_metadata=IngestBase.metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run against the connection ``migrate`` passed in, or a new one."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = make_engine(_database_url())
    try:
        with engine.connect() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
