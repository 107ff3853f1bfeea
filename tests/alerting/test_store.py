"""Migrations: they match the models, use their own version table, leave ``events`` alone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from alerting.store.db import (
    VERSION_TABLE,
    alembic_config,
    create_db_engine,
    include_name,
    migrate,
)
from alerting.store.models import Base
from tests.alerting.support import create_events_table


def _diff(url: str) -> list[object]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"include_name": include_name, "version_table": VERSION_TABLE},
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_match_models_on_postgresql(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    create_events_table(engine)  # the ingest's table exists beside ours
    migrate(postgres_url)
    assert _diff(postgres_url) == []
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "incidents",
        "incident_events",
        "notifications",
        "incident_log",
        "feed_cursor",
    } <= tables
    assert VERSION_TABLE in tables
    assert "alembic_version" not in tables  # the ingest's version table is not ours to create


def test_migrate_is_idempotent_and_does_not_create_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'alerting.db'}"
    migrate(url)
    migrate(url)
    engine = create_db_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert "events" not in tables
    assert "incidents" in tables
    assert _diff(url) == []


def test_migration_0002_downgrades_and_upgrades_again(db_url: str) -> None:
    migrate(db_url)
    engine = create_db_engine(db_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(db_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert "push_subscriptions" not in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    migrate(db_url)
    assert _diff(db_url) == []
