"""Fixtures of the ingest tests: a migrated database on PostgreSQL and on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloud_ingest.store import IngestStore, migrate
from contracts.clock import FakeClock
from tests.cloud_ingest.support import NOW


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each supported kind."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'var' / 'ingest.db'}"


@pytest.fixture
def clock() -> FakeClock:
    """The ingest's clock, which tests move by hand."""
    return FakeClock(NOW)


@pytest.fixture
def store(database_url: str, clock: FakeClock) -> Iterator[IngestStore]:
    """A store on a freshly migrated database."""
    migrate(database_url)
    ingest_store = IngestStore(database_url, clock=clock)
    yield ingest_store
    ingest_store.close()
