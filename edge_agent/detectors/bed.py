"""Bed presence and exits (debounced), and a silent mattress: a pure detector.

Per mattress, the in-bed flag of :class:`~contracts.readings.MattressVitals` — the
firmware's own, or the edge's estimate from the raw BCG (``edge_agent.signal.bcg``) — goes
through a :class:`~edge_agent.detectors.presence.PresenceTracker` (in after 10 s, out after
20 s by default). With ``source: auto`` a mattress that has sent firmware readings is judged
on those only (its vendor calibrated the pressure threshold), otherwise on the edge
estimate. :meth:`BedPresenceDetector.presence` answers "in bed since when?" for other parts
of the agent; bed entries and exits are logged, not sent: a bed exit on its own is normal
life, and "out of bed and not back" is ``edge_agent.detectors.bed_exit``'s alert.

Events (operator, device health): ``device_offline`` when a mattress that was heard has been
silent for ``silent_after_s`` (it sends about once a second, so 2 min means the strap is
unplugged or its serial link is down), cleared when it is heard again.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import MattressVitals
    >>> d = BedPresenceDetector()
    >>> t0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    >>> for s in range(15):
    ...     _ = d.observe("mat-1", MattressVitals(in_bed=True), t0 + timedelta(seconds=s))
    >>> state, since = d.presence("mat-1")
    >>> state.value, since.isoformat()
    ('in_bed', '2026-11-24T22:00:00+00:00')
    >>> [x.event.evidence.summary for x in d.tick(t0 + timedelta(minutes=3))]
    ['no data from mattress mat-1 for 2.8 min: check its cable and power']
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from contracts.config import ConfigModel
from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.readings import DeviceReading, MattressRawBlock, MattressSource, MattressVitals
from edge_agent.detectors.base import Detection
from edge_agent.detectors.presence import PresenceState, PresenceTracker
from edge_agent.errors import DetectorStateError

__all__ = ["BedPresenceDetector", "BedSettings", "PresenceSource"]

DETECTOR_NAME = "edge.bed/v1"
SNAPSHOT_VERSION = 1
_log = logging.getLogger(__name__)


class PresenceSource(StrEnum):
    """Which in-bed flag decides presence."""

    AUTO = "auto"
    FIRMWARE = "firmware"
    EDGE = "edge"


class BedSettings(ConfigModel):
    """Presence debounce and mattress silence (``detection.bed``)."""

    enter_after_s: float = Field(default=10.0, ge=0, le=600)
    exit_after_s: float = Field(default=20.0, ge=0, le=600)
    source: PresenceSource = PresenceSource.AUTO
    silent_after_s: float = Field(default=120.0, gt=0)


class BedPresenceDetector:
    """Debounced presence per mattress; raises ``device_offline`` for a silent mattress."""

    name = DETECTOR_NAME

    def __init__(self, settings: BedSettings | None = None) -> None:
        """Use ``settings`` (defaults if omitted)."""
        self._s = settings or BedSettings()
        self._presence: dict[str, PresenceTracker] = {}
        self._firmware: set[str] = set()
        self._last_seen: dict[str, datetime] = {}
        self._offline: set[str] = set()

    def _tracker(self, device_id: str) -> PresenceTracker:
        return self._presence.setdefault(
            device_id,
            PresenceTracker(
                enter_after=timedelta(seconds=self._s.enter_after_s),
                exit_after=timedelta(seconds=self._s.exit_after_s),
            ),
        )

    def presence(self, device_id: str) -> tuple[PresenceState, datetime | None]:
        """The debounced state of ``device_id``'s bed and since when."""
        tracker = self._presence.get(device_id)
        return (tracker.state, tracker.since) if tracker else (PresenceState.UNKNOWN, None)

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take a mattress reading (vitals or a raw block); other readings are ignored."""
        if not isinstance(reading, MattressVitals | MattressRawBlock):
            return []
        self._last_seen[device_id] = now
        out: list[Detection] = []
        if device_id in self._offline:
            self._offline.discard(device_id)
            out.append(Detection(_silence_event(device_id, None), device_id))
        if isinstance(reading, MattressVitals) and self._counts(device_id, reading):
            change = self._tracker(device_id).update(reading.in_bed, now)
            if change:
                _log.debug("bed %s: %s since %s", device_id, change.state.value, change.since)
        return out

    def _counts(self, device_id: str, reading: MattressVitals) -> bool:
        firmware = reading.source is MattressSource.FIRMWARE
        if firmware:
            self._firmware.add(device_id)
        if self._s.source is PresenceSource.FIRMWARE:
            return firmware
        if self._s.source is PresenceSource.EDGE:
            return not firmware
        return firmware or device_id not in self._firmware

    def tick(self, now: datetime) -> list[Detection]:
        """Raise ``device_offline`` for mattresses silent longer than ``silent_after_s``."""
        out = []
        for device_id, seen in sorted(self._last_seen.items()):
            silent = (now - seen).total_seconds()
            if device_id not in self._offline and silent > self._s.silent_after_s:
                self._offline.add(device_id)
                _log.warning("mattress %s silent for %.0f s", device_id, silent)
                out.append(Detection(_silence_event(device_id, silent), device_id))
        return out

    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        return {
            "version": SNAPSHOT_VERSION,
            "presence": {k: t.snapshot() for k, t in sorted(self._presence.items())},
            "firmware": sorted(self._firmware),
            "last_seen": {k: v.isoformat() for k, v in sorted(self._last_seen.items())},
            "offline": sorted(self._offline),
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with a :meth:`snapshot` (raises DetectorStateError)."""
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise DetectorStateError(
                f"bed detector snapshot has version {snapshot.get('version')!r}, expected "
                f"{SNAPSHOT_VERSION}: it will start from a blank state"
            )
        try:
            presence = {}
            for device_id, raw in dict(snapshot["presence"]).items():  # type: ignore[call-overload]
                presence[str(device_id)] = self._tracker_from(raw)
            firmware = {str(x) for x in snapshot["firmware"]}  # type: ignore[attr-defined]
            last_seen = {
                str(k): datetime.fromisoformat(str(v))
                for k, v in dict(snapshot["last_seen"]).items()  # type: ignore[call-overload]
            }
            offline = {str(x) for x in snapshot["offline"]}  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError) as exc:
            raise DetectorStateError(f"bed detector snapshot is damaged: {exc}") from exc
        self._presence, self._firmware = presence, firmware
        self._last_seen, self._offline = last_seen, offline

    def _tracker_from(self, raw: object) -> PresenceTracker:
        if not isinstance(raw, dict):
            raise TypeError("a presence entry is not a mapping")
        return PresenceTracker.from_snapshot(
            raw,
            enter_after=timedelta(seconds=self._s.enter_after_s),
            exit_after=timedelta(seconds=self._s.exit_after_s),
        )


def _silence_event(device_id: str, silent_s: float | None) -> EventBody:
    if silent_s is None:
        return EventBody.of(
            EventType.DEVICE_OFFLINE,
            Evidence(summary=f"mattress {device_id} is sending again"),
            status=EventStatus.CLEARED,
            detector=DETECTOR_NAME,
        )
    return EventBody.of(
        EventType.DEVICE_OFFLINE,
        Evidence(
            summary=f"no data from mattress {device_id} for {silent_s / 60:.1f} min: "
            "check its cable and power",
            values={"silent_s": round(silent_s, 1)},
        ),
        detector=DETECTOR_NAME,
    )
