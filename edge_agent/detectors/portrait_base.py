"""What the life-portrait detectors (routine, bed exit, wandering) share: one pure base.

:class:`PortraitDetector` owns the portrait tracker, feeds it each reading and tick, and keeps
the versioned snapshot (the tracker's state plus the detector's own fields).
:class:`NightExitDetector` adds the state of a watched exit from bed (bed exit, wandering).

Example:
    >>> from datetime import UTC, datetime
    >>> class Quiet(PortraitDetector):
    ...     name = "edge.quiet/v1"
    ...     label = "quiet"
    ...     def _update(self, now):
    ...         return []
    >>> d = Quiet()
    >>> d.tick(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    []
    >>> sorted(d.snapshot())
    ['tracker', 'version']
    >>> d.restore({"version": 0})
    Traceback (most recent call last):
    ...
    edge_agent.errors.DetectorStateError: quiet snapshot has version 0, expected 1: it will \
start from a blank state
"""

from __future__ import annotations

from datetime import datetime

from contracts.readings import DeviceReading
from edge_agent.detectors.base import Detection
from edge_agent.errors import DetectorStateError
from edge_agent.portrait.daytime import opt_time
from edge_agent.portrait.settings import RoutineSettings
from edge_agent.portrait.tracker import PortraitTracker

__all__ = ["NightExitDetector", "PortraitDetector"]


class PortraitDetector:
    """A pure detector reading the resident's life portrait (subclasses decide in ``_update``).

    Attributes:
        name: The versioned detector name put in each event.
        label: What a snapshot error calls this detector, e.g. ``"routine"``.
        snapshot_version: The version of this detector's snapshot layout.
    """

    name: str
    label: str
    snapshot_version: int = 1

    def __init__(self, settings: RoutineSettings | None = None) -> None:
        """Use ``settings`` (defaults if omitted)."""
        self._settings = settings or RoutineSettings()
        self._tracker = PortraitTracker(self._settings.portrait)

    @property
    def tracker(self) -> PortraitTracker:
        """The embedded portrait tracker (read-only use)."""
        return self._tracker

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take one reading; what it changes (getting up, back to bed…) is decided at once."""
        self._tracker.observe(reading, now, device_id)
        return self._update(now)

    def tick(self, now: datetime) -> list[Detection]:
        """Raise what the passing of time decides."""
        self._tracker.advance(now)
        return self._update(now)

    def _update(self, now: datetime) -> list[Detection]:
        """The detections the tracker's state at ``now`` calls for."""
        raise NotImplementedError

    def _state(self) -> dict[str, object]:
        """The detector's own fields, JSON-ready (none here)."""
        return {}

    def _load_state(self, snapshot: dict[str, object]) -> None:
        """Set the detector's own fields from a snapshot (may raise KeyError/ValueError)."""

    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        return {
            "version": self.snapshot_version,
            "tracker": self._tracker.snapshot(),
            **self._state(),
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Resume from :meth:`snapshot` (raises ``DetectorStateError`` if unusable)."""
        tracker = snapshot.get("tracker")
        if snapshot.get("version") != self.snapshot_version or not isinstance(tracker, dict):
            raise DetectorStateError(
                f"{self.label} snapshot has version {snapshot.get('version')!r}, expected "
                f"{self.snapshot_version}: it will start from a blank state"
            )
        self._tracker.restore(tracker)
        try:
            self._load_state(snapshot)
        except (KeyError, ValueError) as exc:
            raise DetectorStateError(f"{self.label} snapshot is damaged: {exc}") from exc


class NightExitDetector(PortraitDetector):
    """A portrait detector that watches one exit from bed at a time and alerts on it once."""

    def __init__(self, settings: RoutineSettings | None = None) -> None:
        """Use ``settings`` (defaults if omitted)."""
        super().__init__(settings)
        self._exit_at: datetime | None = None
        self._seen_exit: datetime | None = None
        self._alerted = False

    def _new_exit(self) -> datetime | None:
        """When the resident left bed, if out of bed since an exit not seen before (noted)."""
        t = self._tracker
        exit_at = t.bed_changed_at
        if t.in_bed is False and exit_at is not None and exit_at != self._seen_exit:
            self._seen_exit = exit_at
            return exit_at
        return None

    def _state(self) -> dict[str, object]:
        return {
            "exit_at": self._exit_at.isoformat() if self._exit_at else None,
            "seen_exit": self._seen_exit.isoformat() if self._seen_exit else None,
            "alerted": self._alerted,
        }

    def _load_state(self, snapshot: dict[str, object]) -> None:
        self._exit_at = opt_time(snapshot["exit_at"])
        self._seen_exit = opt_time(snapshot["seen_exit"])
        self._alerted = bool(snapshot["alerted"])
