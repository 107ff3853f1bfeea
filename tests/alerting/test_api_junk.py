"""Regressions found by the schemathesis run (tests/alerting/test_api_schemathesis.py).

A NUL character anywhere the API stores or looks up text made PostgreSQL fail, and the
router answered 503 ("the database is unavailable: try again"), which no retry would fix.
Now it is a 422 naming the field, on SQLite and PostgreSQL alike, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from alerting.config import AlertingSettings
from alerting.incidents.views import incident_view
from alerting.silences import list_silences
from alerting.store.push import push_subscriptions_for
from contracts.auth import Role
from contracts.clock import FakeClock
from contracts.events import EventType
from tests.alerting.api_support import api_client, login, open_incidents
from tests.alerting.dispatch_support import now_clock
from tests.alerting.escalation_support import escalation_settings

NUL = "\x00"


@pytest.fixture
def clock() -> FakeClock:
    return now_clock()


@pytest.fixture
def settings(db_url: str) -> AlertingSettings:
    return escalation_settings(db_url)


@pytest.fixture
async def api(
    engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings, engine, clock) as c:
        yield c


def _refused(response: httpx.Response, *where: str) -> None:
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == list(where)
    assert "must not contain a NUL character (U+0000): remove it" in problem["msg"]


async def test_a_nul_in_an_id_or_query_is_a_422_not_a_503(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    me = login(clock, "cw-0001")
    lead = login(clock, "tl-0001", Role.TEAM_LEAD, ("t-north",))
    for method, url in [
        ("GET", "/api/v1/incidents/01J%00X"),
        ("POST", "/api/v1/incidents/01J%00X/accept"),
        ("POST", "/api/v1/incidents/01J%00X/en-route"),
        ("POST", "/api/v1/incidents/01J%00X/contact"),
        ("POST", "/api/v1/incidents/01J%00X/close"),
    ]:
        _refused(await api.request(method, url, headers=me), "path", "incident_id")
    gone = await api.delete("/api/v1/push/subscriptions?endpoint=https://p%00", headers=me)
    _refused(gone, "query", "endpoint")
    _refused(await api.delete("/api/v1/silences/s%00", headers=lead), "path", "silence_id")


async def test_a_nul_in_a_body_is_a_422_and_nothing_is_stored(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    [fall] = open_incidents(engine, settings, clock, EventType.FALL)
    me = login(clock, "cw-0001")
    url = f"/api/v1/incidents/{fall}"
    await api.post(f"{url}/accept", headers=me)
    closing: dict[str, Any] = {"outcome": "other", "note": f"helped up{NUL}"}
    _refused(await api.post(f"{url}/close", headers=me, json=closing), "body", "note")
    view = incident_view(engine, fall)
    assert view is not None
    assert (view["status"], view["close_note"]) == ("accepted", None)

    keys = {"p256dh": "BNc", "auth": f"a{NUL}"}
    push = {"endpoint": "https://push.example/v1/abc", "keys": keys}
    refused = await api.post("/api/v1/push/subscriptions", headers=me, json=push)
    _refused(refused, "body", "keys", "auth")
    assert push_subscriptions_for(engine, "cw-0001") == []

    lead = login(clock, "tl-0001", Role.TEAM_LEAD, ("t-north",))
    ends = (clock.now() + timedelta(hours=1)).isoformat()
    for body, where in [
        ({"matchers": [f"type=fall{NUL}"], "ends_at": ends, "comment": "works"}, "matchers"),
        ({"matchers": ["type=fall"], "ends_at": ends, "comment": f"w{NUL}"}, "comment"),
    ]:
        response = await api.post("/api/v1/silences", headers=lead, json=body)
        loc = ("body", where, 0) if where == "matchers" else ("body", where)
        _refused(response, *loc)
    assert list_silences(engine, "org-demo", clock.now()) == []
