"""A resident's vital signs read back from a real VictoriaMetrics, written by the ingest's own
line-protocol writer; scoped like every resident read, and audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.config import TsdbSettings
from cloud_ingest.tsdb.points import points_of
from cloud_ingest.tsdb.writer import TsdbWriter
from contracts.clock import FakeClock
from tests.cloud_ingest.api.support import ADMIN_PASSWORD, JWT_SECRET, Api
from tests.cloud_ingest.support import NOW, vitals_envelope
from tests.servers import VictoriaMetricsInstance

pytestmark = pytest.mark.integration

WINDOW = {"start": NOW.isoformat(), "end": (NOW + timedelta(minutes=3)).isoformat()}


def _write_vitals(server: VictoriaMetricsInstance) -> None:
    writer = TsdbWriter(TsdbSettings.model_validate({"url": server.url}))
    lines = []
    for minute, rate in enumerate((60.0, 61.0, 62.0)):
        for org, resident in (("org-demo", "res-0001"), ("org-demo", "res-0002")):
            envelope = vitals_envelope(
                org, "gw-0001", at=NOW + timedelta(minutes=minute), heart_rate_bpm=rate
            ).model_copy(update={"resident_id": resident})
            lines += points_of(envelope)
    writer.write(lines)
    writer.close()
    httpx.get(f"{server.url}/internal/force_flush", timeout=10).raise_for_status()


@pytest.fixture
async def series_api(
    seeded_pg: str, api_clock: FakeClock, hasher: SecretHasher, victoria: VictoriaMetricsInstance
) -> AsyncIterator[Api]:
    """The API with time series from ``victoria``."""
    _write_vitals(victoria)
    context = ApiContext(
        seeded_pg, ApiSettings(), JWT_SECRET, clock=api_clock, hasher=hasher, tsdb_url=victoria.url
    )
    transport = httpx.ASGITransport(app=create_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield Api(client, context, api_clock)
    context.close()


async def test_a_care_worker_reads_their_residents_heart_rate(series_api: Api) -> None:
    api = series_api
    worker = await api.login("wang.fang")
    body = await api.get("/api/v1/residents/res-0001/series", worker, step_s=60, **WINDOW)
    assert body["field"] == "heart_rate_bpm"
    [series] = body["series"]
    assert series["labels"]["device_id"] == "bed-1"
    assert series["labels"]["resident_id"] == "res-0001"
    assert [p["value"] for p in series["points"]][:3] == [60.0, 61.0, 62.0]
    assert series["points"][0]["t"].startswith("2026-11-24T03:00:00")
    assert api.audit_rows(action="series.read", resident_id="res-0001") == 1
    forbidden = await api.client.get(
        "/api/v1/residents/res-0002/series", headers=worker, params=WINDOW
    )
    assert forbidden.status_code == 403
    other = await api.login("other.admin", ADMIN_PASSWORD)
    hidden = await api.client.get("/api/v1/residents/res-0001/series", headers=other)
    assert hidden.status_code == 404


async def test_bad_windows_and_an_unreachable_server_are_clear(
    series_api: Api, victoria: VictoriaMetricsInstance
) -> None:
    api = series_api
    admin = await api.login("admin", ADMIN_PASSWORD)
    path = "/api/v1/residents/res-0001/series"
    backwards = {"start": WINDOW["end"], "end": WINDOW["start"]}
    response = await api.client.get(path, headers=admin, params=backwards)
    assert response.status_code == 400
    huge: dict[str, str | int] = {"start": (NOW - timedelta(days=30)).isoformat(), "step_s": 1}
    response = await api.client.get(path, headers=admin, params=huge)
    assert response.status_code == 400
    assert "larger step_s" in response.json()["detail"]
    victoria.stop()
    response = await api.client.get(path, headers=admin, params=WINDOW)
    assert response.status_code == 502
    assert "check that it runs" in response.json()["detail"]
