"""An emulated Heiman HS1SA smoke sensor as Zigbee2MQTT presents it.

The payloads carry every field Zigbee2MQTT publishes for this device (decoded from the IAS
zone status bits), so what the edge agent sees in tests is what a real sensor sends.

Example:
    >>> from contracts.devices.zigbee2mqtt import Z2mSmokeState
    >>> s = SmokeSensorSim("smoke_kitchen")
    >>> s.state_topic, s.availability_topic
    ('zigbee2mqtt/smoke_kitchen', 'zigbee2mqtt/smoke_kitchen/availability')
    >>> state = Z2mSmokeState.parse_payload(s.apply({"smoke": True}))
    >>> state.smoke, state.battery, state.linkquality, state.voltage
    (True, 92.0, 120, 3000.0)
    >>> sorted(s.state)
    ['ac_status', 'battery', 'battery_low', 'linkquality', 'restore_reports', 'smoke', \
'supervision_reports', 'tamper', 'test', 'trouble', 'voltage']
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import aiomqtt

from contracts.devices.zigbee2mqtt import Z2M_BASE_TOPIC, Z2mTopicKind, z2m_topic
from firmware_sim.errors import FirmwareSimError

HS1SA_NORMAL_STATE: dict[str, object] = {
    "smoke": False,
    "battery": 92,
    "battery_low": False,
    "tamper": False,
    "test": False,
    "linkquality": 120,
    "voltage": 3000,
    "supervision_reports": True,
    "restore_reports": True,
    "trouble": False,
    "ac_status": False,
}
"""What an idle, healthy Heiman HS1SA reports through Zigbee2MQTT."""


class SmokeSensorSim:
    """One emulated smoke sensor: holds its state and publishes it the way Zigbee2MQTT does."""

    def __init__(self, friendly_name: str, base_topic: str = Z2M_BASE_TOPIC) -> None:
        self.friendly_name = friendly_name
        self.state_topic = z2m_topic(friendly_name, Z2mTopicKind.STATE, base_topic)
        self.availability_topic = z2m_topic(friendly_name, Z2mTopicKind.AVAILABILITY, base_topic)
        self.state: dict[str, object] = dict(HS1SA_NORMAL_STATE)

    def apply(self, change: Mapping[str, object]) -> bytes:
        """Change some fields (e.g. ``{"smoke": True}``) and return the full state payload."""
        unknown = set(change) - set(HS1SA_NORMAL_STATE)
        if unknown:
            raise FirmwareSimError(
                f"the HS1SA has no field {', '.join(sorted(unknown))}; "
                f"known: {', '.join(HS1SA_NORMAL_STATE)}"
            )
        self.state.update(change)
        return self.state_payload()

    def state_payload(self) -> bytes:
        """The current state as Zigbee2MQTT's JSON."""
        return json.dumps(self.state).encode()

    @staticmethod
    def availability_payload(online: bool) -> bytes:
        """Zigbee2MQTT's availability JSON."""
        return json.dumps({"state": "online" if online else "offline"}).encode()

    async def publish_state(
        self, client: aiomqtt.Client, change: Mapping[str, object] | None = None
    ) -> bytes:
        """Apply ``change`` and publish the state (not retained, as Zigbee2MQTT's default)."""
        payload = self.apply(change or {})
        try:
            await client.publish(self.state_topic, payload, qos=1)
        except aiomqtt.MqttError as exc:
            raise FirmwareSimError(f"cannot publish {self.state_topic}: {exc}") from exc
        return payload

    async def publish_availability(self, client: aiomqtt.Client, online: bool) -> bytes:
        """Publish availability (retained, as Zigbee2MQTT does)."""
        payload = self.availability_payload(online)
        try:
            await client.publish(self.availability_topic, payload, qos=1, retain=True)
        except aiomqtt.MqttError as exc:
            raise FirmwareSimError(f"cannot publish {self.availability_topic}: {exc}") from exc
        return payload
