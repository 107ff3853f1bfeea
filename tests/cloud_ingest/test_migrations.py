"""The migrations build exactly the models' schema, in the ingest's own version table."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from cloud_ingest.errors import StoreError
from cloud_ingest.store import IngestBase, migrate
from cloud_ingest.store.engine import make_engine
from cloud_ingest.store.migrate import VERSION_TABLE, alembic_config, include_ingest_name


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_name": include_ingest_name,
                    "compare_type": True,
                    "version_table": VERSION_TABLE,
                },
            )
            return list(compare_metadata(context, IngestBase.metadata))
    finally:
        engine.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    migrate(database_url)
    assert _diff(database_url) == []


def test_a_fresh_database_differs_so_the_comparison_can_fail(database_url: str) -> None:
    assert _diff(database_url) != []


def test_version_table_is_the_ingests_own_and_other_tables_are_left_alone(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    with engine.begin() as conn:  # another component's table and version table
        conn.execute(text("CREATE TABLE incidents (id integer primary key)"))
        conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32) primary key)"))
    migrate(postgres_url)
    migrate(postgres_url)  # a second run is a no-op
    tables = set(inspect(engine).get_table_names())
    assert {"events", "readings", "gateway_status", "quarantine", VERSION_TABLE} <= tables
    assert {"incidents", "alembic_version"} <= tables
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == "0006"
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0
    assert _diff(postgres_url) == []
    engine.dispose()


def test_downgrade_removes_only_the_ingests_tables(database_url: str) -> None:
    migrate(database_url)
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
    engine.dispose()


def test_workers_starting_together_migrate_in_turn(postgres_url: str) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(migrate, [postgres_url] * 3))
    assert _diff(postgres_url) == []


def test_unreachable_database_says_what_to_check() -> None:
    with pytest.raises(StoreError, match="Check that the database is running"):
        migrate("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
