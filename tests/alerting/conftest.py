"""Fixtures of the alerting tests: a migrated database (SQLite and PostgreSQL) and secrets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from alerting.store.db import create_db_engine, migrate
from tests.alerting.escalation_support import JWT_SECRET, JWT_SECRET_ENV
from tests.alerting.support import (
    TOKEN_SECRET,
    TOKEN_SECRET_ENV,
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
)


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_SECRET_ENV, TOKEN_SECRET)
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET)
    monkeypatch.setenv(JWT_SECRET_ENV, JWT_SECRET)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'alerting.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    migrate(db_url)
    eng = create_db_engine(db_url)
    yield eng
    eng.dispose()
