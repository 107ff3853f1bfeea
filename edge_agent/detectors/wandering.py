"""Possible wandering (走失): a night exit, the wristband out of the gateway's reach, no return.

An exit from bed inside the night window (see :mod:`edge_agent.detectors.bed_exit`) is
watched; ``tick(now)`` raises ``possible_wandering`` once the resident has been out of bed for
``limit_min`` and seems to have left the home right now: the wristband is out of reach (no
reading for ``portrait.wristband_link_lost_s``, or its last signal strength at the gateway at
or below ``weak_rssi_dbm``), or the entrance door opened after the exit with no sign of life
at home since — while still in the night window, or within an hour of the exit (later, the
resident got up for the day and an outing is not wandering). A home with neither a wristband
nor an entrance sensor never raises this.
The resident's dementia flag (setting
``wandering.dementia``) raises the severity from the taxonomy's ``high`` to ``critical``
(``EventBody.of`` takes a severity; the taxonomy fixes only class and dimension) and is
stated in the evidence. Back in bed, or back home (wristband in reach with a good signal,
or a sign of life at home after the door), clears it. The day of an alert is not learned.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import MattressVitals, WristbandStatus
    >>> from edge_agent.portrait.settings import PortraitSettings, RoutineSettings
    >>> d = WanderingDetector(RoutineSettings(portrait=PortraitSettings(timezone="UTC"),
    ...                                       wandering={"dementia": True}))
    >>> t0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    >>> def bed(in_bed, at):  # a change and the reading 30 s later that confirms it
    ...     for s in (0, 30):
    ...         _ = d.observe("mat-1", MattressVitals(in_bed=in_bed), at + timedelta(seconds=s))
    >>> bed(True, t0)
    >>> _ = d.observe("band-1", WristbandStatus(rssi_dbm=-60), t0)
    >>> bed(False, t0 + timedelta(hours=1))
    >>> _ = d.observe("band-1", WristbandStatus(rssi_dbm=-95), t0 + timedelta(hours=1, minutes=9))
    >>> [(x.event.severity.value, x.event.evidence.summary)
    ...  for x in d.tick(t0 + timedelta(hours=1, minutes=10))]
    [('critical', 'out of bed 10 min since 02:00 and wristband signal weak (-95 dBm); dementia')]
"""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.events import EventBody, EventStatus, EventType, Evidence, Severity
from edge_agent.detectors.base import Detection
from edge_agent.detectors.bed_exit import in_night_window
from edge_agent.detectors.portrait_base import NightExitDetector

__all__ = ["WanderingDetector"]

DETECTOR_NAME = "edge.wandering/v1"
SNAPSHOT_VERSION = 1
_STILL_NIGHT = timedelta(hours=1)
"""Leaving within this of a night exit counts even if the night window has just ended."""


class WanderingDetector(NightExitDetector):
    """Raises ``possible_wandering`` for a night exit with the wristband out of reach.

    ``tick(now)`` raises once the exit has lasted ``limit_min`` with the wristband out of
    reach; a return to bed or to reach clears an alert at once.
    """

    name = DETECTOR_NAME
    label = "wandering"
    snapshot_version = SNAPSHOT_VERSION

    def _out_of_reach(self, now: datetime) -> str | None:
        t = self._tracker
        silent = t.wristband_silent_for(now)
        s = self._settings.wandering
        if silent is None:
            return None
        if t.wristband_out_of_reach(now):
            return f"wristband not heard for {silent.total_seconds() / 60:.0f} min"
        if t.wristband_rssi_dbm is not None and t.wristband_rssi_dbm <= s.weak_rssi_dbm:
            return f"wristband signal weak ({t.wristband_rssi_dbm:.0f} dBm)"
        return None

    def _gone(self, now: datetime) -> str | None:
        """Why the resident seems to have left the home, or ``None``."""
        reach = self._out_of_reach(now)
        if reach is not None:
            return reach
        t = self._tracker
        door = t.last_entrance
        if t.away and door is not None and self._exit_at is not None and door > self._exit_at:
            at = t.clock.clock_text(t.clock.minute_of_day(door))
            return f"entrance door at {at}, no sign of life at home since"
        return None

    def _update(self, now: datetime) -> list[Detection]:
        t = self._tracker
        if self._alerted and (t.in_bed or self._gone(now) is None):
            self._alerted = False
            self._exit_at = None
            why = "back in bed" if t.in_bed else "back home: wristband in reach or a sign of life"
            event = EventBody.of(
                EventType.POSSIBLE_WANDERING,
                Evidence(summary=why, values={"back_in_bed": bool(t.in_bed)}),
                status=EventStatus.CLEARED,
                detector=DETECTOR_NAME,
            )
            return [Detection(event)]
        if t.in_bed:
            self._exit_at = None
            return []
        exit_at = self._new_exit()
        if exit_at is not None:
            self._exit_at = exit_at if in_night_window(t, self._settings, exit_at) else None
        if self._exit_at is None or self._alerted:
            return []
        out = now - self._exit_at
        reach = self._gone(now)
        if reach is None or out < timedelta(minutes=self._settings.wandering.limit_min):
            return []
        if out > _STILL_NIGHT and not in_night_window(t, self._settings, now):
            self._exit_at = None  # up for the day: a later outing is not wandering
            return []
        self._alerted = True
        t.flag_today()
        dementia = self._settings.wandering.dementia
        at = t.clock.clock_text(t.clock.minute_of_day(self._exit_at))
        out_min = out.total_seconds() / 60
        values: dict[str, float | int | bool | str] = {
            "out_of_bed_min": round(out_min, 1),
            "exit_at_local": at,
            "dementia": dementia,
        }
        silent = t.wristband_silent_for(now)
        if silent is not None:
            values["wristband_silent_s"] = round(silent.total_seconds(), 1)
        if t.wristband_rssi_dbm is not None:
            values["wristband_rssi_dbm"] = t.wristband_rssi_dbm
        door = t.last_entrance
        if door is not None and door > self._exit_at:
            values["entrance_at_local"] = t.clock.clock_text(t.clock.minute_of_day(door))
            if "entrance" not in reach:
                reach += f"; entrance door at {values['entrance_at_local']}"
        event = EventBody.of(
            EventType.POSSIBLE_WANDERING,
            Evidence(
                summary=f"out of bed {out_min:.0f} min since {at} and {reach}"
                + ("; dementia" if dementia else ""),
                values=values,
            ),
            severity=Severity.CRITICAL if dementia else None,
            detector=DETECTOR_NAME,
        )
        return [Detection(event)]
