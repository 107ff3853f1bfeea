"""Zigbee2MQTT's JSON for smoke sensors (Heiman HS1SA/HS3SA, Aqara JTYJ-GD-01LM/BW).

Zigbee2MQTT publishes a device's state on ``zigbee2mqtt/<friendly_name>`` and its availability
on ``zigbee2mqtt/<friendly_name>/availability``. Unknown fields are ignored: a new firmware that
adds a field must never break the home.

Example:
    >>> state = Z2mSmokeState.parse_payload(
    ...     b'{"smoke": true, "battery": 92, "battery_low": false, "tamper": false,'
    ...     b' "test": false, "linkquality": 120, "voltage": 3000}')
    >>> state.to_reading().smoke, state.to_reading().battery_pct
    (True, 92.0)
    >>> parse_z2m_topic("zigbee2mqtt/smoke_kitchen/availability")
    ('smoke_kitchen', <Z2mTopicKind.AVAILABILITY: 'availability'>)
    >>> parse_z2m_topic("zigbee2mqtt/bridge/state") is None
    True
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.base import DeviceModel
from contracts.readings import SmokeReading

Z2M_BASE_TOPIC = "zigbee2mqtt"


class Z2mTopicKind(StrEnum):
    """What a Zigbee2MQTT device topic carries."""

    STATE = "state"
    AVAILABILITY = "availability"


class Z2mSmokeState(DeviceModel):
    """A smoke sensor's state as Zigbee2MQTT publishes it (IAS zone status bits decoded)."""

    smoke: bool
    battery: float | None = Field(default=None, ge=0, le=100)
    battery_low: bool = False
    tamper: bool = False
    test: bool = False
    linkquality: int | None = Field(default=None, ge=0, le=255)
    trouble: bool | None = None
    supervision_reports: bool | None = None
    restore_reports: bool | None = None
    ac_status: bool | None = None
    battery_defect: bool | None = None
    sensitivity: Literal["low", "medium", "high"] | None = None
    smoke_density: float | None = None
    voltage: float | None = None
    device_temperature: float | None = None

    def to_reading(self) -> SmokeReading:
        """The device-neutral reading the edge agent works with."""
        return SmokeReading(
            smoke=self.smoke,
            test=self.test,
            tamper=self.tamper,
            battery_low=self.battery_low or bool(self.battery_defect),
            battery_pct=self.battery,
            link_quality=self.linkquality,
        )


class Z2mAvailability(DeviceModel):
    """``{"state": "online"}`` or ``{"state": "offline"}``."""

    state: Literal["online", "offline"]


def z2m_topic(
    friendly_name: str, kind: Z2mTopicKind = Z2mTopicKind.STATE, base: str = Z2M_BASE_TOPIC
) -> str:
    """The state or availability topic of a Zigbee2MQTT device."""
    suffix = "/availability" if kind is Z2mTopicKind.AVAILABILITY else ""
    return f"{base}/{friendly_name}{suffix}"


def parse_z2m_topic(topic: str, base: str = Z2M_BASE_TOPIC) -> tuple[str, Z2mTopicKind] | None:
    """(friendly_name, kind) of a device topic; None for bridge, set/get or foreign topics."""
    if not topic.startswith(base + "/"):
        return None
    rest = topic[len(base) + 1 :].split("/")
    if rest[0] == "bridge" or not rest[0]:
        return None
    if len(rest) == 1:
        return rest[0], Z2mTopicKind.STATE
    if len(rest) == 2 and rest[1] == "availability":
        return rest[0], Z2mTopicKind.AVAILABILITY
    return None
