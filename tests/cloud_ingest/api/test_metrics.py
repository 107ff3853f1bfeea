"""The REST API counts and times its requests by route template (the shared middleware)."""

from __future__ import annotations

import httpx

from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from contracts.clock import FakeClock
from contracts.http_metrics import HTTP_REQUESTS, HttpMetrics
from tests.cloud_ingest.api.support import JWT_SECRET, STAFF_PASSWORD


async def test_requests_are_counted_by_route_template_and_status(
    seeded_pg: str, api_clock: FakeClock, hasher: SecretHasher
) -> None:
    metrics = HttpMetrics()
    context = ApiContext(seeded_pg, ApiSettings(), JWT_SECRET, clock=api_clock, hasher=hasher)
    transport = httpx.ASGITransport(app=create_app(context, http_metrics=metrics))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            assert (await client.get("/healthz")).status_code == 200
            login = await client.post(
                "/api/v1/auth/token", data={"username": "zhao.lei", "password": STAFF_PASSWORD}
            )
            assert login.status_code == 200, login.text
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
            for resident in ("res-0001", "res-0002"):
                assert (
                    await client.get(f"/api/v1/residents/{resident}", headers=auth)
                ).status_code == 200
            assert (await client.get("/api/v1/residents/res-0001")).status_code == 401
            assert (await client.get("/api/v1/nothing-here")).status_code == 404
    finally:
        context.close()

    def count(route: str, status: str, method: str = "GET") -> float:
        labels = {"route": route, "method": method, "status": status}
        return metrics.registry.get_sample_value(f"{HTTP_REQUESTS}_total", labels) or 0.0

    assert count("/healthz", "200") == 1
    assert count("/api/v1/auth/token", "200", "POST") == 1
    assert count("/api/v1/residents/{resident_id}", "200") == 2
    assert count("/api/v1/residents/{resident_id}", "401") == 1
    assert count("unmatched", "404") == 1
