"""Engines and migrations of the alert router's database.

SQLite (the embedded default) gets a busy timeout and ``BEGIN IMMEDIATE`` transactions, so the
feed poller, the dispatcher and the API can share one file without "database is locked" errors
on lock upgrades; PostgreSQL needs nothing special.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from alerting.errors import StoreError
from alerting.store.models import Base

log = logging.getLogger(__name__)

VERSION_TABLE = "alembic_version_alerting"
"""Our Alembic version table (the ingest keeps its own in the same database)."""

_MIGRATIONS = Path(__file__).with_name("migrations")


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Autogenerate compares our tables only (``events`` belongs to the ingest).

    >>> include_name("events", "table", None), include_name("incidents", "table", None)
    (False, True)
    """
    return type_ != "table" or name in Base.metadata.tables


def create_db_engine(database_url: str) -> Engine:
    """A SQLAlchemy engine for ``database_url`` (raises :class:`StoreError` if unusable)."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise StoreError(
            f"database_url {database_url!r} is not a SQLAlchemy URL: "
            "use e.g. sqlite:///./var/alerting.db or postgresql+psycopg://user@host/db"
        ) from exc
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_immediate_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_immediate_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our migrations and version table (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    """Bring the alert router's tables to ``revision`` (never touches the ``events`` table)."""
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot migrate the alerting database: {exc.__class__.__name__}: {exc}. "
            "Check database_url and that the database server is running."
        ) from exc
    finally:
        engine.dispose()
    log.info("alerting database migrated to %s", revision)
