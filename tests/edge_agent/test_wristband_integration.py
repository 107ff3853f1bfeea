"""The wristband path over a real Mosquitto: bridge JSON → agent → cloud, and the heartbeat."""

from __future__ import annotations

from pathlib import Path

import aiomqtt
import pytest

from contracts import GatewayStatusBody
from contracts.readings import WristbandStatus
from edge_agent.agent import EdgeStage
from edge_agent.outbox.store import OutboxStore
from firmware_sim.wristband import WristbandSim
from tests.edge_agent.conftest import BAND_ID, edge_settings
from tests.edge_agent.test_agent_integration import cloud_side, running_agent
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration


async def test_band_status_reaches_the_cloud_raw_accel_stays_and_bad_json_is_kept(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, cloud_broker, heartbeat_s=0.2)
    stages: list[tuple[EdgeStage, str]] = []
    band = WristbandSim(BAND_ID)
    async with cloud_side(cloud_broker) as cloud, running_agent(settings, stages):
        async with aiomqtt.Client(home_broker.host, home_broker.port) as client:
            for second in range(3):
                await band.publish(client, band.accel_topic, band.resting_block(second * 1000))
            await band.publish(client, band.status_topic, band.status_payload(sos=True, hr=88))
            await band.publish(client, band.status_topic, b'{"hr": "fast"}')
        await cloud.wait_for(lambda: bool(cloud.readings))
        body = cloud.readings[0].body
        assert isinstance(body, WristbandStatus)
        assert (body.sos_pressed, body.heart_rate_bpm) == (True, 88)
        assert cloud.readings[0].device_id == "band-0001"

        def heartbeat_readers() -> dict[str, dict[str, int | float | bool | str | None]] | None:
            last = cloud.status[-1].body if cloud.status else None
            return last.readers if isinstance(last, GatewayStatusBody) else None

        await cloud.wait_for(
            lambda: (heartbeat_readers() or {}).get("wristband", {}).get("malformed") == 1
        )
        readers = heartbeat_readers()
        assert readers is not None
        assert readers["wristband"]["messages"] == 4
        last = cloud.status[-1].body
        assert isinstance(last, GatewayStatusBody)
        assert last.outbox_lanes is not None
        assert last.outbox_lanes["telemetry"].depth == 1  # not acked yet
        assert [r.body.kind for r in cloud.readings] == ["reading.wristband_status"]
    store = OutboxStore(settings.outbox_path)
    try:
        kept = store.malformed()
        assert [(m.source, m.payload) for m in kept] == [("wristband", b'{"hr": "fast"}')]
        assert store.counters()["malformed.wristband"] == 1
    finally:
        store.close()
