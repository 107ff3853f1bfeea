"""Liveness: the pure rules with hand-moved time, the sweep on PostgreSQL and SQLite, and the
whole path from a gateway's last will to an operator event in the feed."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from cloud_ingest.config import LivenessSettings
from cloud_ingest.liveness import LivenessSweep, Watched, assess
from cloud_ingest.metrics import IngestMetrics
from cloud_ingest.store import EventRow, IngestStore, LivenessRow
from cloud_ingest.store.batch import Incoming
from cloud_ingest.store.engine import make_engine
from contracts import AckStatus, GatewayState, encode_envelope
from contracts.clock import FakeClock
from contracts.envelope import Envelope, decode_envelope
from contracts.events import Audience, EventBody, EventStatus, EventType
from contracts.ids import new_message_id
from contracts.series import DeviceKind
from contracts.status import GatewayState as State
from tests.cloud_ingest.support import (
    NOW,
    gateway,
    ingest_settings,
    reading_envelope,
    running_ingest,
    status_envelope,
    vitals_envelope,
)
from tests.servers import MosquittoInstance

RULES = LivenessSettings(gateway_heartbeat_s=60, missed_heartbeats=3, check_interval_s=0.2)
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _gw(seen: datetime = T0, since: datetime | None = None) -> Watched:
    return Watched("org-a", "gw-1", None, DeviceKind.GATEWAY, "home-1", None, seen, since)


def _bed(seen: datetime = T0, since: datetime | None = None) -> Watched:
    return Watched("org-a", "gw-1", "bed-1", DeviceKind.MATTRESS, "home-1", "res-1", seen, since)


def test_silent_gateway_goes_offline_after_the_missed_heartbeats_and_comes_back() -> None:
    assert assess([_gw()], {}, T0 + timedelta(seconds=180), RULES) == []
    [down] = assess([_gw()], {}, T0 + timedelta(seconds=181), RULES)
    assert down.offline
    event = down.event()
    assert (event.type, event.status, event.audience) == (
        EventType.GATEWAY_OFFLINE,
        EventStatus.RAISED,
        Audience.OPERATOR,
    )
    assert event.evidence.values["silent_s"] == 181
    flagged = _gw(since=T0 + timedelta(seconds=181))
    assert assess([flagged], {}, T0 + timedelta(seconds=500), RULES) == []  # raised once
    back = _gw(seen=T0 + timedelta(seconds=600), since=T0 + timedelta(seconds=181))
    [up] = assess([back], {}, T0 + timedelta(seconds=601), RULES)
    assert not up.offline
    assert up.event().status is EventStatus.CLEARED
    assert up.event().evidence.values["offline_s"] == 420


def test_a_last_will_is_offline_at_once_and_the_devices_behind_it_are_not_reported() -> None:
    announced = {("org-a", "gw-1"): State.OFFLINE}
    much_later = T0 + timedelta(hours=5)
    changes = assess([_gw(seen=much_later), _bed()], announced, much_later, RULES)
    assert [(c.watched.device_kind, c.offline) for c in changes] == [(DeviceKind.GATEWAY, True)]
    assert changes[0].evidence.values["announced_offline"] is True


def test_device_silence_follows_its_kinds_cadence() -> None:
    now = T0 + timedelta(seconds=200)
    gateway_alive = _gw(seen=now)
    [change] = assess([gateway_alive, _bed()], {}, now, RULES)  # mattress: 3 × 60 s
    assert change.event().type is EventType.DEVICE_OFFLINE
    assert "bed-1 silent for 200 s" in change.event().evidence.summary
    smoke = Watched("org-a", "gw-1", "smoke-1", DeviceKind.SMOKE, None, None, T0, None)
    assert assess([gateway_alive, smoke], {}, now, RULES) == []  # smoke: 3 × 4 h
    no_cadence = LivenessSettings(device_cadence_s={})
    assert assess([gateway_alive, _bed()], {}, now, no_cadence) == []


def _events(url: str) -> list[Envelope]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(EventRow.envelope_json).order_by(EventRow.seq)).all()
    finally:
        engine.dispose()
    return [decode_envelope(r[0]) for r in rows]


def _store(store: IngestStore, *envelopes: Envelope) -> None:
    store.store_batch([Incoming(e, encode_envelope(e)) for e in envelopes], track_liveness=True)


def test_sweep_raises_once_clears_once_and_writes_to_the_event_feed(
    store: IngestStore, database_url: str, clock: FakeClock
) -> None:
    sweep = LivenessSweep(store, RULES, clock, IngestMetrics())
    _store(store, vitals_envelope("org-a"), status_envelope(GatewayState.ONLINE, "org-a"))
    assert sweep.sweep() == []
    clock.advance(timedelta(seconds=181))
    raised = sweep.sweep()
    assert sweep.sweep() == []  # recorded: not raised again
    clock.advance(timedelta(seconds=60))
    _store(store, reading_envelope("org-a"))  # the gateway talks again (a smoke reading)
    after = sweep.sweep()
    feed = _events(database_url)
    assert [e.message_id for e in feed] == [e.message_id for e in raised + after]
    seen = [
        (e.body.type, e.body.status, e.device_id) for e in feed if isinstance(e.body, EventBody)
    ]
    assert seen == [
        (EventType.GATEWAY_OFFLINE, EventStatus.RAISED, None),
        (EventType.GATEWAY_OFFLINE, EventStatus.CLEARED, None),
        # the mattress stayed silent: reported only now that its gateway is back
        (EventType.DEVICE_OFFLINE, EventStatus.RAISED, "bed-1"),
    ]
    bed = feed[-1]
    assert (bed.resident_id, bed.home_id, bed.org_id, bed.gateway_id) == (
        "res-1",
        "home-1",
        "org-a",
        "gw-1",
    )
    assert isinstance(bed.body, EventBody)
    assert bed.body.audience is Audience.OPERATOR
    assert sweep.sweep() == []


@pytest.mark.integration
async def test_a_last_will_becomes_a_gateway_offline_event_in_the_feed(
    mosquitto_broker: MosquittoInstance, postgres_url: str
) -> None:
    org = f"org-{secrets.token_hex(4)}"
    settings = ingest_settings(
        postgres_url, mosquitto_broker.port, group=f"g-{org}", liveness=RULES
    )
    birth = status_envelope(GatewayState.ONLINE, org, at=NOW)
    will = status_envelope(GatewayState.OFFLINE, org, at=NOW + timedelta(seconds=1))
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        await gw.send(birth)
        assert await gw.wait_for_ack(birth.message_id) is AckStatus.STORED
        await gw.send(will)  # what the broker publishes when the gateway drops
        assert await gw.wait_for_ack(will.message_id) is AckStatus.STORED
        deadline = datetime.now(UTC) + timedelta(seconds=15)
        while datetime.now(UTC) < deadline:
            offline = [
                e
                for e in _events(postgres_url)
                if e.org_id == org and isinstance(e.body, EventBody)
            ]
            if offline:
                break
            await asyncio.sleep(0.2)
    assert len(offline) == 1
    assert isinstance(offline[0].body, EventBody)
    assert offline[0].body.type is EventType.GATEWAY_OFFLINE
    assert offline[0].body.detector == "cloud.liveness/v1"
    assert "announced offline" in offline[0].body.evidence.summary


def test_a_message_refreshes_last_seen_and_keeps_what_it_does_not_say(
    store: IngestStore, database_url: str, clock: FakeClock
) -> None:
    first = vitals_envelope("org-a")
    _store(store, first, vitals_envelope("org-b"))
    engine = make_engine(database_url)
    with engine.begin() as conn:  # as the sweep does once it raised an offline event
        conn.execute(update(LivenessRow).values(offline_since=clock.now()))
    clock.advance(timedelta(seconds=30))
    _store(
        store,
        first.model_copy(
            update={"message_id": new_message_id(clock.now()), "home_id": None, "resident_id": None}
        ),
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(LivenessRow).order_by(LivenessRow.org_id, LivenessRow.device_id)
        ).all()
    engine.dispose()
    seen = [
        (
            r.org_id,
            r.device_id,
            r.device_kind,
            r.home_id,
            r.resident_id,
            r.last_seen_at.replace(tzinfo=UTC) - T0,
            r.offline_since is not None,
        )
        for r in rows
    ]
    later, same = timedelta(seconds=30), timedelta(0)
    assert seen == [
        ("org-a", "", "gateway", "home-1", None, later, True),
        ("org-a", "bed-1", "mattress", "home-1", "res-1", later, True),
        ("org-b", "", "gateway", "home-1", None, same, True),
        ("org-b", "bed-1", "mattress", "home-1", "res-1", same, True),
    ]
