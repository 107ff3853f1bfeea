"""Zigbee2MQTT smoke sensor messages → readings and availability, for configured sensors only.

Pure parsing, no MQTT: the agent hands in each (topic, payload) it receives from the home
broker. Unknown friendly names and bridge topics are ignored; a malformed payload is counted,
logged once per device, kept (the last few, for inspection) and never fatal.

Example:
    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> r = Z2mSmokeReader("zigbee2mqtt", {"smoke_kitchen": "smoke-0001"})
    >>> r.subscriptions()
    ['zigbee2mqtt/+', 'zigbee2mqtt/+/availability']
    >>> u = r.parse("zigbee2mqtt/smoke_kitchen", b'{"smoke": true, "battery": 92}', now)
    >>> u.device_id, u.reading.smoke, u.reading.battery_pct
    ('smoke-0001', True, 92.0)
    >>> r.parse("zigbee2mqtt/smoke_kitchen/availability", b'{"state": "offline"}', now)
    AvailabilityUpdate(device_id='smoke-0001', friendly_name='smoke_kitchen', online=False)
    >>> r.parse("zigbee2mqtt/hall_lamp", b'{"state": "ON"}', now) is None
    True
    >>> r.parse("zigbee2mqtt/smoke_kitchen", b'{"smoke": "maybe"}', now) is None
    True
    >>> r.malformed_count
    1
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from contracts.devices.zigbee2mqtt import (
    Z2mAvailability,
    Z2mSmokeState,
    Z2mTopicKind,
    parse_z2m_topic,
    z2m_topic,
)
from contracts.errors import PayloadValidationError
from contracts.readings import SmokeReading
from edge_agent.readers.base import KEEP_MALFORMED, MalformedPayload

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmokeStateUpdate:
    """A configured smoke sensor reported its state."""

    device_id: str
    friendly_name: str
    reading: SmokeReading
    device_time: datetime | None


@dataclass(frozen=True, slots=True)
class AvailabilityUpdate:
    """A configured smoke sensor went online or offline."""

    device_id: str
    friendly_name: str
    online: bool


class Z2mSmokeReader:
    """Turns Zigbee2MQTT messages of the configured smoke sensors into updates."""

    def __init__(
        self,
        base_topic: str,
        sensors: Mapping[str, str],
        *,
        keep_malformed: int = KEEP_MALFORMED,
    ) -> None:
        self._base = base_topic
        self._sensors = dict(sensors)
        self.malformed: deque[MalformedPayload] = deque(maxlen=keep_malformed)
        self.malformed_count = 0
        self._logged_devices: set[str] = set()

    def subscriptions(self) -> list[str]:
        """The topic filters to subscribe to on the home broker."""
        return [
            z2m_topic("+", Z2mTopicKind.STATE, self._base),
            z2m_topic("+", Z2mTopicKind.AVAILABILITY, self._base),
        ]

    def parse(
        self, topic: str, payload: bytes, now: datetime
    ) -> SmokeStateUpdate | AvailabilityUpdate | None:
        """The update in one message, or None if it is not ours, empty, or malformed."""
        parsed = parse_z2m_topic(topic, self._base)
        if parsed is None:
            return None
        name, kind = parsed
        device_id = self._sensors.get(name)
        if device_id is None or not payload.strip():
            return None  # another device, or a cleared retained message
        if kind is Z2mTopicKind.AVAILABILITY:
            return self._availability(topic, payload, name, device_id, now)
        return self._state(topic, payload, name, device_id, now)

    def _availability(
        self, topic: str, payload: bytes, name: str, device_id: str, now: datetime
    ) -> AvailabilityUpdate | None:
        legacy = payload.strip()
        if legacy in (b"online", b"offline"):  # legacy_availability_payload: true
            return AvailabilityUpdate(device_id, name, legacy == b"online")
        try:
            availability = Z2mAvailability.parse_payload(payload)
        except PayloadValidationError as exc:
            self._malformed(topic, payload, device_id, str(exc), now)
            return None
        return AvailabilityUpdate(device_id, name, availability.state == "online")

    def _state(
        self, topic: str, payload: bytes, name: str, device_id: str, now: datetime
    ) -> SmokeStateUpdate | None:
        try:
            raw = json.loads(payload)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
            self._malformed(topic, payload, device_id, f"not JSON: {exc}", now)
            return None
        if not isinstance(raw, dict):
            self._malformed(topic, payload, device_id, "not a JSON object", now)
            return None
        try:
            state = Z2mSmokeState.parse_payload(raw)
        except PayloadValidationError as exc:
            self._malformed(topic, payload, device_id, str(exc), now)
            return None
        return SmokeStateUpdate(device_id, name, state.to_reading(), _last_seen(raw))

    def _malformed(
        self, topic: str, payload: bytes, device_id: str, reason: str, now: datetime
    ) -> None:
        self.malformed_count += 1
        self.malformed.append(MalformedPayload(now, topic, bytes(payload), reason, "zigbee2mqtt"))
        if device_id not in self._logged_devices:
            self._logged_devices.add(device_id)
            logger.warning(
                "ignoring a malformed payload from %s on %s (%s); further ones from this "
                "device are only counted: check the device's converter in Zigbee2MQTT",
                device_id,
                topic,
                reason,
            )


def _last_seen(raw: Mapping[str, object]) -> datetime | None:
    """Zigbee2MQTT's optional ``last_seen`` (ISO 8601 or epoch milliseconds) as device time."""
    value = raw.get("last_seen")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None
