"""Binding the resident: the eligibility rule decides; an override needs a reason and is audited
(the real API on PostgreSQL, the seed's res-0002: 81 years old with a mild disability)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.store.domain import AuditEntry, Home
from contracts.clock import SystemClock
from silverguard.setup.errors import SetupError
from silverguard.setup.options import SetupOptions
from silverguard.setup.runner import SetupRun
from silverguard.setup.state import SetupState
from tests.cloud_ingest.api.conftest import seed_database
from tests.cloud_ingest.api.support import ADMIN_PASSWORD, SEED_ENV, STAFF_PASSWORD
from tests.setup.stack import api_server

pytestmark = pytest.mark.integration

OPERATOR = ("duty.desk", STAFF_PASSWORD)
REASON = "lives alone after a stroke; the care team asked for monitoring"


@pytest.fixture
def api_url(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in SEED_ENV.items():
        monkeypatch.setenv(name, value)
    seed_database(postgres_url, SystemClock(), SecretHasher.fast_for_tests())  # type: ignore[arg-type]
    with api_server(postgres_url, None) as url:
        yield url


def _bind(tmp_path: Path, url: str, reason: str | None, user: tuple[str, str]) -> dict[str, Any]:
    """Run setup's resident step as ``user`` (the gateway already registered)."""
    options = SetupOptions(
        cloud_url=url,
        installer="li",
        cloud_broker_host="127.0.0.1",
        band_id="b1",
        resident_id="res-0002",
        operator_user=user[0],
        operator_password=user[1],
        eligibility_override_reason=reason,
        state_dir=tmp_path,
    )
    state = SetupState.load(tmp_path / "setup-state.json")
    if not state.done("register"):
        state.record("register", {"home_id": "home-0002", "gateway_id": "gw-0002"})
    run = SetupRun(options, Console(file=io.StringIO()))
    try:
        return asyncio.run(run._resident())
    finally:
        run.api.close()


def test_an_ineligible_resident_needs_an_override_reason_which_is_audited(
    tmp_path: Path, api_url: str, postgres_url: str
) -> None:
    with pytest.raises(SetupError, match="res-0002 is not eligible") as failed:
        _bind(tmp_path, api_url, None, OPERATOR)
    assert "--eligibility-override-reason" in failed.value.advice
    # the API lets only a team lead or an admin override; the operator is told so
    with pytest.raises(SetupError, match="needs team_lead, admin"):
        _bind(tmp_path, api_url, REASON, OPERATOR)
    result = _bind(tmp_path, api_url, REASON, ("admin", ADMIN_PASSWORD))
    assert (result["eligible"], result["overridden"]) == (False, True)
    engine = create_engine(postgres_url)
    with Session(engine) as db:
        reasons = db.scalars(
            select(AuditEntry.reason).where(
                AuditEntry.action == "resident.eligibility_override",
                AuditEntry.resident_id == "res-0002",
            )
        ).all()
        home = db.get(Home, "home-0002")
        assert home is not None
        assert home.resident_id == "res-0002"
    engine.dispose()
    assert any(REASON in (r or "") for r in reasons)
