"""Scenarios: well formed, and played to a real broker in order and on time."""

from __future__ import annotations

import asyncio
import time

import aiomqtt
import pytest

from contracts.config import MqttEndpoint, MqttProtocol
from contracts.devices.zigbee2mqtt import Z2mSmokeState
from contracts.events import EventType
from firmware_sim.errors import FirmwareSimError
from firmware_sim.scenarios import (
    KITCHEN_FIRE,
    SCENARIOS,
    SMOKE_TEST,
    Scenario,
    ScenarioStep,
    StepDevice,
    play_scenario,
)
from firmware_sim.zigbee2mqtt import SmokeSensorSim
from tests.servers import MosquittoInstance, free_port


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_scenarios_are_well_formed(scenario: Scenario) -> None:
    times = [s.at_s for s in scenario.steps]
    assert times == sorted(times)
    assert any(s.expected_event is not None for s in scenario.steps)
    sims: dict[str, SmokeSensorSim] = {}
    for step in scenario.steps:
        if step.device_kind is StepDevice.SMOKE and step.kind.value == "state":
            sim = sims.setdefault(step.device, SmokeSensorSim(step.device))
            Z2mSmokeState.parse_payload(sim.apply(step.payload))
        elif step.device_kind is StepDevice.MATTRESS:
            assert set(step.payload) <= {"in_bed", "heart_rate_bpm", "resp_rate_br_min"}
        elif step.device_kind is StepDevice.WRISTBAND:
            assert step.payload["motion"] in {"upright", "fall"}


def test_kitchen_fire_and_smoke_test() -> None:
    assert [s.expected_event for s in KITCHEN_FIRE.steps][-1] is EventType.FIRE
    assert EventType.FIRE not in {s.expected_event for s in SMOKE_TEST.steps}
    assert EventType.SMOKE_TEST in {s.expected_event for s in SMOKE_TEST.steps}


async def test_play_publishes_each_step_on_schedule(mosquitto_broker: MosquittoInstance) -> None:
    broker = MqttEndpoint(
        host=mosquitto_broker.host, port=mosquitto_broker.port, protocol=MqttProtocol.V311
    )
    played: list[tuple[ScenarioStep, float]] = []
    async with aiomqtt.Client(mosquitto_broker.host, mosquitto_broker.port) as client:
        await client.subscribe("sim_test/#", qos=1)
        start = time.monotonic()
        await play_scenario(
            KITCHEN_FIRE,
            broker,
            time_scale=0.05,
            on_step=lambda step, at: played.append((step, at)),
            base_topic="sim_test",
        )
        received: list[bytes] = []
        async with asyncio.timeout(5):
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                received.append(message.payload)
                if len(received) == len(KITCHEN_FIRE.steps):
                    break
    assert [s for s, _ in played] == list(KITCHEN_FIRE.steps)
    offsets = [at - start for _, at in played]
    assert offsets[-1] >= KITCHEN_FIRE.steps[-1].at_s * 0.05
    assert offsets == sorted(offsets)
    assert Z2mSmokeState.parse_payload(received[-1]).smoke is True


async def test_an_unreachable_broker_is_explained() -> None:
    broker = MqttEndpoint(port=free_port())
    with pytest.raises(FirmwareSimError, match="is it running"):
        await play_scenario(KITCHEN_FIRE, broker, time_scale=0)
