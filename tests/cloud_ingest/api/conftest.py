"""Fixtures of the REST API tests: a migrated, seeded database and a client of the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.seed import SeedFile, apply_seed, load_seed_file
from cloud_ingest.store import migrate
from contracts.clock import FakeClock
from tests.cloud_ingest.api.support import (
    JWT_SECRET,
    OTHER_ORG_SEED,
    SEED_ENV,
    Api,
)
from tests.cloud_ingest.support import NOW
from tests.servers import throwaway_postgres_database

EXAMPLE_SEED = Path(__file__).parents[3] / "deploy" / "examples" / "seed.yaml"


@pytest.fixture
def seed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The secrets the seed files name."""
    for name, value in SEED_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def hasher() -> SecretHasher:
    """Cheap Argon2 parameters (tests only)."""
    return SecretHasher.fast_for_tests()


@pytest.fixture
def api_clock() -> FakeClock:
    """The API's clock."""
    return FakeClock(NOW)


def seed_database(url: str, clock: FakeClock, hasher: SecretHasher) -> None:
    """Migrate ``url`` and load the example seed (org-demo) and a second organisation."""
    migrate(url)
    apply_seed(load_seed_file(EXAMPLE_SEED), url, clock=clock, hasher=hasher)
    apply_seed(SeedFile.model_validate(OTHER_ORG_SEED), url, clock=clock, hasher=hasher)


@pytest.fixture(scope="session")
def seeded_pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated and seeded once, copied for each test."""
    with throwaway_postgres_database() as url, pytest.MonkeyPatch.context() as env:
        for name, value in SEED_ENV.items():
            env.setenv(name, value)
        seed_database(url, FakeClock(NOW), SecretHasher.fast_for_tests())
        yield url


@pytest.fixture
def seeded_pg(seeded_pg_template: str, seed_env: None) -> Iterator[str]:
    """A PostgreSQL database of this test's own with both organisations loaded."""
    with throwaway_postgres_database(template_url=seeded_pg_template) as url:
        yield url


@pytest.fixture
async def api(seeded_pg: str, api_clock: FakeClock, hasher: SecretHasher) -> AsyncIterator[Api]:
    """A client of the API over the seeded PostgreSQL database."""
    context = ApiContext(seeded_pg, ApiSettings(), JWT_SECRET, clock=api_clock, hasher=hasher)
    transport = httpx.ASGITransport(app=create_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield Api(client, context, api_clock)
    context.close()
