"""The wristband's SOS button: a pure detector that never loses a real SOS.

Rules, per wristband:
    * a *press* is a status with ``sos_pressed`` true after one with it false (or the first
      status seen): it raises ``sos`` at once (critical). ``sos`` is never cancelled, never
      held, never deduplicated against an earlier SOS and never cleared by releasing the
      button (a care worker closes the incident);
    * the one exception is "I'm OK": while a suspected fall of the same band is held in its
      cancel window (see :mod:`edge_agent.detectors.fall`), the FIRST press cancels that
      fall and is not an SOS. Any other press is an SOS: a second press (the fall is then
      already cancelled, so it is outside any window), and the "I'm OK" press itself if the
      button is held down ``hold_s`` (3 s): raised from ``tick`` once 3 s pass with no
      release reported, or at a release reported 3 s or more after the press;
    * outside a pending fall window every press is an SOS.

Which presses are "I'm OK" is asked of the fall detector
(:meth:`~edge_agent.detectors.fall.FallDetector.takes_as_im_ok`), which answers the same
whichever of the two saw the press first. Without a fall detector every press is an SOS.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import WristbandStatus
    >>> t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> d = SosDetector()
    >>> d.observe("band-1", WristbandStatus(sos_pressed=False), t0)
    []
    >>> [(x.event.type.value, x.event.severity.value) for x in
    ...  d.observe("band-1", WristbandStatus(sos_pressed=True), t0 + timedelta(seconds=1))]
    [('sos', 'critical')]
    >>> d.observe("band-1", WristbandStatus(sos_pressed=True), t0 + timedelta(seconds=2))
    []
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import Field

from contracts.config import ConfigModel
from contracts.events import EventBody, EventType, Evidence
from contracts.readings import DeviceReading, WristbandStatus
from edge_agent.detectors.base import Detection
from edge_agent.errors import DetectorStateError

__all__ = ["DETECTOR_NAME", "ImOkSource", "SosDetector", "SosSettings"]

DETECTOR_NAME = "edge.sos/v1"
SNAPSHOT_VERSION = 1

log = logging.getLogger(__name__)


class SosSettings(ConfigModel):
    """SOS button settings (the ``detection.sos`` block)."""

    hold_s: float = Field(default=3.0, gt=0, le=30)
    """An "I'm OK" press still held this long after going down is an SOS after all."""


class ImOkSource(Protocol):
    """Who decides whether a press is "I'm OK" (the fall detector)."""

    def takes_as_im_ok(self, device_id: str, at: datetime) -> bool:
        """Whether a press of ``device_id`` at ``at`` cancels a suspected fall."""
        ...


@dataclass(slots=True)
class _Button:
    pressed: bool = False
    down_at: float | None = None
    im_ok: bool = False
    """The press now down was taken as "I'm OK" (and has not become an SOS)."""


class SosDetector:
    """Raises ``sos`` on every press of a wristband's button that is not "I'm OK"."""

    name = DETECTOR_NAME

    def __init__(
        self,
        settings: SosSettings | None = None,
        im_ok: ImOkSource | None = None,
        *,
        timezone: str = "UTC",
    ) -> None:
        """``im_ok``: the fall detector of the same home (``None``: every press is SOS);
        ``timezone`` (IANA) is the home's, for the clock times care workers read."""
        self._tz = ZoneInfo(timezone)
        self._settings = settings or SosSettings()
        self._im_ok = im_ok
        self._buttons: dict[str, _Button] = {}

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take a wristband status; other readings are ignored."""
        if not isinstance(reading, WristbandStatus):
            return []
        button = self._buttons.setdefault(device_id, _Button())
        now_s = now.timestamp()
        if not reading.sos_pressed:
            out = self._held(device_id, button, now, reading)  # released after 3 s or more
            self._buttons[device_id] = _Button()
            return out
        if not button.pressed:
            button.pressed, button.down_at = True, now_s
            if self._im_ok is not None and self._im_ok.takes_as_im_ok(device_id, now):
                button.im_ok = True
                log.info("button press on %s taken as I'm OK for a suspected fall", device_id)
                return []
            return [Detection(_sos(device_id, reading, now.astimezone(self._tz), None), device_id)]
        return self._held(device_id, button, now, reading)

    def tick(self, now: datetime) -> list[Detection]:
        """An "I'm OK" press still down ``hold_s`` after it went down becomes an SOS (bands
        report the button on change, so no status may come while it is held)."""
        out: list[Detection] = []
        for device_id, button in sorted(self._buttons.items()):
            out += self._held(device_id, button, now, None)
        return out

    def _held(
        self, device_id: str, button: _Button, now: datetime, reading: WristbandStatus | None
    ) -> list[Detection]:
        if not (button.pressed and button.im_ok and button.down_at is not None):
            return []
        held = now.timestamp() - button.down_at
        if held < self._settings.hold_s:
            return []
        button.im_ok = False
        log.info("I'm OK press on %s held %.0f s: raised as SOS", device_id, held)
        return [Detection(_sos(device_id, reading, now.astimezone(self._tz), held), device_id)]

    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        return {
            "version": SNAPSHOT_VERSION,
            "buttons": {k: asdict(v) for k, v in sorted(self._buttons.items())},
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with a :meth:`snapshot` (raises DetectorStateError)."""
        raw = snapshot.get("buttons")
        if snapshot.get("version") != SNAPSHOT_VERSION or not isinstance(raw, dict):
            raise DetectorStateError(
                f"SOS detector snapshot has version {snapshot.get('version')!r}, expected "
                f"{SNAPSHOT_VERSION}: it will start from a blank state"
            )
        try:
            self._buttons = {str(k): _Button(**v) for k, v in raw.items()}
        except TypeError as exc:
            raise DetectorStateError(f"SOS detector snapshot is damaged: {exc}") from exc


def _sos(
    device_id: str, reading: WristbandStatus | None, now: datetime, held_s: float | None
) -> EventBody:
    at = now.strftime("%H:%M:%S")
    summary = f"SOS button pressed on wristband {device_id} at {at}"
    values: dict[str, float | int | bool | str] = {"pressed_at": now.astimezone(UTC).isoformat()}
    if held_s is not None:
        summary += f" (held {held_s:.0f} s after an I'm OK press)"
        values["held_s"] = round(held_s, 1)
    if reading is not None and reading.on_wrist is not None:
        values["on_wrist"] = reading.on_wrist
    if reading is not None and reading.battery_pct is not None:
        values["battery_pct"] = reading.battery_pct
    if reading is not None and reading.heart_rate_bpm is not None:
        values["heart_rate_bpm"] = reading.heart_rate_bpm
    return EventBody.of(
        EventType.SOS, Evidence(summary=summary, values=values), detector=DETECTOR_NAME
    )
