"""The phone app's API with login tokens: queue, closed loop, push, silences, statistics."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from alerting.config import AlertingSettings
from alerting.store.db import create_db_engine
from alerting.store.push import push_subscriptions_for
from contracts.auth import Role
from contracts.clock import FakeClock
from contracts.events import EventType
from tests.alerting.api_support import api_client, login, open_incidents
from tests.alerting.dispatch_support import now_clock
from tests.alerting.escalation_support import escalation_settings
from tests.alerting.support import create_events_table, insert_event, make_envelope, running_router
from tests.servers import free_port


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


async def test_the_closed_loop_from_accept_to_close(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    [fall] = open_incidents(engine, settings, clock, EventType.FALL)
    me = login(clock, "cw-0001")
    url = f"/api/v1/incidents/{fall}"
    early = await api.post(f"{url}/contact", headers=me)
    assert (early.status_code, early.json()["status"]) == (409, "open")
    assert "accept it first" in early.json()["detail"]
    clock.advance(timedelta(seconds=40))
    assert (await api.post(f"{url}/accept", headers=me)).json()["outcome"] == "accepted"
    other = await api.post(f"{url}/en-route", headers=login(clock, "cw-0002"))
    assert other.status_code == 403  # cw-0002 was not paged yet, and does not hold it
    clock.advance(timedelta(seconds=60))
    assert (await api.post(f"{url}/en-route", headers=me)).json()["status"] == "en_route"
    clock.advance(timedelta(seconds=500))
    assert (await api.post(f"{url}/contact", headers=me)).json()["status"] == "contact_made"
    refused = await api.post(f"{url}/close", headers=me, json={"note": "all fine"})
    assert refused.status_code == 422
    assert refused.json()["outcome"] == "refused"
    assert "closing needs an outcome code" in refused.json()["detail"]
    bare = await api.post(f"{url}/close", headers=me)
    assert bare.status_code == 422
    unknown = await api.post(f"{url}/close", headers=me, json={"outcome": "fine"})
    assert "is not one of false_alarm" in unknown.json()["detail"]
    other_needs_note = await api.post(f"{url}/close", headers=me, json={"outcome": "other"})
    assert "needs a note" in other_needs_note.json()["detail"]
    still = (await api.get(url, headers=me)).json()
    assert still["status"] == "contact_made"
    closed = await api.post(
        f"{url}/close", headers=me, json={"outcome": "assisted_no_injury", "note": "helped up"}
    )
    assert closed.json() == {"outcome": "done", "status": "closed"}
    view = (await api.get(url, headers=me)).json()
    assert (view["outcome"], view["close_note"], view["closed_by"]) == (
        "assisted_no_injury",
        "helped up",
        "cw-0001",
    )
    assert (view["time_to_accept_s"], view["time_to_contact_s"]) == (40.0, 600.0)
    actions = [(e["action"], e["actor"]) for e in view["log"]]
    assert actions[-4:] == [
        ("cancelled", "cw-0001"),
        ("en_route", "cw-0001"),
        ("contact_made", "cw-0001"),
        ("closed", "cw-0001"),
    ]
    assert all(e["at"] for e in view["log"])
    assert view["evidence"]["summary"] == "smoke detected in the kitchen"
    again = await api.post(f"{url}/close", headers=me, json={"outcome": "false_alarm"})
    assert again.json()["outcome"] == "already"


async def test_my_queue_is_most_severe_first_with_age(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    bed, fall = open_incidents(
        engine, settings, clock, EventType.BED_EXIT_NO_RETURN, EventType.FALL
    )
    clock.advance(timedelta(seconds=90))
    queue = (await api.get("/api/v1/me/incidents", headers=login(clock, "cw-0001"))).json()
    assert [(i["id"], i["severity"], i["age_s"]) for i in queue["incidents"]] == [
        (fall, "critical", 90.0),
        (bed, "high", 90.0),
    ]
    assert (await api.get("/api/v1/me/incidents", headers=login(clock, "cw-0003"))).json()[
        "incidents"
    ] == []
    lead = login(clock, "tl-0001", Role.TEAM_LEAD, ("t-north",))
    assert len((await api.get("/api/v1/me/incidents", headers=lead)).json()["incidents"]) == 2
    desk = login(clock, "op-0001", Role.OPERATOR)
    assert len((await api.get("/api/v1/me/incidents", headers=desk)).json()["incidents"]) == 2
    south = login(clock, "tl-0002", Role.TEAM_LEAD, ("t-south",))
    assert (await api.get("/api/v1/me/incidents", headers=south)).json()["incidents"] == []


async def test_logins_are_checked(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    [fall] = open_incidents(engine, settings, clock, EventType.FALL)
    assert (await api.get("/api/v1/me/incidents")).status_code == 401
    forged = {"Authorization": login(clock, "cw-0001")["Authorization"][:-4] + "abcd"}
    assert (await api.get("/api/v1/me/incidents", headers=forged)).status_code == 401
    on_incident = await api.get(f"/api/v1/incidents/{fall}", headers=forged)
    assert on_incident.status_code == 401
    assert "log in again" in on_incident.json()["detail"]
    stranger = login(clock, "cw-0003")
    assert (await api.get(f"/api/v1/incidents/{fall}", headers=stranger)).status_code == 403
    expired = login(clock, "cw-0001")
    clock.advance(timedelta(minutes=16))
    response = await api.get("/api/v1/me/incidents", headers=expired)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_a_team_lead_can_close_for_the_team(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    [fall] = open_incidents(engine, settings, clock, EventType.FALL)
    url = f"/api/v1/incidents/{fall}"
    await api.post(f"{url}/accept", headers=login(clock, "cw-0001"))
    lead = login(clock, "tl-0001", Role.TEAM_LEAD, ("t-north",))
    closed = await api.post(f"{url}/close", headers=lead, json={"outcome": "false_alarm"})
    assert closed.json()["status"] == "closed"
    stats = await api.get("/api/v1/stats/outcomes?by=resident", headers=lead)
    assert stats.json()["groups"] == [
        {
            "resident": "res-0001",
            "closed": 1,
            "outcomes": {"false_alarm": 1},
            "false_alarm_rate": 1.0,
            "median_time_to_accept_s": 0.0,
            "p95_time_to_accept_s": 0.0,
            "accepted_within_target_share": 1.0,
            "median_time_to_contact_s": None,
            "p95_time_to_contact_s": None,
        }
    ]
    worker = await api.get("/api/v1/stats/outcomes", headers=login(clock, "cw-0001"))
    assert worker.status_code == 403


async def test_push_subscriptions_are_stored_per_person(
    api: httpx.AsyncClient, engine: Engine, clock: FakeClock
) -> None:
    endpoint = "https://push.example/v1/abc"
    body: dict[str, Any] = {
        "endpoint": endpoint,
        "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA", "auth": "tBHItJI5svbpez7KI4"},
    }
    saved = await api.post("/api/v1/push/subscriptions", headers=login(clock, "cw-0001"), json=body)
    assert saved.status_code == 201
    [sub] = push_subscriptions_for(engine, "cw-0001")
    assert sub.as_subscription_info() == body
    moved = await api.post("/api/v1/push/subscriptions", headers=login(clock, "cw-0002"), json=body)
    assert moved.status_code == 201  # the phone changed hands: one subscription, new owner
    assert push_subscriptions_for(engine, "cw-0001") == []
    bad = await api.post(
        "/api/v1/push/subscriptions", headers=login(clock, "cw-0002"), json={"endpoint": "x"}
    )
    assert bad.status_code == 422
    gone = await api.delete(
        "/api/v1/push/subscriptions",
        params={"endpoint": endpoint},
        headers=login(clock, "cw-0002"),
    )
    assert gone.json() == {"deleted": True}
    assert push_subscriptions_for(engine, "cw-0002") == []


async def test_api_silences_mute_a_fall_but_never_a_fire(
    api: httpx.AsyncClient, engine: Engine, settings: AlertingSettings, clock: FakeClock
) -> None:
    lead = login(clock, "tl-0001", Role.TEAM_LEAD, ("t-north",))
    body = {
        "matchers": ["home=home-0001"],
        "ends_at": (clock.now() + timedelta(hours=1)).isoformat(),
        "comment": "sensor maintenance",
    }
    worker = await api.post("/api/v1/silences", headers=login(clock, "cw-0001"), json=body)
    assert worker.status_code == 403
    bad = await api.post("/api/v1/silences", headers=lead, json={**body, "matchers": ["home"]})
    assert bad.status_code == 422
    created = await api.post("/api/v1/silences", headers=lead, json=body)
    assert created.status_code == 201
    fall, fire = open_incidents(engine, settings, clock, EventType.FALL, EventType.FIRE)
    me = login(clock, "cw-0001")
    assert (await api.get(f"/api/v1/incidents/{fall}", headers=lead)).json()["muted_reason"] == (
        "silenced"
    )
    queue = (await api.get("/api/v1/me/incidents", headers=me)).json()["incidents"]
    assert [i["id"] for i in queue] == [fire]
    listed = (await api.get("/api/v1/silences", headers=lead)).json()["silences"]
    assert [s["id"] for s in listed] == [created.json()["id"]]
    expired = await api.delete(f"/api/v1/silences/{created.json()['id']}", headers=lead)
    assert expired.json() == {"expired": True}
    assert (await api.get("/api/v1/silences", headers=lead)).json()["silences"] == []


async def test_the_live_queue_streams_new_incidents(tmp_path: Path) -> None:
    """Server-sent events from the real server: the queue at once, then each change."""
    settings = escalation_settings(
        f"sqlite:///{tmp_path / 'alerting.db'}", api_port=free_port(), poll_interval_s=0.05
    )
    engine = create_db_engine(settings.database_url)
    clock = now_clock()
    url = f"{settings.public_base_url}/api/v1/me/stream"
    try:
        async with running_router(settings), httpx.AsyncClient(timeout=20) as client:
            create_events_table(engine)
            token = login(clock, "cw-0001")["Authorization"].removeprefix("Bearer ")
            async with client.stream("GET", url, params={"access_token": token}) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                events = _sse_events(stream.aiter_lines())
                assert await anext(events) == ("incidents", [])
                insert_event(engine, make_envelope(EventType.FALL))
                name, [incident] = await anext(events)
                assert (name, incident["type"], incident["status"]) == ("incidents", "fall", "open")
            # Long enough to open the stream on a loaded machine, short enough to see it expire.
            brief = login(clock, "cw-0001", valid_for=timedelta(seconds=5))
            async with client.stream("GET", url, headers=brief) as stream:
                events = _sse_events(stream.aiter_lines())
                assert (await anext(events))[0] == "incidents"
                assert (await anext(events))[0] == "expired"  # the app must log in again
            refused = await client.get(url, params={"access_token": "nope"})
            assert refused.status_code == 401
    finally:
        engine.dispose()


async def _sse_events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, Any]]:
    name = ""
    async for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))
