"""Routine alerts from the life portrait: "not up by usual time" and "prolonged inactivity".

* ``not_up_by_usual_time``: still in bed (debounced mattress presence) at the wake limit —
  the resident's usual late wake time (p90 of learned wake times) plus a margin of at least
  60 min or half the spread (p90 − p10) of their wake times; 13:00 until burned in. Not if
  that stay in bed began less than 3 h before the limit (a nap after getting up). In a home
  without a bed sensor: no sign of life at all since before the limit − 3 h, the limit being
  learned from rise times (the first sign of life after each day's longest silence), and not
  while gone out. At most once per portrait day; cleared when the resident gets up.
* ``prolonged_inactivity``: no sign of life (bed, wristband movement, any home sensor) while
  at home (not gone out through the entrance door, wristband not out of reach), out of bed
  and not seated, for longer than the limit, during an hour of the day in
  which the resident is usually active. The limit is p90 of the resident's daily longest
  quiet spell × 1.5 (clamped to 90 min–6 h) once learned, 4 h before; the default active
  hours are 08:00–21:59. Only time inside the current run of active hours counts (the night's
  silence before it does not), and in a home without a bed sensor not before the wake limit
  has passed. Cleared by the next sign of life.

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
from edge_agent.detectors.base import Detection
from edge_agent.detectors.portrait_base import PortraitDetector
from edge_agent.portrait.daytime import opt_time
from edge_agent.portrait.limits import (
    Basis,
    Limit,
    active_hours,
    inactivity_limit,
    wake_limit,
)
from edge_agent.portrait.settings import RoutineSettings

__all__ = ["RoutineDetector"]

DETECTOR_NAME = "edge.routine/v1"
SNAPSHOT_VERSION = 1
_NAP_BEFORE_LIMIT_MIN = 180.0
"""In bed since less than this before the wake limit: a nap after getting up, not "not up"."""


def _active_run_start(local: datetime, hours: set[int]) -> datetime:
    """Start of the run of usually-active hours ``local`` is in (the night's silence before
    it does not count as inactivity).

    >>> from datetime import UTC
    >>> _active_run_start(datetime(2026, 11, 24, 9, 40, tzinfo=UTC), {7, 8, 9, 22}).hour
    7
    """
    start = local.replace(minute=0, second=0, microsecond=0)
    for _ in range(23):
        before = start - timedelta(hours=1)
        if before.hour not in hours:
            break
        start = before
    return start


class RoutineDetector(PortraitDetector):
    """Raises ``not_up_by_usual_time`` and ``prolonged_inactivity`` from the life portrait.

    Getting up or a sign of life clears an alert at once.
    """

    name = DETECTOR_NAME
    label = "routine"
    snapshot_version = SNAPSHOT_VERSION

    def __init__(self, settings: RoutineSettings | None = None) -> None:
        """Use ``settings`` (defaults if omitted)."""
        super().__init__(settings)
        self._wake_checked_day: str | None = None
        self._not_up_since: datetime | None = None
        self._inactive_since: datetime | None = None

    def _update(self, now: datetime) -> list[Detection]:
        return self._wake(now) + self._inactivity(now)

    # ----------------------------------------------------------------- not up
    def _wake(self, now: datetime) -> list[Detection]:
        t = self._tracker
        bed_sensor = t.in_bed is not None
        if self._not_up_since is not None:
            return self._up(now, bed_sensor=bed_sensor)
        clock = t.clock
        day = clock.day_of(now)
        if self._wake_checked_day == day:
            return []
        boundary = self._settings.portrait.day_boundary_hour
        limit = wake_limit(
            t.portrait, self._settings.wake, boundary_hour=boundary, bed_sensor=bed_sensor
        )
        minute = clock.minute_of_day(now)
        if minute < limit.value:
            return []
        self._wake_checked_day = day
        since = t.bed_changed_at if bed_sensor else t.last_activity
        if not self._not_up(now, limit, since, bed_sensor=bed_sensor):
            return []
        self._not_up_since = now
        t.flag_today()
        return [Detection(self._not_up_event(now, limit, since, bed_sensor=bed_sensor))]

    def _not_up(
        self, now: datetime, limit: Limit, since: datetime | None, *, bed_sensor: bool
    ) -> bool:
        """At the limit: still in bed (or silent since the night) and not just napping."""
        t = self._tracker
        if bed_sensor and not t.in_bed:
            return False
        if not bed_sensor and (since is None or t.away or t.wristband_out_of_reach(now)):
            return False  # nothing heard yet, or gone out: not "not up"
        clock = t.clock
        return not (
            since is not None
            and clock.day_of(since) == clock.day_of(now)
            and clock.minute_of_day(since) > limit.value - _NAP_BEFORE_LIMIT_MIN
        )  # up this morning (back in bed for a nap, or quiet since)

    def _not_up_event(
        self, now: datetime, limit: Limit, since: datetime | None, *, bed_sensor: bool
    ) -> EventBody:
        clock = self._tracker.clock
        minute = clock.minute_of_day(now)
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
            "bed_sensor": bed_sensor,
        }
        if limit.usual is not None:
            values["usual_wake_local"] = clock.clock_text(limit.usual)
        if since is not None:
            key = "in_bed_h" if bed_sensor else "no_sign_of_life_h"
            values[key] = round((now - since).total_seconds() / 3600, 2)
        what = (
            f"still in bed at {clock.clock_text(minute)}, in bed since {since_text}"
            if bed_sensor
            else f"no sign of life by {clock.clock_text(minute)} since {since_text} (no bed sensor)"
        )
        return EventBody.of(
            EventType.NOT_UP_BY_USUAL_TIME,
            Evidence(summary=f"{what}; {why}", values=values),
            detector=DETECTOR_NAME,
        )

    def _up(self, now: datetime, *, bed_sensor: bool) -> list[Detection]:
        t = self._tracker
        assert self._not_up_since is not None
        if bed_sensor:
            if t.in_bed:
                return []
            up_at = t.bed_changed_at or now
        else:
            if t.last_activity is None or t.last_activity <= self._not_up_since:
                return []
            up_at = t.last_activity
        late = (up_at - self._not_up_since).total_seconds() / 60
        self._not_up_since = None
        clock = t.clock
        event = EventBody.of(
            EventType.NOT_UP_BY_USUAL_TIME,
            Evidence(
                summary=f"up at {clock.clock_text(clock.minute_of_day(up_at))}, "
                f"{late:.0f} min after the alert",
                values={"late_min": round(late, 1)},
            ),
            status=EventStatus.CLEARED,
            detector=DETECTOR_NAME,
        )
        return [Detection(event)]

    # ----------------------------------------------------------------- inactivity
    def _inactivity(self, now: datetime) -> list[Detection]:
        t = self._tracker
        clock = t.clock
        if self._inactive_since is not None:
            return self._inactivity_cleared()
        quiet = t.quiet_for(now)
        if quiet is None or t.last_activity is None or self._not_up_since is not None:
            return []  # resting, away, or already "not up"
        if t.in_bed is None and self._wake_checked_day != clock.day_of(now):
            return []  # no bed sensor: the morning's silence is for "not up" to judge
        hours, hours_basis = active_hours(t.portrait, self._settings.inactivity)
        if clock.local_hour(now) not in hours:
            return []
        quiet = now - max(t.last_activity, _active_run_start(clock.local(now), hours))
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
                summary=f"no sign of life since {since}: {quiet_h:.1f} h of usually active "
                f"hours at home, out of bed; {why}",
                values=values,
            ),
            detector=DETECTOR_NAME,
        )
        return [Detection(event)]

    def _inactivity_cleared(self) -> list[Detection]:
        t = self._tracker
        since = self._inactive_since
        if since is None or t.last_activity is None or t.last_activity <= since:
            return []
        quiet_h = (t.last_activity - since).total_seconds() / 3600
        self._inactive_since = None
        clock = t.clock
        event = EventBody.of(
            EventType.PROLONGED_INACTIVITY,
            Evidence(
                summary=f"sign of life at {clock.clock_text(clock.minute_of_day(t.last_activity))}"
                f" after {quiet_h:.1f} h",
                values={"quiet_h": round(quiet_h, 2)},
            ),
            status=EventStatus.CLEARED,
            detector=DETECTOR_NAME,
        )
        return [Detection(event)]

    # ----------------------------------------------------------------- state
    def _state(self) -> dict[str, object]:
        return {
            "wake_checked_day": self._wake_checked_day,
            "not_up_since": self._not_up_since.isoformat() if self._not_up_since else None,
            "inactive_since": self._inactive_since.isoformat() if self._inactive_since else None,
        }

    def _load_state(self, snapshot: dict[str, object]) -> None:
        day = snapshot["wake_checked_day"]
        self._wake_checked_day = day if isinstance(day, str) else None
        self._not_up_since = opt_time(snapshot["not_up_since"])
        self._inactive_since = opt_time(snapshot["inactive_since"])
