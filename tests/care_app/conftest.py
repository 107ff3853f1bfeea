"""Fixtures of the care app's browser tests: the whole stack on a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.care_app.support import Stack, care_stack, secrets_env


@pytest.fixture
async def stack(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stack]:
    """The cloud API, the alert router, the care app and Chromium, on one seeded database."""
    for name, value in secrets_env().items():
        monkeypatch.setenv(name, value)
    async with care_stack(postgres_url) as running:
        yield running
