"""The installer's wristband check on a real Mosquitto: a bad block is skipped, not fatal."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import aiomqtt
import pytest

from contracts.config import MqttEndpoint
from edge_agent.config import EdgeSettings
from firmware_sim.wristband import WristbandSim
from silverguard.setup.selftest import check_wristband
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration
BAND = "band-0001"


def _settings(broker: MosquittoInstance, tmp_path: Path) -> EdgeSettings:
    home = MqttEndpoint(host=broker.host, port=broker.port)
    return EdgeSettings(
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id="res-0001",
        home_broker=home,
        cloud_broker=home,
        outbox_path=tmp_path / "outbox.db",
    )


async def _band(broker: MosquittoInstance, *, junk_first: bool, wave: bool) -> None:
    band = WristbandSim(BAND)
    async with aiomqtt.Client(broker.host, broker.port, identifier="test-band") as client:
        for i in range(200):
            if junk_first and i < 3:
                await client.publish(band.accel_topic, b'{"not": "a block"}', qos=1)
            elif wave:
                xyz = [(0.5 * math.sin(k / 3), 0.2, 1.0 + 0.3 * math.cos(k / 3)) for k in range(25)]
                await band.publish(client, band.accel_topic, band.accel_payload(i * 500, xyz))
            else:
                await band.publish(client, band.accel_topic, band.resting_block(i * 500, 25))
            await asyncio.sleep(0.1)


async def test_a_malformed_block_is_skipped_and_the_wave_still_passes(
    tmp_path: Path, private_mosquitto: MosquittoInstance
) -> None:
    sender = asyncio.create_task(_band(private_mosquitto, junk_first=True, wave=True))
    try:
        result = await check_wristband(_settings(private_mosquitto, tmp_path), BAND, 10.0)
    finally:
        sender.cancel()
    assert result.passed, result
    assert result.figures["movement_g"] >= 0.2


async def test_a_resting_band_fails_with_advice(
    tmp_path: Path, private_mosquitto: MosquittoInstance
) -> None:
    sender = asyncio.create_task(_band(private_mosquitto, junk_first=False, wave=False))
    try:
        result = await check_wristband(_settings(private_mosquitto, tmp_path), BAND, 2.0)
    finally:
        sender.cancel()
    assert not result.passed
    assert result.advice is not None
    assert "wave the arm" in result.advice
