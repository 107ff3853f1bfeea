"""The agent's sync core: a device message in, the envelopes to queue out.

Example:
    >>> from datetime import UTC, datetime
    >>> from pathlib import Path
    >>> from contracts.config import MqttEndpoint
    >>> from edge_agent.config import EdgeSettings
    >>> settings = EdgeSettings(org_id="org-demo", gateway_id="gw-0001", home_id="home-0001",
    ...     resident_id="res-0001", home_broker=MqttEndpoint(), cloud_broker=MqttEndpoint(),
    ...     outbox_path=Path("x.db"),
    ...     zigbee2mqtt={"smoke_sensors": {"smoke_kitchen": "smoke-0001"}})
    >>> p = SmokePipeline(settings, FireDetector())
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> out = p.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": true}', now)
    >>> [(o.lane.name, o.envelope.body.kind, o.envelope.device_id) for o in out]
    [('ALARM', 'event', 'smoke-0001'), ('TELEMETRY', 'reading.smoke', 'smoke-0001')]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.envelope import Body, Envelope
from contracts.events import EventBody
from contracts.ids import new_message_id
from edge_agent.config import EdgeSettings
from edge_agent.detectors.fire import FireDetector
from edge_agent.outbox.store import OutboxLane
from edge_agent.readers.zigbee2mqtt import AvailabilityUpdate, SmokeStateUpdate, Z2mSmokeReader


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An envelope to put in the outbox, and its lane."""

    envelope: Envelope
    lane: OutboxLane

    @property
    def is_event(self) -> bool:
        """Whether this is a detected event (rather than telemetry)."""
        return isinstance(self.envelope.body, EventBody)


class SmokePipeline:
    """Zigbee2MQTT message → reader → fire detector → envelopes (events, then the reading)."""

    def __init__(self, settings: EdgeSettings, detector: FireDetector) -> None:
        self._settings = settings
        self.detector = detector
        self.reader = Z2mSmokeReader(
            settings.zigbee2mqtt.base_topic, settings.zigbee2mqtt.smoke_sensors
        )

    def on_message(self, topic: str, payload: bytes, now: datetime) -> list[Outgoing]:
        """The envelopes one home-broker message produces (none if it is not ours)."""
        update = self.reader.parse(topic, payload, now)
        if isinstance(update, SmokeStateUpdate):
            events = self.detector.update(update.device_id, update.reading, now)
            out = [self._wrap(e, update.device_id, update.device_time, now) for e in events]
            out.append(self._wrap(update.reading, update.device_id, update.device_time, now))
            return out
        if isinstance(update, AvailabilityUpdate):
            events = self.detector.availability(update.device_id, update.online, now)
            return [self._wrap(e, update.device_id, None, now) for e in events]
        return []

    def on_tick(self, now: datetime) -> list[Outgoing]:
        """Envelopes for the events time alone raises (a sensor gone silent)."""
        return [
            self._wrap(detection.event, detection.device_id, None, now)
            for detection in self.detector.tick(now)
        ]

    def _wrap(
        self, body: Body, device_id: str | None, device_time: datetime | None, now: datetime
    ) -> Outgoing:
        envelope = Envelope(
            message_id=new_message_id(now),
            org_id=self._settings.org_id,
            gateway_id=self._settings.gateway_id,
            home_id=self._settings.home_id,
            resident_id=self._settings.resident_id,
            device_id=device_id,
            device_time=device_time,
            gateway_time=now,
            body=body,
        )
        lane = OutboxLane.ALARM if isinstance(body, EventBody) else OutboxLane.TELEMETRY
        return Outgoing(envelope, lane)
