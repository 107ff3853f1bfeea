"""Scripted device scenarios: what the sensors send, when, and which event it should raise.

Smoke sensors speak Zigbee2MQTT on the home broker; the wristband speaks its bridge's JSON
(:mod:`firmware_sim.wristband`); the mattress is the firmware emulator on a pseudo-terminal
(:mod:`firmware_sim.mattress`), whose state a step changes while it streams.

Example:
    >>> sorted(SCENARIOS)  # doctest: +NORMALIZE_WHITESPACE
    ['abnormal_vitals', 'fall', 'kitchen_fire', 'low_battery', 'night_exit', 'sensor_tamper',
     'smoke_test']
    >>> [(s.at_s, s.expected_event) for s in KITCHEN_FIRE.steps]
    [(0.0, None), (0.5, None), (2.0, <EventType.FIRE: 'fire'>)]
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import aiomqtt

from contracts.config import MqttEndpoint
from contracts.devices.zigbee2mqtt import Z2mTopicKind
from contracts.events import EventType
from firmware_sim.errors import FirmwareSimError
from firmware_sim.mattress import MattressFirmwareSim
from firmware_sim.mqtt import sim_client
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt import SmokeSensorSim

SMOKE_KITCHEN = "smoke_kitchen"
BAND = "c8f09e3a11b2"
"""The example home's wristband (its id in the bridge's topics)."""
MATTRESS = "mattress"


class StepDevice(StrEnum):
    """Which kind of device a step drives."""

    SMOKE = "smoke"
    """A Zigbee2MQTT smoke sensor (``device`` is its friendly name)."""
    WRISTBAND = "wristband"
    """The wristband's bridge (``device`` is the band id; payload ``status`` or ``motion``)."""
    MATTRESS = "mattress"
    """The serial mattress emulator (payload: ``in_bed``, ``heart_rate_bpm``, ...)."""


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
    device_kind: StepDevice = StepDevice.SMOKE


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

FALL = Scenario(
    "fall",
    "The resident, wearing the wristband, falls hard and lies still (no 'I'm OK' press).",
    (
        ScenarioStep(
            0.0,
            BAND,
            "wristband worn, resident upright",
            {"motion": "upright"},
            device_kind=StepDevice.WRISTBAND,
        ),
        ScenarioStep(
            4.0,
            BAND,
            "a hard impact, then lying still on the floor",
            {"motion": "fall"},
            expected_event=EventType.FALL,
            device_kind=StepDevice.WRISTBAND,
        ),
    ),
)
NIGHT_EXIT = Scenario(
    "night_exit",
    "At night the resident gets out of bed and does not come back.",
    (
        ScenarioStep(
            0.0,
            MATTRESS,
            "resident asleep in bed",
            {"in_bed": True, "heart_rate_bpm": 62.0, "resp_rate_br_min": 14.0},
            device_kind=StepDevice.MATTRESS,
        ),
        ScenarioStep(
            6.0,
            MATTRESS,
            "resident gets out of bed and does not come back",
            {"in_bed": False},
            expected_event=EventType.BED_EXIT_NO_RETURN,
            device_kind=StepDevice.MATTRESS,
        ),
    ),
)
ABNORMAL_VITALS = Scenario(
    "abnormal_vitals",
    "In bed, the resident's heart rate climbs to about 135 bpm and stays there.",
    (
        ScenarioStep(
            0.0,
            MATTRESS,
            "resident in bed, heart rate 66 bpm",
            {"in_bed": True, "heart_rate_bpm": 66.0, "resp_rate_br_min": 15.0},
            device_kind=StepDevice.MATTRESS,
        ),
        ScenarioStep(
            4.0,
            MATTRESS,
            "heart rate rises to about 135 bpm and stays",
            {"heart_rate_bpm": 135.0},
            expected_event=EventType.HR_HIGH,
            device_kind=StepDevice.MATTRESS,
        ),
    ),
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        KITCHEN_FIRE,
        SMOKE_TEST,
        SENSOR_TAMPER,
        LOW_BATTERY,
        FALL,
        NIGHT_EXIT,
        ABNORMAL_VITALS,
    )
}
"""Every scenario by name."""


async def play_scenario(
    scenario: Scenario,
    broker: MqttEndpoint,
    *,
    time_scale: float = 1.0,
    on_step: Callable[[ScenarioStep, float], None] | None = None,
    base_topic: str = "zigbee2mqtt",
    mattress: MattressFirmwareSim | None = None,
    wristband_base_topic: str = "wristband",
) -> None:
    """Publish the scenario's steps to ``broker`` on schedule.

    Args:
        scenario: what to play.
        broker: the home broker (where Zigbee2MQTT would publish).
        time_scale: wall-clock seconds per scenario second (0 plays without waiting).
        on_step: called after each publish with the step and ``time.monotonic()`` of it.
        base_topic: Zigbee2MQTT's base topic.
        mattress: the streaming mattress emulator mattress steps drive (required for them).
        wristband_base_topic: the wristband bridge's base topic.

    Raises:
        FirmwareSimError: the broker cannot be reached, or a mattress step has no emulator.
    """
    sensors: dict[str, SmokeSensorSim] = {}
    bands: dict[str, WristbandSim] = {}
    try:
        async with sim_client(broker, name=scenario.name) as client:
            started = time.monotonic()
            for step in scenario.steps:
                delay = started + step.at_s * time_scale - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if step.device_kind is StepDevice.MATTRESS:
                    _set_mattress(mattress, step)
                elif step.device_kind is StepDevice.WRISTBAND:
                    band = bands.setdefault(
                        step.device, WristbandSim(step.device, wristband_base_topic)
                    )
                    await _move_band(client, band, str(step.payload.get("motion", "upright")))
                    if on_step is not None:  # the step happened when the impact was sent
                        on_step(step, band.last_impact_monotonic or time.monotonic())
                    continue
                else:
                    sensor = sensors.setdefault(
                        step.device, SmokeSensorSim(step.device, base_topic)
                    )
                    if step.kind is Z2mTopicKind.AVAILABILITY:
                        await sensor.publish_availability(
                            client, step.payload.get("state") == "online"
                        )
                    else:
                        await sensor.publish_state(client, step.payload)
                if on_step is not None:
                    on_step(step, time.monotonic())
    except aiomqtt.MqttError as exc:
        raise FirmwareSimError(
            f"cannot reach the home broker {broker.host}:{broker.port} ({exc}): is it running?"
        ) from exc


def _set_mattress(mattress: MattressFirmwareSim | None, step: ScenarioStep) -> None:
    if mattress is None:
        raise FirmwareSimError(
            f"step {step.description!r} drives the mattress, but no mattress emulator runs: "
            "pass mattress= to play_scenario"
        )
    synth = mattress.synth
    for key, value in step.payload.items():
        if key not in ("in_bed", "heart_rate_bpm", "resp_rate_br_min"):
            raise FirmwareSimError(f"a mattress step cannot set {key!r}")
        setattr(synth, key, value)


async def _move_band(client: aiomqtt.Client, band: WristbandSim, motion: str) -> None:
    """Stream the band's accelerometer in real time: ``upright`` (4 s at rest, worn, with
    its status) or ``fall`` (upright, a hard impact, then lying still for 6 s)."""
    if motion == "upright":
        await band.publish(client, band.status_topic, band.status_payload())
        await band.play_motion(client, band.upright_seconds(4))
    elif motion == "fall":
        await band.play_motion(client, band.fall_motion())
    else:
        raise FirmwareSimError(f"unknown wristband motion {motion!r}: upright or fall")
