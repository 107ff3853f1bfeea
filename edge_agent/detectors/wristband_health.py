"""Wristband health for the operators: off-wrist, low battery, silent band (a pure detector).

Rules, per wristband (any accelerometer block or status counts as "heard from"):
    * ``off_wrist``: statuses report ``on_wrist`` false for longer than ``off_wrist_after_s``
      (10 min: taking it off to wash is normal) → raised (from ``tick`` too); cleared by the
      first status with ``on_wrist`` true;
    * ``low_battery`` with hysteresis: raised at ``battery_pct`` ≤ ``low_battery_pct`` (15 %),
      cleared only at ≥ ``battery_ok_pct`` (25 %), so a reading wobbling around 15 % does not
      flap;
    * ``device_offline``: nothing heard for ``silent_after_s`` (5 min, five times the
      usual 1 min status cadence) → raised from ``tick``; cleared by the next reading.

These are device-health events (audience: operators), never care pages.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import WristbandStatus
    >>> t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> d = WristbandHealthDetector()
    >>> [(x.event.type.value, x.event.status.value) for x in
    ...  d.observe("band-1", WristbandStatus(battery_pct=12, on_wrist=True), t0)]
    [('low_battery', 'raised')]
    >>> [(x.event.type.value, x.event.status.value) for x in d.tick(t0 + timedelta(minutes=6))]
    [('device_offline', 'raised')]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from pydantic import Field, model_validator

from contracts.config import ConfigModel
from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.readings import DeviceReading, WristbandAccelBlock, WristbandStatus
from edge_agent.detectors.base import Detection
from edge_agent.errors import DetectorStateError

__all__ = ["DETECTOR_NAME", "WristbandHealthDetector", "WristbandHealthSettings"]

DETECTOR_NAME = "edge.wristband_health/v1"
SNAPSHOT_VERSION = 1


class WristbandHealthSettings(ConfigModel):
    """Wristband health settings (the ``detection.wristband_health`` block)."""

    off_wrist_after_s: float = Field(default=600.0, gt=0)
    low_battery_pct: float = Field(default=15.0, ge=0, le=100)
    battery_ok_pct: float = Field(default=25.0, ge=0, le=100)
    silent_after_s: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _hysteresis(self) -> WristbandHealthSettings:
        if self.battery_ok_pct <= self.low_battery_pct:
            raise ValueError(
                "battery_ok_pct must be above low_battery_pct (the gap stops the alert flapping)"
            )
        return self


@dataclass(slots=True)
class _Band:
    last_seen: float = 0.0
    offline: bool = False
    off_wrist_since: float | None = None
    off_wrist: bool = False
    battery_low: bool = False


class WristbandHealthDetector:
    """Raises and clears ``off_wrist``, ``low_battery`` and ``device_offline`` for bands."""

    name = DETECTOR_NAME

    def __init__(self, settings: WristbandHealthSettings | None = None) -> None:
        """Limits from ``settings`` (documented defaults)."""
        self._settings = settings or WristbandHealthSettings()
        self._bands: dict[str, _Band] = {}

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take wristband blocks and statuses; other readings are ignored."""
        if not isinstance(reading, WristbandAccelBlock | WristbandStatus):
            return []
        now_s = now.timestamp()
        band = self._bands.setdefault(device_id, _Band())
        out: list[EventBody] = []
        if band.offline:
            band.offline = False
            out.append(_event(EventType.DEVICE_OFFLINE, device_id, "is heard from again", False))
        band.last_seen = now_s
        if isinstance(reading, WristbandStatus):
            out += self._status(device_id, band, reading, now_s)
        return [Detection(e, device_id) for e in out]

    def _status(
        self, device_id: str, band: _Band, reading: WristbandStatus, now_s: float
    ) -> list[EventBody]:
        out: list[EventBody] = []
        s = self._settings
        pct = reading.battery_pct
        if pct is not None and not band.battery_low and pct <= s.low_battery_pct:
            band.battery_low = True
            out.append(
                _event(
                    EventType.LOW_BATTERY,
                    device_id,
                    f"battery at {pct:.0f} % (alert at ≤ {s.low_battery_pct:.0f} %): charge it",
                    True,
                    {"battery_pct": pct},
                )
            )
        elif pct is not None and band.battery_low and pct >= s.battery_ok_pct:
            band.battery_low = False
            out.append(
                _event(
                    EventType.LOW_BATTERY,
                    device_id,
                    f"battery back at {pct:.0f} %",
                    False,
                    {"battery_pct": pct},
                )
            )
        if reading.on_wrist is True:
            band.off_wrist_since = None
            if band.off_wrist:
                band.off_wrist = False
                out.append(_event(EventType.OFF_WRIST, device_id, "is worn again", False))
        elif reading.on_wrist is False and band.off_wrist_since is None:
            band.off_wrist_since = now_s
        out += self._check_off_wrist(device_id, band, now_s)
        return out

    def _check_off_wrist(self, device_id: str, band: _Band, now_s: float) -> list[EventBody]:
        since = band.off_wrist_since
        if band.off_wrist or since is None or now_s - since < self._settings.off_wrist_after_s:
            return []
        band.off_wrist = True
        minutes = (now_s - since) / 60
        return [
            _event(
                EventType.OFF_WRIST,
                device_id,
                f"has been off the wrist for {minutes:.0f} min: falls and SOS are not covered",
                True,
                {"off_wrist_min": round(minutes, 1)},
            )
        ]

    def tick(self, now: datetime) -> list[Detection]:
        """Raise ``off_wrist`` and ``device_offline`` that time alone decides."""
        now_s = now.timestamp()
        out: list[Detection] = []
        for device_id, band in sorted(self._bands.items()):
            out += [Detection(e, device_id) for e in self._check_off_wrist(device_id, band, now_s)]
            silent = now_s - band.last_seen
            if not band.offline and silent > self._settings.silent_after_s:
                band.offline = True
                event = _event(
                    EventType.DEVICE_OFFLINE,
                    device_id,
                    f"not heard from for {silent / 60:.0f} min (expected at least every "
                    f"{self._settings.silent_after_s / 60:.0f} min): check it is charged and "
                    "in reach of the gateway",
                    True,
                    {"silent_min": round(silent / 60, 1)},
                )
                out.append(Detection(event, device_id))
        return out

    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        return {
            "version": SNAPSHOT_VERSION,
            "bands": {k: asdict(v) for k, v in sorted(self._bands.items())},
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with a :meth:`snapshot` (raises DetectorStateError)."""
        raw = snapshot.get("bands")
        if snapshot.get("version") != SNAPSHOT_VERSION or not isinstance(raw, dict):
            raise DetectorStateError(
                f"wristband health snapshot has version {snapshot.get('version')!r}, expected "
                f"{SNAPSHOT_VERSION}: it will start from a blank state"
            )
        try:
            self._bands = {str(k): _Band(**v) for k, v in raw.items()}
        except TypeError as exc:
            raise DetectorStateError(f"wristband health snapshot is damaged: {exc}") from exc


def _event(
    type_: EventType,
    device_id: str,
    what: str,
    raised: bool,
    values: dict[str, float | int | bool | str] | None = None,
) -> EventBody:
    return EventBody.of(
        type_,
        Evidence(summary=f"wristband {device_id} {what}", values=values or {}),
        status=EventStatus.RAISED if raised else EventStatus.CLEARED,
        detector=DETECTOR_NAME,
    )
