"""The forwarder's ack handling and liveness messages, against real brokers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts import (
    AckStatus,
    new_message_id,
)
from edge_agent.agent import EdgeStage
from firmware_sim.scenarios import KITCHEN_FIRE, play_scenario
from tests.edge_agent.conftest import edge_settings
from tests.edge_agent.test_agent_integration import (
    ACK_TOPIC,
    cloud_side,
    fires,
    home_endpoint,
    outbox_depth,
    poll,
    running_agent,
)
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration


async def test_quarantined_is_dropped_with_a_warning_and_bad_acks_are_ignored(
    tmp_path: Path,
    home_broker: MosquittoInstance,
    cloud_broker: MosquittoInstance,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = edge_settings(tmp_path, home_broker, cloud_broker)
    stages: list[tuple[EdgeStage, str]] = []
    with caplog.at_level(logging.WARNING):
        async with cloud_side(cloud_broker) as cloud, running_agent(settings, stages):
            await play_scenario(KITCHEN_FIRE, home_endpoint(home_broker), time_scale=0.0)
            await cloud.wait_for(lambda: bool(fires(cloud)))
            fire_id = fires(cloud)[0].message_id
            await cloud.client.publish(ACK_TOPIC, b"{not an ack", qos=1)
            await cloud.client.publish(ACK_TOPIC, b'{"kind": "ack"}', qos=1)
            await cloud.ack(new_message_id(datetime.now(UTC)))  # unknown id: harmless
            await cloud.ack(fire_id, status=AckStatus.QUARANTINED)
            await poll(lambda: (EdgeStage.ACKED, fire_id) in stages)
            assert outbox_depth(settings.outbox_path) == 2  # the readings remain
    messages = [r.getMessage() for r in caplog.records]
    assert any("quarantined" in m and fire_id in m for m in messages)
    assert len([m for m in messages if "malformed ack" in m]) == 1
