"""Fixtures shared by every test: real servers on free loopback ports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import (
    MosquittoInstance,
    VictoriaMetricsInstance,
    mosquitto,
    throwaway_postgres_database,
    victoria_metrics,
)


@pytest.fixture(scope="session")
def mosquitto_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MosquittoInstance]:
    """A private Mosquitto shared by the whole session (do not restart it)."""
    with mosquitto(tmp_path_factory.mktemp("mosquitto")) as broker:
        yield broker


@pytest.fixture
def private_mosquitto(tmp_path: Path) -> Iterator[MosquittoInstance]:
    """A Mosquitto of this test's own, which the test may stop and start."""
    with mosquitto(tmp_path / "mosquitto") as broker:
        yield broker


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of an empty PostgreSQL database, dropped after the test."""
    with throwaway_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real recordings of ../shared/data (``SILVERGUARD_DATA_DIR`` overrides), looked for
    beside the checkout and its parents, so a git worktree finds them too; fails loudly."""
    override = os.environ.get("SILVERGUARD_DATA_DIR")
    root = Path(__file__).resolve().parents[1]
    candidates = [Path(override)] if override else [p / "shared" / "data" for p in root.parents]
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    pytest.fail(
        f"the shared recordings are not at {candidates[0]}: put them in ../shared/data next to "
        "the checkout or set SILVERGUARD_DATA_DIR"
    )


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[VictoriaMetricsInstance]:
    """A VictoriaMetrics of this test's own, which the test may stop and start."""
    with victoria_metrics(tmp_path / "victoria-metrics") as server:
        yield server
