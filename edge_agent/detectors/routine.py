"""Routine alerts from the life portrait: "not up by usual time" and "prolonged inactivity".

* ``not_up_by_usual_time``: still in bed (debounced mattress presence) at the wake limit —
  the resident's usual late wake time (p90 of learned wake times) plus a margin of at least
  60 min or half the spread (p90 − p10) of their wake times; 13:00 until burned in. Not if
  that stay in bed began less than 3 h before the limit (a nap after getting up). At most
  once per portrait day; cleared when the resident gets up.
* ``prolonged_inactivity``: no sign of life (bed, wristband movement, any home sensor) while
  at home (not gone out through the entrance door, wristband not out of reach), out of bed
  and not seated, for longer than the limit, during an hour of the day in
  which the resident is usually active. The limit is p90 of the resident's daily longest
  quiet spell × 1.5 (clamped to 90 min–6 h) once learned, 4 h before; the default active
  hours are 08:00–21:59. Cleared by the next sign of life.

Both fire from ``tick(now)`` and explain themselves with numbers; the day of an alert is not
learned.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import MattressVitals
    >>> from edge_agent.portrait.settings import PortraitSettings, RoutineSettings
    >>> d = RoutineDetector(RoutineSettings(portrait=PortraitSettings(timezone="UTC")))
    >>> t0 = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    >>> def bed(in_bed, at):  # a change and the reading 30 s later that confirms it
    ...     for s in (0, 30):
    ...         _ = d.observe("mat-1", MattressVitals(in_bed=in_bed), at + timedelta(seconds=s))
    >>> bed(True, t0)
    >>> d.tick(datetime(2026, 11, 24, 12, 59, tzinfo=UTC))
    []
    >>> [x.event.evidence.summary for x in d.tick(datetime(2026, 11, 24, 13, 0, tzinfo=UTC))]
    ['still in bed at 13:00, in bed since 23:00; not up by 13:00 (default, not yet learned)']
"""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.readings import DeviceReading
from edge_agent.detectors.base import Detection
from edge_agent.errors import DetectorStateError
from edge_agent.portrait.daytime import opt_time
from edge_agent.portrait.limits import Basis, active_hours, inactivity_limit, wake_limit
from edge_agent.portrait.settings import RoutineSettings
from edge_agent.portrait.tracker import PortraitTracker

__all__ = ["RoutineDetector"]

DETECTOR_NAME = "edge.routine/v1"
SNAPSHOT_VERSION = 1
_NAP_BEFORE_LIMIT_MIN = 180.0
"""In bed since less than this before the wake limit: a nap after getting up, not "not up"."""


class RoutineDetector:
    """Raises ``not_up_by_usual_time`` and ``prolonged_inactivity`` from the life portrait."""

    name = DETECTOR_NAME

    def __init__(self, settings: RoutineSettings | None = None) -> None:
        """Use ``settings`` (defaults if omitted)."""
        self._settings = settings or RoutineSettings()
        self._tracker = PortraitTracker(self._settings.portrait)
        self._wake_checked_day: str | None = None
        self._not_up_since: datetime | None = None
        self._inactive_since: datetime | None = None

    @property
    def tracker(self) -> PortraitTracker:
        """The embedded portrait tracker (read-only use)."""
        return self._tracker

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take one reading; getting up or a sign of life clears an alert at once."""
        self._tracker.observe(reading, now, device_id)
        return self._update(now)

    def tick(self, now: datetime) -> list[Detection]:
        """Raise what the passing of time decides."""
        self._tracker.advance(now)
        return self._update(now)

    def _update(self, now: datetime) -> list[Detection]:
        return self._wake(now) + self._inactivity(now)

    # ----------------------------------------------------------------- not up
    def _wake(self, now: datetime) -> list[Detection]:
        t = self._tracker
        clock = t.clock
        if self._not_up_since is not None:
            if t.in_bed:
                return []
            up_at = t.bed_changed_at or now
            late = (up_at - self._not_up_since).total_seconds() / 60
            self._not_up_since = None
            return [
                Detection(
                    EventBody.of(
                        EventType.NOT_UP_BY_USUAL_TIME,
                        Evidence(
                            summary=f"up at {clock.clock_text(clock.minute_of_day(up_at))}, "
                            f"{late:.0f} min after the alert",
                            values={"late_min": round(late, 1)},
                        ),
                        status=EventStatus.CLEARED,
                        detector=DETECTOR_NAME,
                    )
                )
            ]
        day = clock.day_of(now)
        if self._wake_checked_day == day:
            return []
        boundary = self._settings.portrait.day_boundary_hour
        limit = wake_limit(t.portrait, self._settings.wake, boundary_hour=boundary)
        minute = clock.minute_of_day(now)
        if minute < limit.value:
            return []
        self._wake_checked_day = day
        since = t.bed_changed_at
        if not t.in_bed or (
            since is not None
            and clock.day_of(since) == day
            and clock.minute_of_day(since) > limit.value - _NAP_BEFORE_LIMIT_MIN
        ):
            return []  # up, or back in bed for a nap after getting up
        self._not_up_since = now
        t.flag_today()
        since_text = clock.clock_text(clock.minute_of_day(since)) if since else "unknown"
        limit_text = clock.clock_text(limit.value)
        if limit.basis is Basis.LEARNED and limit.usual is not None:
            why = f"usually up by {clock.clock_text(limit.usual)}, limit {limit_text}"
        else:
            why = f"not up by {limit_text} (default, not yet learned)"
        values: dict[str, float | int | bool | str] = {
            "now_local": clock.clock_text(minute),
            "limit_local": limit_text,
            "limit_basis": limit.basis.value,
            "late_min": round(minute - limit.value, 1),
        }
        if limit.usual is not None:
            values["usual_wake_local"] = clock.clock_text(limit.usual)
        if since is not None:
            values["in_bed_h"] = round((now - since).total_seconds() / 3600, 2)
        event = EventBody.of(
            EventType.NOT_UP_BY_USUAL_TIME,
            Evidence(
                summary=f"still in bed at {clock.clock_text(minute)}, in bed since "
                f"{since_text}; {why}",
                values=values,
            ),
            detector=DETECTOR_NAME,
        )
        return [Detection(event)]

    # ----------------------------------------------------------------- inactivity
    def _inactivity(self, now: datetime) -> list[Detection]:
        t = self._tracker
        clock = t.clock
        if self._inactive_since is not None:
            if t.last_activity is not None and t.last_activity > self._inactive_since:
                quiet_h = (t.last_activity - self._inactive_since).total_seconds() / 3600
                self._inactive_since = None
                event = EventBody.of(
                    EventType.PROLONGED_INACTIVITY,
                    Evidence(
                        summary=f"sign of life at "
                        f"{clock.clock_text(clock.minute_of_day(t.last_activity))} "
                        f"after {quiet_h:.1f} h",
                        values={"quiet_h": round(quiet_h, 2)},
                    ),
                    status=EventStatus.CLEARED,
                    detector=DETECTOR_NAME,
                )
                return [Detection(event)]
            return []
        quiet = t.quiet_for(now)
        if quiet is None or t.last_activity is None:
            return []
        hours, hours_basis = active_hours(t.portrait, self._settings.inactivity)
        if clock.local_hour(now) not in hours:
            return []
        limit = inactivity_limit(t.portrait, self._settings.inactivity)
        if quiet < timedelta(minutes=limit.value):
            return []
        self._inactive_since = t.last_activity
        t.flag_today()
        quiet_h = quiet.total_seconds() / 3600
        since = clock.clock_text(clock.minute_of_day(t.last_activity))
        if limit.basis is Basis.LEARNED and limit.usual is not None:
            why = f"usual longest quiet ≤ {limit.usual / 60:.1f} h, limit {limit.value / 60:.1f} h"
        else:
            why = f"limit {limit.value / 60:.1f} h (default, not yet learned)"
        values: dict[str, float | int | bool | str] = {
            "quiet_h": round(quiet_h, 2),
            "last_sign_of_life_local": since,
            "limit_h": round(limit.value / 60, 2),
            "limit_basis": limit.basis.value,
            "active_hours_basis": hours_basis.value,
        }
        if limit.usual is not None:
            values["usual_longest_quiet_h"] = round(limit.usual / 60, 2)
        event = EventBody.of(
            EventType.PROLONGED_INACTIVITY,
            Evidence(
                summary=f"no sign of life for {quiet_h:.1f} h since {since} at home, out of "
                f"bed, in a usually active hour; {why}",
                values=values,
            ),
            detector=DETECTOR_NAME,
        )
        return [Detection(event)]

    # ----------------------------------------------------------------- state
    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        return {
            "version": SNAPSHOT_VERSION,
            "tracker": self._tracker.snapshot(),
            "wake_checked_day": self._wake_checked_day,
            "not_up_since": self._not_up_since.isoformat() if self._not_up_since else None,
            "inactive_since": self._inactive_since.isoformat() if self._inactive_since else None,
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Resume from :meth:`snapshot` (raises ``DetectorStateError`` if unusable)."""
        tracker = snapshot.get("tracker")
        if snapshot.get("version") != SNAPSHOT_VERSION or not isinstance(tracker, dict):
            raise DetectorStateError(
                f"routine snapshot has version {snapshot.get('version')!r}, expected "
                f"{SNAPSHOT_VERSION}: it will start from a blank state"
            )
        self._tracker.restore(tracker)
        try:
            day = snapshot["wake_checked_day"]
            self._wake_checked_day = day if isinstance(day, str) else None
            self._not_up_since = opt_time(snapshot["not_up_since"])
            self._inactive_since = opt_time(snapshot["inactive_since"])
        except (KeyError, ValueError) as exc:
            raise DetectorStateError(f"routine snapshot is damaged: {exc}") from exc
