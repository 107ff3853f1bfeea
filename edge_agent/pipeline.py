"""The agent's sync core: device messages and readings in, the envelopes to queue out.

Every reading from every reader (Zigbee2MQTT smoke sensors, wristbands, the serial mattress)
is shown to every detector of :func:`~edge_agent.detectors.registry.build_detectors`; raw
mattress blocks also go through a per-bed ``RawMattressProcessor`` and the
vitals it derives are shown to the detectors too. The same core serves the live agent and
``silverguard edge replay``.

What goes to the cloud (the telemetry policy): every detected event (alarm lane); and, as
telemetry, smoke sensor states, mattress vitals (about 1 Hz, firmware- or edge-computed),
wristband status (HR, SOS, battery, on-wrist) and ambient sensor changes (motion, doors).
Raw signals — BCG/pressure blocks and the 50 Hz accelerometer stream — stay on the gateway
(privacy, bandwidth): only the evidence of an event carries the few numbers that explain it.

Example:
    >>> from datetime import UTC, datetime
    >>> from pathlib import Path
    >>> from contracts.config import MqttEndpoint
    >>> from edge_agent.config import EdgeSettings
    >>> from edge_agent.detectors.fire import FireDetector
    >>> settings = EdgeSettings(org_id="org-demo", gateway_id="gw-0001", home_id="home-0001",
    ...     resident_id="res-0001", home_broker=MqttEndpoint(), cloud_broker=MqttEndpoint(),
    ...     outbox_path=Path("x.db"),
    ...     zigbee2mqtt={"smoke_sensors": {"smoke_kitchen": "smoke-0001"}},
    ...     wristbands={"bands": {"c8f09e3a11b2": "band-0001"}})
    >>> p = EdgePipeline(settings, [FireDetector()])
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> out = p.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": true}', now)
    >>> [(o.lane.name, o.envelope.body.kind, o.envelope.device_id) for o in out]
    [('ALARM', 'event', 'smoke-0001'), ('TELEMETRY', 'reading.smoke', 'smoke-0001')]
    >>> p.on_message("wristband/c8f09e3a11b2/accel", b'{"rate_hz": 50, "xyz": [[0,0,1]]}', now)
    []
    >>> p.health()["wristband"]
    {'messages': 1, 'malformed': 0}
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from contracts.envelope import Body, Envelope
from contracts.events import EventBody
from contracts.ids import new_message_id
from contracts.readings import DeviceReading, MattressRawBlock, MattressVitals
from edge_agent.config import EdgeSettings
from edge_agent.detectors.base import Detection, Detector
from edge_agent.errors import DetectorStateError
from edge_agent.outbox.store import OutboxLane
from edge_agent.readers.base import DeviceUpdate, MalformedPayload
from edge_agent.readers.wristband import WristbandReader
from edge_agent.readers.zigbee2mqtt import AvailabilityUpdate, SmokeStateUpdate, Z2mSmokeReader

logger = logging.getLogger(__name__)

UPLOADED_READING_KINDS = frozenset(
    {
        "reading.smoke",
        "reading.mattress_vitals",
        "reading.wristband_status",
        "reading.home_sensor",
    }
)
"""Reading kinds forwarded to the cloud as telemetry; raw blocks stay on the gateway."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An envelope to put in the outbox, and its lane."""

    envelope: Envelope
    lane: OutboxLane

    @property
    def is_event(self) -> bool:
        """Whether this is a detected event (rather than telemetry)."""
        return isinstance(self.envelope.body, EventBody)


@runtime_checkable
class AvailabilityAware(Protocol):
    """A detector that also takes a device's online/offline changes (the fire detector)."""

    def availability(self, device_id: str, online: bool, now: datetime) -> list[EventBody]:
        """Events an availability change raises."""
        ...


class RawProcessor(Protocol):
    """Raw mattress blocks → vitals for one bed (``edge_agent.signal.bcg``)."""

    def push(self, block: MattressRawBlock, now: datetime) -> list[MattressVitals]:
        """Vitals derived so far (about one a second)."""
        ...


class HomeReader(Protocol):
    """A parser of home-broker messages (see :mod:`edge_agent.readers.base`)."""

    @property
    def malformed(self) -> Sequence[MalformedPayload]:
        """The last malformed payloads kept."""
        ...

    @property
    def malformed_count(self) -> int:
        """How many payloads could not be understood."""
        ...

    def subscriptions(self) -> list[str]:
        """Topic filters to subscribe to."""
        ...

    def parse(self, topic: str, payload: bytes, now: datetime) -> object | None:
        """The update in one message, or None."""
        ...


RawProcessorFactory = Callable[[float], RawProcessor]


def _availability(
    detector: AvailabilityAware, device_id: str, online: bool, now: datetime
) -> list[Detection]:
    return [Detection(event, device_id) for event in detector.availability(device_id, online, now)]


def default_raw_processor_factory() -> RawProcessorFactory:
    """Per bed, a :class:`~edge_agent.signal.bcg.RawMattressProcessor` at the block's rate.

    Imported on the first raw block only: SciPy's signal module costs ~80 MB of RAM, which a
    home whose mattress computes its own vitals need not pay.
    """

    def make(sample_rate_hz: float) -> RawProcessor:
        from edge_agent.signal.bcg import RawMattressProcessor  # noqa: PLC0415 (see above)

        return RawMattressProcessor(sample_rate_hz)

    return make


class EdgePipeline:
    """Readers → every detector → envelopes (events on the alarm lane, then telemetry)."""

    def __init__(
        self,
        settings: EdgeSettings,
        detectors: Sequence[Detector],
        *,
        raw_processor_factory: RawProcessorFactory | None = None,
    ) -> None:
        self._settings = settings
        self.detectors = list(detectors)
        self.z2m = Z2mSmokeReader(
            settings.zigbee2mqtt.base_topic, settings.zigbee2mqtt.smoke_sensors
        )
        self.wristband = WristbandReader(settings.wristbands.base_topic, settings.wristbands.bands)
        self.readers: dict[str, HomeReader] = {"zigbee2mqtt": self.z2m, "wristband": self.wristband}
        self._messages = dict.fromkeys(self.readers, 0)
        self._malformed_seen = dict.fromkeys(self.readers, 0)
        self._raw_factory = raw_processor_factory
        self._raw: dict[str, RawProcessor] = {}
        self.detector_errors = 0
        self._failed_detectors: set[str] = set()

    def subscriptions(self) -> list[str]:
        """Every reader's topic filters."""
        return [topic for reader in self.readers.values() for topic in reader.subscriptions()]

    def parse(
        self, topic: str, payload: bytes, now: datetime
    ) -> DeviceUpdate | AvailabilityUpdate | None:
        """The reading or availability change in one home-broker message (None: not ours)."""
        for name, reader in self.readers.items():
            update = reader.parse(topic, payload, now)
            if isinstance(update, SmokeStateUpdate):
                update = DeviceUpdate(update.device_id, update.reading, update.device_time)
            if isinstance(update, DeviceUpdate | AvailabilityUpdate):
                self._messages[name] += 1
                return update
        return None

    def on_message(self, topic: str, payload: bytes, now: datetime) -> list[Outgoing]:
        """The envelopes one home-broker message produces (none if it is not ours)."""
        update = self.parse(topic, payload, now)
        if isinstance(update, DeviceUpdate):
            return self.on_reading(update.device_id, update.reading, now, update.device_time)
        if isinstance(update, AvailabilityUpdate):
            return [
                self._wrap(detection.event, detection.device_id, None, now)
                for detector in self.detectors
                if isinstance(detector, AvailabilityAware)
                for detection in self._safely(
                    detector, _availability, detector, update.device_id, update.online, now
                )
            ]
        return []

    def on_reading(
        self,
        device_id: str,
        reading: DeviceReading,
        now: datetime,
        device_time: datetime | None = None,
    ) -> list[Outgoing]:
        """Show one reading (and the vitals a raw block yields) to every detector."""
        readings: list[DeviceReading] = [reading]
        if isinstance(reading, MattressRawBlock):
            readings += self._raw_vitals(device_id, reading, now)
        events: list[Outgoing] = []
        telemetry: list[Outgoing] = []
        for item in readings:
            for detector in self.detectors:
                for detection in self._safely(detector, detector.observe, device_id, item, now):
                    events.append(
                        self._wrap(detection.event, detection.device_id, device_time, now)
                    )
            if item.kind in UPLOADED_READING_KINDS:
                telemetry.append(self._wrap(item, device_id, device_time, now))
        return events + telemetry

    def on_tick(self, now: datetime) -> list[Outgoing]:
        """Envelopes for the events time alone raises (timers, a device gone silent)."""
        out: list[Outgoing] = []
        for detector in self.detectors:
            for detection in self._safely(detector, detector.tick, now):
                out.append(self._wrap(detection.event, detection.device_id, None, now))
        return out

    def snapshots(self) -> dict[str, dict[str, object]]:
        """Every detector's snapshot, by detector name."""
        return {detector.name: detector.snapshot() for detector in self.detectors}

    def restore(self, snapshots: Mapping[str, dict[str, object] | None]) -> list[str]:
        """Restore the detectors that have a usable snapshot; returns their names."""
        restored: list[str] = []
        for detector in self.detectors:
            snapshot = snapshots.get(detector.name)
            if snapshot is None:
                continue
            try:
                detector.restore(snapshot)
            except DetectorStateError as exc:
                logger.warning("%s: starting from a blank state (%s)", detector.name, exc)
                continue
            restored.append(detector.name)
        return restored

    def take_malformed(self) -> list[MalformedPayload]:
        """Malformed payloads received since the last call (to keep in the outbox database)."""
        new: list[MalformedPayload] = []
        for name, reader in self.readers.items():
            count = reader.malformed_count
            fresh = count - self._malformed_seen[name]
            if fresh > 0:
                new.extend(list(reader.malformed)[-fresh:])
                self._malformed_seen[name] = count
        return new

    def health(self) -> dict[str, dict[str, int]]:
        """Counters per reader: messages understood and malformed payloads."""
        return {
            name: {"messages": self._messages[name], "malformed": reader.malformed_count}
            for name, reader in self.readers.items()
        }

    def _raw_vitals(
        self, device_id: str, block: MattressRawBlock, now: datetime
    ) -> list[MattressVitals]:
        if self._raw_factory is None:
            return []
        processor = self._raw.get(device_id)
        if processor is None:
            processor = self._raw[device_id] = self._raw_factory(block.sample_rate_hz)
        return processor.push(block, now)

    def _safely(
        self, detector: Detector, call: Callable[..., list[Detection]], *args: object
    ) -> list[Detection]:
        """Run one detector call; a detector's bug must not stop the others (fire first)."""
        try:
            return call(*args)
        except Exception:
            self.detector_errors += 1
            if detector.name not in self._failed_detectors:
                self._failed_detectors.add(detector.name)
                logger.exception(
                    "detector %s failed; the other detectors go on. Further failures of it are "
                    "only counted: report this with the agent's version",
                    detector.name,
                )
            return []

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
