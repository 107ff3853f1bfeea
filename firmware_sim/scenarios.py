"""Scripted device scenarios: what the sensors send, when, and which event it should raise.

Example:
    >>> sorted(SCENARIOS)
    ['kitchen_fire', 'low_battery', 'sensor_tamper', 'smoke_test']
    >>> [(s.at_s, s.expected_event) for s in KITCHEN_FIRE.steps]
    [(0.0, None), (0.5, None), (2.0, <EventType.FIRE: 'fire'>)]
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import aiomqtt

from contracts.config import MqttEndpoint
from contracts.devices.zigbee2mqtt import Z2mTopicKind
from contracts.events import EventType
from firmware_sim.errors import FirmwareSimError
from firmware_sim.mqtt import sim_client
from firmware_sim.zigbee2mqtt import SmokeSensorSim

SMOKE_KITCHEN = "smoke_kitchen"


@dataclass(frozen=True)
class ScenarioStep:
    """One thing a device does, ``at_s`` seconds into the scenario."""

    at_s: float
    device: str
    """The Zigbee2MQTT friendly name."""
    description: str
    payload: Mapping[str, object] = field(default_factory=dict)
    """State fields that change (``kind`` state) or the availability JSON."""
    kind: Z2mTopicKind = Z2mTopicKind.STATE
    expected_event: EventType | None = None
    """The event the edge agent should raise, or None for "nothing"."""


@dataclass(frozen=True)
class Scenario:
    """A named script of steps, in time order."""

    name: str
    description: str
    steps: tuple[ScenarioStep, ...]


def _online(at_s: float, device: str = SMOKE_KITCHEN) -> ScenarioStep:
    return ScenarioStep(
        at_s, device, "sensor online", {"state": "online"}, Z2mTopicKind.AVAILABILITY
    )


def _normal(at_s: float, device: str = SMOKE_KITCHEN) -> ScenarioStep:
    return ScenarioStep(at_s, device, "normal state report", {"smoke": False})


KITCHEN_FIRE = Scenario(
    "kitchen_fire",
    "The kitchen smoke sensor comes online, reports a normal state, then detects smoke.",
    (
        _online(0.0),
        _normal(0.5),
        ScenarioStep(
            2.0,
            SMOKE_KITCHEN,
            "smoke detected in the kitchen",
            {"smoke": True},
            expected_event=EventType.FIRE,
        ),
    ),
)
SMOKE_TEST = Scenario(
    "smoke_test",
    "Someone presses the kitchen sensor's test button (it sounds, reporting smoke and test).",
    (
        _online(0.0),
        _normal(0.5),
        ScenarioStep(
            2.0,
            SMOKE_KITCHEN,
            "test button pressed",
            {"smoke": True, "test": True},
            expected_event=EventType.SMOKE_TEST,
        ),
        ScenarioStep(4.0, SMOKE_KITCHEN, "test button released", {"smoke": False, "test": False}),
    ),
)
SENSOR_TAMPER = Scenario(
    "sensor_tamper",
    "The kitchen sensor is taken off its mounting base.",
    (
        _online(0.0),
        _normal(0.5),
        ScenarioStep(
            2.0,
            SMOKE_KITCHEN,
            "sensor removed from its base",
            {"tamper": True},
            expected_event=EventType.DEVICE_TAMPER,
        ),
    ),
)
LOW_BATTERY = Scenario(
    "low_battery",
    "The kitchen sensor's battery runs low.",
    (
        _online(0.0),
        _normal(0.5),
        ScenarioStep(
            2.0,
            SMOKE_KITCHEN,
            "battery low",
            {"battery": 8, "battery_low": True, "voltage": 2400},
            expected_event=EventType.LOW_BATTERY,
        ),
    ),
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (KITCHEN_FIRE, SMOKE_TEST, SENSOR_TAMPER, LOW_BATTERY)
}
"""Every scenario by name."""


async def play_scenario(
    scenario: Scenario,
    broker: MqttEndpoint,
    *,
    time_scale: float = 1.0,
    on_step: Callable[[ScenarioStep, float], None] | None = None,
    base_topic: str = "zigbee2mqtt",
) -> None:
    """Publish the scenario's steps to ``broker`` on schedule.

    Args:
        scenario: what to play.
        broker: the home broker (where Zigbee2MQTT would publish).
        time_scale: wall-clock seconds per scenario second (0 plays without waiting).
        on_step: called after each publish with the step and ``time.monotonic()`` of it.
        base_topic: Zigbee2MQTT's base topic.

    Raises:
        FirmwareSimError: the broker cannot be reached.
    """
    sensors: dict[str, SmokeSensorSim] = {}
    try:
        async with sim_client(broker, name=scenario.name) as client:
            started = time.monotonic()
            for step in scenario.steps:
                delay = started + step.at_s * time_scale - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                sensor = sensors.setdefault(step.device, SmokeSensorSim(step.device, base_topic))
                if step.kind is Z2mTopicKind.AVAILABILITY:
                    await sensor.publish_availability(client, step.payload.get("state") == "online")
                else:
                    await sensor.publish_state(client, step.payload)
                if on_step is not None:
                    on_step(step, time.monotonic())
    except aiomqtt.MqttError as exc:
        raise FirmwareSimError(
            f"cannot reach the home broker {broker.host}:{broker.port} ({exc}): is it running?"
        ) from exc
