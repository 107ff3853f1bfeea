"""Telemetry on real Mosquitto, PostgreSQL and VictoriaMetrics: stored on the server before the
ack, buffered durably while the server is down, drained without loss, never acked when the
buffer is full (events are)."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cloud_ingest.config import TsdbSettings
from cloud_ingest.store import TsdbBufferRow
from cloud_ingest.store.engine import make_engine
from contracts import AckStatus, GatewayState, SmokeReading, WristbandStatus
from contracts.envelope import Envelope
from contracts.ids import new_message_id
from contracts.series import VITALS, DeviceHealthField, VitalsField, flat_name
from tests.cloud_ingest.support import (
    NOW,
    event_envelope,
    gateway,
    ingest_settings,
    running_ingest,
    status_envelope,
    vitals_envelope,
)
from tests.servers import MosquittoInstance, VictoriaMetricsInstance

pytestmark = pytest.mark.integration


@pytest.fixture
def org() -> str:
    """An org id of this test's own: the session broker is shared."""
    return f"org-{secrets.token_hex(4)}"


def _tsdb(server: VictoriaMetricsInstance, **limits: int) -> TsdbSettings:
    return TsdbSettings.model_validate(
        {"url": server.url, "drain_interval_s": 0.2, "timeout_s": 3, **limits}
    )


def _samples(server: VictoriaMetricsInstance, name: str, org: str) -> dict[int, float]:
    """Timestamp (ms) → value of series ``name`` of ``org``."""
    found: dict[int, float] = {}
    for series in server.export(f'{{__name__="{name}",org_id="{org}"}}'):
        timestamps = series["timestamps"]
        values = series["values"]
        assert isinstance(timestamps, list)
        assert isinstance(values, list)
        found.update(zip(timestamps, values, strict=True))
    return found


async def _eventually(check: object, timeout_s: float = 20.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_s} s: {check}")
        await asyncio.sleep(0.2)


def _buffered_points(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.sum(TsdbBufferRow.point_count))).scalar() or 0)
    finally:
        engine.dispose()


def _ms(env: Envelope) -> int:
    return int(env.gateway_time.timestamp() * 1000)


async def test_vitals_and_device_health_are_on_the_server_when_acked(
    mosquitto_broker: MosquittoInstance,
    postgres_url: str,
    victoria: VictoriaMetricsInstance,
    org: str,
) -> None:
    settings = ingest_settings(
        postgres_url, mosquitto_broker.port, group=f"g-{org}", tsdb=_tsdb(victoria)
    )
    vitals = vitals_envelope(org, heart_rate_bpm=58.0)
    band = Envelope(
        message_id=new_message_id(NOW),
        org_id=org,
        gateway_id="gw-1",
        device_id="band-1",
        gateway_time=NOW + timedelta(seconds=1),
        body=WristbandStatus(heart_rate_bpm=72.0, battery_pct=40.0, on_wrist=True),
    )
    smoke = Envelope(
        message_id=new_message_id(NOW),
        org_id=org,
        gateway_id="gw-1",
        device_id="smoke-1",
        gateway_time=NOW + timedelta(seconds=2),
        body=SmokeReading(smoke=False, battery_pct=88.0, link_quality=120),
    )
    birth = status_envelope(GatewayState.ONLINE, org, at=NOW + timedelta(seconds=3))
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        for env in (vitals, band, smoke, birth):
            await gw.send(env)
        for env in (vitals, band, smoke, birth):
            assert await gw.wait_for_ack(env.message_id) is AckStatus.STORED
        # acked means written: no waiting for a batch writer
        heart = _samples(victoria, flat_name(VITALS, VitalsField.HEART_RATE_BPM), org)
        assert heart == {_ms(vitals): 58.0, _ms(band): 72.0}
        battery = _samples(victoria, f"sg_device_health_{DeviceHealthField.BATTERY_PCT}", org)
        assert battery == {_ms(band): 40.0, _ms(smoke): 88.0}
        online = _samples(victoria, f"sg_device_health_{DeviceHealthField.ONLINE}", org)
        assert online == {_ms(birth): 1.0}
        in_bed = victoria.export(f'{{__name__="sg_vitals_in_bed",org_id="{org}"}}')
        assert in_bed[0]["metric"] == {
            "__name__": "sg_vitals_in_bed",
            "org_id": org,
            "gateway_id": "gw-1",
            "home_id": "home-1",
            "resident_id": "res-1",
            "device_id": "bed-1",
            "device_kind": "mattress",
            "source": "firmware",
        }
        await gw.send(vitals)  # a resend: the same point, not a second one
        await gw.wait_for_count(5)
        assert gw.acks[-1] == (vitals.message_id, AckStatus.DUPLICATE)
    heart = _samples(victoria, flat_name(VITALS, VitalsField.HEART_RATE_BPM), org)
    assert heart == {_ms(vitals): 58.0, _ms(band): 72.0}
    assert _buffered_points(postgres_url) == 0


async def test_an_outage_is_buffered_durably_and_drained_without_loss(
    mosquitto_broker: MosquittoInstance,
    postgres_url: str,
    victoria: VictoriaMetricsInstance,
    org: str,
) -> None:
    settings = ingest_settings(
        postgres_url, mosquitto_broker.port, group=f"g-{org}", tsdb=_tsdb(victoria)
    )
    readings = [
        vitals_envelope(org, at=NOW + timedelta(seconds=i), heart_rate_bpm=60.0 + i)
        for i in range(30)
    ]
    name = flat_name(VITALS, VitalsField.HEART_RATE_BPM)
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        await gw.send(readings[0])
        assert await gw.wait_for_ack(readings[0].message_id) is AckStatus.STORED
        victoria.stop()
        for env in readings[1:]:
            await gw.send(env)
        fire = event_envelope(org)
        await gw.send(fire)  # alarms never wait for the time-series server
        assert await gw.wait_for_ack(fire.message_id) is AckStatus.STORED
        await gw.wait_for_count(len(readings) + 1)
        assert {s for _, s in gw.acks} == {AckStatus.STORED}
        assert _buffered_points(postgres_url) == len(readings) - 1
        victoria.start()
        await _eventually(lambda: _buffered_points(postgres_url) == 0)
        expected = {_ms(env): env.body.heart_rate_bpm for env in readings}  # type: ignore[union-attr]
        await _eventually(lambda: _samples(victoria, name, org) == expected)


async def test_a_full_buffer_stops_acking_telemetry_but_never_events(
    mosquitto_broker: MosquittoInstance,
    postgres_url: str,
    victoria: VictoriaMetricsInstance,
    org: str,
) -> None:
    settings = ingest_settings(
        postgres_url,
        mosquitto_broker.port,
        group=f"g-{org}",
        tsdb=_tsdb(victoria, buffer_max_points=3),
    )
    readings = [vitals_envelope(org, at=NOW + timedelta(seconds=i)) for i in range(4)]
    victoria.stop()
    async with running_ingest(settings), gateway(mosquitto_broker.port, org, "gw-1") as gw:
        for env in readings[:3]:
            await gw.send(env)
            assert await gw.wait_for_ack(env.message_id) is AckStatus.STORED
        await gw.send(readings[3])
        fire = event_envelope(org)
        await gw.send(fire)  # processed after readings[3], in the same batch or a later one
        assert await gw.wait_for_ack(fire.message_id) is AckStatus.STORED
        assert readings[3].message_id not in {mid for mid, _ in gw.acks}
        assert _buffered_points(postgres_url) == 3
        victoria.start()
        await _eventually(lambda: _buffered_points(postgres_url) == 0)
        await gw.send(readings[3])  # the gateway's resend, now that there is room
        assert await gw.wait_for_ack(readings[3].message_id) is AckStatus.STORED
    name = flat_name(VITALS, VitalsField.IN_BED)
    await _eventually(lambda: set(_samples(victoria, name, org)) == {_ms(e) for e in readings})
