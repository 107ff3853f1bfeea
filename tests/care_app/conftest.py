"""Fixtures of the care app's browser tests: the whole stack on a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.care_app.support import Stack, care_stack, secrets_env
from tests.servers import VictoriaMetricsInstance


@pytest.fixture
async def stack(
    postgres_url: str, victoria: VictoriaMetricsInstance, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    """The cloud API (with VictoriaMetrics), the alert router, the care app and Chromium, on
    one seeded database."""
    for name, value in secrets_env().items():
        monkeypatch.setenv(name, value)
    async with care_stack(postgres_url, victoria.url) as running:
        yield running
