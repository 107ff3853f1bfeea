"""Schema migrations, run from code (``alembic`` needs no ini file here).

The ingest keeps its own version table, ``alembic_version_ingest``, because other components
migrate their own tables in the same database. On PostgreSQL an advisory lock makes workers
that start together migrate one after the other.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from cloud_ingest.errors import StoreError
from cloud_ingest.store.engine import make_engine
from cloud_ingest.store.models import IngestBase

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version_ingest"
_PG_MIGRATION_LOCK = 0x5347_494E  # "SGIN"


def include_ingest_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic filter: only the ingest's own tables (the database is shared).

    >>> include_ingest_name("events", "table", {}), include_ingest_name("incidents", "table", {})
    (True, False)
    """
    if type_ == "table":
        return name in IngestBase.metadata.tables
    return True


def alembic_config(database_url: str) -> Config:
    """An alembic ``Config`` built in code, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def migrate(database_url: str) -> None:
    """Upgrade the ingest's tables to the newest schema (a no-op when already there).

    Raises:
        StoreError: the database cannot be reached or refused a migration.
    """
    config = alembic_config(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            is_pg = conn.dialect.name == "postgresql"
            if is_pg:
                conn.execute(select(func.pg_advisory_lock(_PG_MIGRATION_LOCK)))
                conn.commit()
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            finally:
                if is_pg:
                    conn.rollback()
                    conn.execute(select(func.pg_advisory_unlock(_PG_MIGRATION_LOCK)))
                    conn.commit()
    except SQLAlchemyError as exc:
        raise StoreError(
            f"could not migrate the ingest database ({engine.url.render_as_string()}): "
            f"{exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}. "
            "Check that the database is running and the URL and permissions are right."
        ) from exc
    finally:
        engine.dispose()
    log.info("ingest database schema is up to date")
