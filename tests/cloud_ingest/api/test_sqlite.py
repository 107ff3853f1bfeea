"""The embedded default: the same API code over SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from contracts.clock import FakeClock
from tests.cloud_ingest.api.conftest import seed_database
from tests.cloud_ingest.api.support import ADMIN_PASSWORD, JWT_SECRET, PARTNER_SECRET, Api


@pytest.mark.usefixtures("seed_env")
async def test_login_residents_partner_events_and_audit_on_sqlite(
    tmp_path: Path, api_clock: FakeClock, hasher: SecretHasher
) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'ingest.db'}"
    seed_database(url, api_clock, hasher)
    seed_database(url, api_clock, hasher)  # idempotent on SQLite too
    context = ApiContext(url, ApiSettings(), JWT_SECRET, clock=api_clock, hasher=hasher)
    transport = httpx.ASGITransport(app=create_app(context))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            api = Api(client, context, api_clock)
            worker = await api.login("wang.fang")
            assert [r["id"] for r in (await api.get("/api/v1/residents", worker))["items"]] == [
                "res-0001"
            ]
            other = await api.login("other.admin", ADMIN_PASSWORD)
            assert (
                await client.get("/api/v1/residents/res-0001", headers=other)
            ).status_code == 404
            posted = await client.post(
                "/api/v1/partner/events",
                headers={"X-Api-Key": f"bank-fraud-desk.{PARTNER_SECRET}"},
                json={"resident_id": "res-0001", "type": "fraud_warning", "summary": "可疑转账"},
            )
            assert posted.status_code == 201, posted.text
            events = await api.get("/api/v1/events", worker)
            assert [e["type"] for e in events["items"]] == ["fraud_warning"]
            assert api.audit_rows(action="resident.list", actor_id="cw-0001") == 1
            assert api.audit_rows(action="events.read", resident_id="res-0001") == 1
    finally:
        context.close()
