"""Fire and smoke-sensor health from Zigbee smoke sensors: a pure detector.

It imports no asyncio or MQTT and never reads the clock: readings, availability changes and
``tick(now)`` go in, :class:`~contracts.events.EventBody` objects come out.

Rules, per sensor:
    * smoke rising edge → ``fire`` raised at once (critical); falling edge after it → cleared;
    * a reading with ``test=True`` is a ``smoke_test``, never a fire, even with ``smoke=True``;
    * tamper rising → ``device_tamper``; battery_low rising → ``low_battery``;
      availability offline, or silence longer than ``silent_after`` → ``device_offline``;
      each of these is cleared when the condition ends;
    * a repeated identical state raises nothing.

Example:
    >>> from datetime import UTC, datetime
    >>> from contracts.readings import SmokeReading
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> d = FireDetector()
    >>> d.update("smoke-0001", SmokeReading(smoke=False, battery_pct=92), now)
    []
    >>> [(e.type.value, e.status.value) for e in
    ...  d.update("smoke-0001", SmokeReading(smoke=True, battery_pct=92), now)]
    [('fire', 'raised')]
    >>> d.update("smoke-0001", SmokeReading(smoke=True, battery_pct=92), now)
    []
    >>> [e.type.value for e in d.update("smoke-0002", SmokeReading(smoke=True, test=True), now)]
    ['smoke_test']
    >>> FireDetector.from_snapshot(d.snapshot()).snapshot() == d.snapshot()
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.readings import DeviceReading, SmokeReading
from edge_agent.detectors.base import Detection
from edge_agent.errors import DetectorStateError

DETECTOR_NAME = "edge.fire/v1"
SNAPSHOT_VERSION = 1


@dataclass(frozen=True, slots=True)
class SmokeSensorState:
    """What the detector remembers about one sensor."""

    smoke: bool = False
    test: bool = False
    tamper: bool = False
    battery_low: bool = False
    offline: bool = False
    fire_active: bool = False
    last_seen: datetime | None = None


class FireDetector:
    """Raises fire, smoke-test and sensor-health events from smoke sensor states."""

    name = DETECTOR_NAME

    def __init__(self, *, silent_after: timedelta = timedelta(hours=25)) -> None:
        """``silent_after``: a sensor silent this long counts as offline (Zigbee2MQTT's own
        availability timeout for battery devices is 25 h)."""
        self._silent_after = silent_after
        self._sensors: dict[str, SmokeSensorState] = {}

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """The :class:`~edge_agent.detectors.base.Detector` entry point: smoke readings only."""
        if not isinstance(reading, SmokeReading):
            return []
        return [Detection(event, device_id) for event in self.update(device_id, reading, now)]

    def update(self, device_id: str, reading: SmokeReading, now: datetime) -> list[EventBody]:
        """Take one state report of ``device_id`` and return the events it raises."""
        old = self._sensors.get(device_id, SmokeSensorState())
        events: list[EventBody] = []
        values = _reading_values(reading)
        if old.offline:
            events.append(_device_event(EventType.DEVICE_OFFLINE, device_id, back=True))
        new = replace(old, offline=False, last_seen=now, test=reading.test)
        if reading.test:
            if not old.test:
                events.append(
                    EventBody.of(
                        EventType.SMOKE_TEST,
                        Evidence(
                            summary=f"test button pressed on smoke sensor {device_id}",
                            values=values,
                        ),
                        detector=DETECTOR_NAME,
                    )
                )
        elif reading.smoke and not old.smoke:
            new = replace(new, smoke=True, fire_active=True)
            events.append(
                EventBody.of(
                    EventType.FIRE,
                    Evidence(
                        summary=f"smoke alarm sounding on smoke sensor {device_id}", values=values
                    ),
                    detector=DETECTOR_NAME,
                )
            )
        elif not reading.smoke and old.smoke:
            new = replace(new, smoke=False, fire_active=False)
            if old.fire_active:
                events.append(
                    EventBody.of(
                        EventType.FIRE,
                        Evidence(
                            summary=f"smoke has cleared on smoke sensor {device_id}", values=values
                        ),
                        status=EventStatus.CLEARED,
                        detector=DETECTOR_NAME,
                    )
                )
        if reading.tamper != old.tamper:
            new = replace(new, tamper=reading.tamper)
            events.append(
                _health_event(
                    EventType.DEVICE_TAMPER,
                    device_id,
                    reading.tamper,
                    "casing opened or sensor removed from its base",
                    values,
                )
            )
        if reading.battery_low != old.battery_low:
            new = replace(new, battery_low=reading.battery_low)
            events.append(
                _health_event(
                    EventType.LOW_BATTERY,
                    device_id,
                    reading.battery_low,
                    "battery is low: replace it",
                    values,
                )
            )
        self._sensors[device_id] = new
        return events

    def availability(self, device_id: str, online: bool, now: datetime) -> list[EventBody]:
        """Take an availability change of ``device_id`` and return the events it raises."""
        old = self._sensors.get(device_id, SmokeSensorState())
        if online:
            self._sensors[device_id] = replace(old, offline=False, last_seen=now)
            if old.offline:
                return [_device_event(EventType.DEVICE_OFFLINE, device_id, back=True)]
            return []
        self._sensors[device_id] = replace(old, offline=True)
        if old.offline:
            return []
        return [_device_event(EventType.DEVICE_OFFLINE, device_id, back=False)]

    def tick(self, now: datetime) -> list[Detection]:
        """Raise ``device_offline`` for sensors silent longer than ``silent_after``."""
        events: list[Detection] = []
        for device_id, state in sorted(self._sensors.items()):
            if state.offline or state.last_seen is None:
                continue
            silent = now - state.last_seen
            if silent > self._silent_after:
                self._sensors[device_id] = replace(state, offline=True)
                event = EventBody.of(
                    EventType.DEVICE_OFFLINE,
                    Evidence(
                        summary=f"no report from smoke sensor {device_id} for "
                        f"{silent.total_seconds() / 3600:.1f} h",
                        values={"silent_h": round(silent.total_seconds() / 3600, 2)},
                    ),
                    detector=DETECTOR_NAME,
                )
                events.append(Detection(event, device_id))
        return events

    def snapshot(self) -> dict[str, object]:
        """The detector's state as JSON-ready data (see :meth:`restore`)."""
        sensors = {}
        for device_id, state in sorted(self._sensors.items()):
            data = asdict(state)
            data["last_seen"] = state.last_seen.isoformat() if state.last_seen else None
            sensors[device_id] = data
        return {"version": SNAPSHOT_VERSION, "sensors": sensors}

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with one from :meth:`snapshot` (raises DetectorStateError)."""
        if snapshot.get("version") != SNAPSHOT_VERSION or not isinstance(
            snapshot.get("sensors"), dict
        ):
            raise DetectorStateError(
                f"fire detector snapshot has version {snapshot.get('version')!r}, expected "
                f"{SNAPSHOT_VERSION}: it will start from a blank state"
            )
        raw_sensors: dict[str, object] = snapshot["sensors"]  # type: ignore[assignment]
        sensors: dict[str, SmokeSensorState] = {}
        try:
            for device_id, raw in raw_sensors.items():
                if not isinstance(raw, dict):
                    raise TypeError(f"sensor {device_id!r} is not a mapping")
                fields = dict(raw)
                seen = fields.pop("last_seen", None)
                sensors[device_id] = SmokeSensorState(
                    **{k: bool(v) for k, v in fields.items()},
                    last_seen=datetime.fromisoformat(seen) if isinstance(seen, str) else None,
                )
        except (TypeError, ValueError) as exc:
            raise DetectorStateError(f"fire detector snapshot is damaged: {exc}") from exc
        self._sensors = sensors

    @classmethod
    def from_snapshot(
        cls, snapshot: dict[str, object], *, silent_after: timedelta = timedelta(hours=25)
    ) -> FireDetector:
        """A detector restored from ``snapshot``."""
        detector = cls(silent_after=silent_after)
        detector.restore(snapshot)
        return detector


def _reading_values(reading: SmokeReading) -> dict[str, float | int | bool | str]:
    values: dict[str, float | int | bool | str] = {
        "smoke": reading.smoke,
        "test": reading.test,
        "tamper": reading.tamper,
        "battery_low": reading.battery_low,
    }
    if reading.battery_pct is not None:
        values["battery_pct"] = reading.battery_pct
    if reading.link_quality is not None:
        values["link_quality"] = reading.link_quality
    return values


def _health_event(
    type_: EventType,
    device_id: str,
    raised: bool,
    what: str,
    values: dict[str, float | int | bool | str],
) -> EventBody:
    summary = (
        f"smoke sensor {device_id}: {what}"
        if raised
        else f"smoke sensor {device_id}: back to normal"
    )
    return EventBody.of(
        type_,
        Evidence(summary=summary, values=values),
        status=EventStatus.RAISED if raised else EventStatus.CLEARED,
        detector=DETECTOR_NAME,
    )


def _device_event(type_: EventType, device_id: str, *, back: bool) -> EventBody:
    summary = (
        f"smoke sensor {device_id} is reachable again"
        if back
        else f"smoke sensor {device_id} is offline: check its battery and Zigbee range"
    )
    return EventBody.of(
        type_,
        Evidence(summary=summary),
        status=EventStatus.CLEARED if back else EventStatus.RAISED,
        detector=DETECTOR_NAME,
    )
