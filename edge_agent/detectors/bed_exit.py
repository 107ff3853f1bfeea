""" "Out of bed and not back" inside the resident's night window: a pure detector.

A bed exit (debounced mattress presence) that starts inside the night window arms a timer;
``tick(now)`` raises ``bed_exit_no_return`` when the resident has been out longer than the
limit, unless home sensors show the resident up and about in the last few minutes. The night
window and the limit come from the resident's life portrait once burned in (limit = p95 of
their own night-exit durations × 2, clamped to 10–45 min), and from documented defaults until
then (22:00–06:00, 30 min as telecare bed sensors use). A worn wristband that has not moved
escalates the alert to critical. Coming back to bed clears it. The day of an alert is not
learned.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import MattressVitals
    >>> from edge_agent.portrait.settings import PortraitSettings, RoutineSettings
    >>> d = BedExitDetector(RoutineSettings(portrait=PortraitSettings(timezone="UTC")))
    >>> t0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    >>> def bed(in_bed, at):  # a change and the reading 30 s later that confirms it
    ...     for s in (0, 30):
    ...         _ = d.observe("mat-1", MattressVitals(in_bed=in_bed), at + timedelta(seconds=s))
    >>> bed(True, t0)
    >>> bed(False, t0 + timedelta(hours=1))
    >>> d.tick(t0 + timedelta(hours=1, minutes=20))
    []
    >>> [x.event.evidence.summary for x in d.tick(t0 + timedelta(hours=1, minutes=31))]
    ['out of bed 31 min since 02:00; limit 30 min (default, not yet learned); no wristband']
"""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.events import EventBody, EventStatus, EventType, Evidence, Severity
from edge_agent.detectors.base import Detection
from edge_agent.detectors.portrait_base import NightExitDetector
from edge_agent.portrait.limits import Basis, bed_exit_limit, in_window, night_window
from edge_agent.portrait.settings import RoutineSettings
from edge_agent.portrait.tracker import PortraitTracker

__all__ = ["BedExitDetector", "in_night_window"]

DETECTOR_NAME = "edge.bed_exit/v1"
SNAPSHOT_VERSION = 1


def in_night_window(tracker: PortraitTracker, settings: RoutineSettings, at: datetime) -> bool:
    """Whether ``at`` falls in the resident's (learned or default) night window."""
    start, end, _ = night_window(
        tracker.portrait, settings.bed_exit, boundary_hour=settings.portrait.day_boundary_hour
    )
    return in_window(tracker.clock.minute_of_day(at), start, end)


def wristband_phrase(still: timedelta | None, silent: timedelta | None) -> str:
    """How the wristband looks, for an evidence summary.

    >>> wristband_phrase(timedelta(minutes=20), timedelta(seconds=5))
    'wristband still 20 min'
    >>> wristband_phrase(None, None)
    'no wristband'
    """
    if still is not None:
        return f"wristband still {still.total_seconds() / 60:.0f} min"
    if silent is None:
        return "no wristband"
    return f"wristband not heard for {silent.total_seconds() / 60:.0f} min"


class BedExitDetector(NightExitDetector):
    """Raises ``bed_exit_no_return`` when a night exit lasts longer than the resident's limit.

    ``tick(now)`` raises the alert once the out-of-bed time passes the limit; mattress
    presence may end an episode at once.
    """

    name = DETECTOR_NAME
    label = "bed-exit"
    snapshot_version = SNAPSHOT_VERSION

    def _update(self, now: datetime) -> list[Detection]:
        t = self._tracker
        if t.in_bed:
            return self._back_in_bed(now)
        exit_at = self._new_exit()
        if exit_at is not None:
            self._alerted = False
            armed = in_night_window(t, self._settings, exit_at)
            self._exit_at = exit_at if armed else None
        if self._exit_at is None or self._alerted:
            return []
        limit = bed_exit_limit(t.portrait, self._settings.bed_exit)
        out = now - self._exit_at
        if out < timedelta(minutes=limit.value):
            return []
        recent = t.last_home_activity
        about = timedelta(minutes=self._settings.bed_exit.up_and_about_min)
        if recent is not None and recent > self._exit_at and now - recent <= about:
            self._exit_at = None  # up and about at home: the night is over, not a no-return
            return []
        self._alerted = True
        t.flag_today()
        return [Detection(self._raise(now, out, limit.value, limit.basis, limit.usual))]

    def _raise(
        self, now: datetime, out: timedelta, limit: float, basis: Basis, usual: float | None
    ) -> EventBody:
        t = self._tracker
        assert self._exit_at is not None
        still = t.wristband_still_for(now)
        escalate = still is not None and still >= timedelta(
            minutes=self._settings.bed_exit.wristband_still_min
        )
        usual_text = (
            f"usual ≤ {usual:.0f} min, limit {limit:.0f} min"
            if basis is Basis.LEARNED and usual is not None
            else f"limit {limit:.0f} min (default, not yet learned)"
        )
        out_min = out.total_seconds() / 60
        at = t.clock.clock_text(t.clock.minute_of_day(self._exit_at))
        phrase = wristband_phrase(still, t.wristband_silent_for(now))
        values: dict[str, float | int | bool | str] = {
            "out_of_bed_min": round(out_min, 1),
            "exit_at_local": at,
            "limit_min": round(limit, 1),
            "limit_basis": basis.value,
            "wristband_still": escalate,
        }
        if usual is not None:
            values["usual_max_min"] = round(usual, 1)
        if still is not None:
            values["wristband_still_min"] = round(still.total_seconds() / 60, 1)
        return EventBody.of(
            EventType.BED_EXIT_NO_RETURN,
            Evidence(
                summary=f"out of bed {out_min:.0f} min since {at}; {usual_text}; {phrase}",
                values=values,
            ),
            severity=Severity.CRITICAL if escalate else None,
            detector=DETECTOR_NAME,
        )

    def _back_in_bed(self, now: datetime) -> list[Detection]:
        exit_at, alerted = self._exit_at, self._alerted
        self._exit_at, self._alerted = None, False
        if not alerted or exit_at is None:
            return []
        back_at = self._tracker.bed_changed_at or now
        out_min = (back_at - exit_at).total_seconds() / 60
        clock = self._tracker.clock
        event = EventBody.of(
            EventType.BED_EXIT_NO_RETURN,
            Evidence(
                summary=f"back in bed at {clock.clock_text(clock.minute_of_day(back_at))} "
                f"after {out_min:.0f} min out",
                values={"out_of_bed_min": round(out_min, 1)},
            ),
            status=EventStatus.CLEARED,
            detector=DETECTOR_NAME,
        )
        return [Detection(event)]
