"""The HTTP API: confirm page, accept by link and by JSON, conflicts, bad tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine

from alerting.api import accept_url
from alerting.config import AlertingSettings
from contracts.clock import FakeClock
from tests.alerting.api_support import api_client
from tests.alerting.dispatch_support import now_clock, open_fire_incident
from tests.alerting.support import make_settings


@pytest.fixture
def clock() -> FakeClock:
    return now_clock()


@pytest.fixture
def settings(db_url: str) -> AlertingSettings:
    return make_settings(db_url, second_person=True)


@pytest.fixture
async def api(
    engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings, engine, clock) as c:
        yield c


def _token(settings: AlertingSettings, incident_id: str, person: str, clock: FakeClock) -> str:
    return accept_url(settings, incident_id, person, clock=clock).rsplit("/", 1)[1]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_healthz(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_get_link_shows_confirm_page_and_changes_nothing(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    incident_id = open_fire_incident(engine, settings, clock)
    token = _token(settings, incident_id, "cw-0001", clock)
    page = await api.get(f"/a/{token}")
    assert page.status_code == 200
    assert '<form method="post"' in page.text
    assert "【紧急】火警 · 住户 res-0001" in page.text
    view = (await api.get(f"/api/v1/incidents/{incident_id}", headers=_auth(token))).json()
    assert (view["status"], view["accepted_by"]) == ("open", None)


async def test_accept_by_link_then_idempotent_then_conflict(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    incident_id = open_fire_incident(engine, settings, clock)
    mine = _token(settings, incident_id, "cw-0001", clock)
    theirs = _token(settings, incident_id, "cw-0002", clock)
    accepted = await api.post(f"/a/{mine}")
    assert accepted.status_code == 200
    assert "已接单" in accepted.text
    accepted_at = clock.now().isoformat()
    clock.advance(timedelta(seconds=5))
    again = await api.post(f"/api/v1/incidents/{incident_id}/accept", headers=_auth(mine))
    assert again.status_code == 200
    assert again.json()["outcome"] == "already_yours"
    assert again.json()["accepted_at"] == accepted_at
    conflict = await api.post(f"/api/v1/incidents/{incident_id}/accept", headers=_auth(theirs))
    assert conflict.status_code == 409
    body = conflict.json()
    assert (body["accepted_by"], body["accepted_at"]) == ("cw-0001", accepted_at)
    assert "already accepted by cw-0001" in body["detail"]
    view = (await api.get(f"/api/v1/incidents/{incident_id}", headers=_auth(theirs))).json()
    assert (view["status"], view["accepted_by"], view["accepted_at"]) == (
        "accepted",
        "cw-0001",
        accepted_at,
    )
    assert [e["action"] for e in view["log"]] == ["opened", "escalated", "accepted", "cancelled"]
    assert view["log"][2]["actor"] == "cw-0001"
    assert len(view["notifications"]) == 3
    assert {n["status"] for n in view["notifications"]} == {"cancelled"}  # none was sent yet


async def test_bad_expired_and_foreign_tokens(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    incident_id = open_fire_incident(engine, settings, clock)
    token = _token(settings, incident_id, "cw-0001", clock)
    url = f"/api/v1/incidents/{incident_id}/accept"
    forged = await api.post(url, headers=_auth(token[:-3] + "abc"))
    assert forged.status_code == 401
    assert "use the latest link" in forged.json()["detail"]
    missing = await api.post(url)
    assert missing.status_code == 401
    foreign = _token(settings, "01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", "cw-0001", clock)
    assert (await api.post(url, headers=_auth(foreign))).status_code == 403
    page = await api.post(f"/a/{token}x")
    assert page.status_code == 401
    assert "请使用最新的通知链接" in page.text
    clock.advance(timedelta(seconds=settings.accept_link_max_age_s + 1))
    expired = await api.post(url, headers=_auth(token))
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
