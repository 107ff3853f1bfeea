"""The emulated HS1SA sensor publishes what Zigbee2MQTT publishes, to a real broker."""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest

from contracts.devices.zigbee2mqtt import Z2mAvailability, Z2mSmokeState
from firmware_sim.errors import FirmwareSimError
from firmware_sim.zigbee2mqtt import HS1SA_NORMAL_STATE, SmokeSensorSim
from tests.servers import MosquittoInstance


def test_payload_has_every_hs1sa_field_and_matches_the_contract() -> None:
    sim = SmokeSensorSim("smoke_kitchen")
    payload = json.loads(sim.apply({"smoke": True, "battery": 40}))
    assert set(payload) == set(HS1SA_NORMAL_STATE)
    state = Z2mSmokeState.parse_payload(json.dumps(payload))
    assert state.smoke is True
    assert state.battery == 40
    assert state.supervision_reports is True
    # the change sticks: the next report carries it too
    assert json.loads(sim.state_payload())["battery"] == 40


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(FirmwareSimError, match="no field colour"):
        SmokeSensorSim("smoke_kitchen").apply({"colour": "red"})


async def test_publishes_state_and_retained_availability(
    mosquitto_broker: MosquittoInstance,
) -> None:
    sim = SmokeSensorSim("smoke_hall", base_topic="z2m_test")
    async with aiomqtt.Client(mosquitto_broker.host, mosquitto_broker.port) as client:
        await sim.publish_availability(client, True)
        await client.subscribe("z2m_test/#", qos=1)
        await sim.publish_state(client, {"tamper": True})
        got: dict[str, bytes] = {}
        async with asyncio.timeout(5):
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                got[message.topic.value] = message.payload
                if len(got) == 2:
                    break
    assert Z2mAvailability.parse_payload(got["z2m_test/smoke_hall/availability"]).state == "online"
    assert Z2mSmokeState.parse_payload(got["z2m_test/smoke_hall"]).tamper is True
