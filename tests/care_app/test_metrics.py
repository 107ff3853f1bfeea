"""The care app counts and times its requests by route template (the shared middleware)."""

from __future__ import annotations

import httpx
import pytest

from care_app.app import create_app
from care_app.config import CareAppSettings
from contracts.clock import SystemClock
from contracts.http_metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS, HttpMetrics
from tests.care_app.support import SESSION_SECRET_ENV, secrets_env


async def test_requests_are_counted_by_route_template_and_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in secrets_env().items():
        monkeypatch.setenv(name, value)
    settings = CareAppSettings(
        cloud_api_url="http://127.0.0.1:9",
        alerting_api_url="http://127.0.0.1:9",
        session_secret_env=SESSION_SECRET_ENV,
    )
    metrics = HttpMetrics()
    app = create_app(settings, SystemClock(), http_metrics=metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as client:
        for _ in range(2):
            assert (await client.get("/login")).status_code == 200
        assert (await client.get("/static/app.css")).status_code == 200
        for incident in ("01AAA", "01BBB"):  # two paths, one template: log in first
            assert (await client.get(f"/incidents/{incident}")).status_code == 303
        assert (await client.get("/queue/stream")).status_code == 401
        assert (await client.get("/no/such/page")).status_code == 404

    def count(route: str, status: str, method: str = "GET") -> float:
        labels = {"route": route, "method": method, "status": status}
        return metrics.registry.get_sample_value(f"{HTTP_REQUESTS}_total", labels) or 0.0

    assert count("/login", "200") == 2
    assert count("/static", "200") == 1
    assert count("/incidents/{incident_id}", "303") == 2
    assert count("/queue/stream", "401") == 1
    assert count("unmatched", "404") == 1
    timed = {"route": "/login", "method": "GET", "status": "200"}
    assert metrics.registry.get_sample_value(f"{HTTP_REQUEST_DURATION}_count", timed) == 2
    assert (metrics.registry.get_sample_value(f"{HTTP_REQUEST_DURATION}_sum", timed) or 0) > 0
