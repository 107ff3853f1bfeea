"""Device readings in, the resident's current state and learned portrait out.

``PortraitTracker`` is the shared core of the routine detectors (bed exit, wake, inactivity,
wandering). From every reading it keeps
    * bed presence from ``MattressVitals.in_bed``, debounced by the shared
      :class:`~edge_agent.detectors.presence.PresenceTracker` (a change counts once it has
      held, dated from when it began; one bed per resident);
    * signs of life: getting in or out of bed, a moving wristband (std of |acceleration| in a
      block above ``wristband_movement_m_s2``), a home sensor turning active (PIR, flush,
      appliance) or any change of a contact, the entrance door or a seat mat;
    * resting (in bed or on a seat mat) and away (the last sign of life was the entrance door);
    * the wristband's last reading, last movement, signal strength and on-wrist state;
and at each portrait-day boundary it closes the day into a
:class:`~edge_agent.portrait.day.DayRecord` and learns it, unless a detector flagged it.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import MattressVitals
    >>> t = PortraitTracker(PortraitSettings(timezone="UTC"))
    >>> t0 = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    >>> for s in (0, 15):
    ...     t.observe(MattressVitals(in_bed=True), t0 + timedelta(seconds=s))
    >>> t.observe(MattressVitals(in_bed=False), t0 + timedelta(hours=8))
    >>> t.in_bed
    True
    >>> t.observe(MattressVitals(in_bed=False), t0 + timedelta(hours=8, seconds=40))
    >>> t.in_bed, t.bed_changed_at.isoformat()
    (False, '2026-11-24T07:00:00+00:00')
    >>> t.advance(t0 + timedelta(hours=20))
    >>> t.portrait.days_learned, t.portrait.summary()["usual_wake"]["median"]
    (1, '07:00')
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from contracts.readings import (
    DeviceReading,
    HomeSensorKind,
    HomeSensorReading,
    MattressVitals,
    WristbandAccelBlock,
    WristbandStatus,
)
from edge_agent.detectors.presence import PresenceState, PresenceTracker
from edge_agent.errors import DetectorStateError
from edge_agent.portrait.day import DayRecorder
from edge_agent.portrait.daytime import DayClock, opt_time
from edge_agent.portrait.portrait import LifePortrait
from edge_agent.portrait.settings import PortraitSettings

__all__ = ["PortraitSettings", "PortraitTracker", "wrist_movement_m_s2"]

log = logging.getLogger(__name__)

_TIME_FIELDS = (
    "bed_changed_at",
    "last_activity",
    "last_home_activity",
    "last_entrance",
    "wristband_seen",
    "wristband_moved",
)

_TIMES_OUT = frozenset({HomeSensorKind.MOTION, HomeSensorKind.FLUSH, HomeSensorKind.APPLIANCE})
"""Sensors whose return to inactive happens by itself (occupancy timeout, end of a flush)."""


def wrist_movement_m_s2(block: WristbandAccelBlock) -> float:
    """Standard deviation of |acceleration| over a block (0 for a single sample).

    >>> b = WristbandAccelBlock(sample_rate_hz=50, t_offsets_s=[0, 0.02, 0.04],
    ...     x_m_s2=[0, 3, 0], y_m_s2=[0, 0, 0], z_m_s2=[9.8, 9.8, 9.8])
    >>> round(wrist_movement_m_s2(b), 3)
    0.212
    """
    mags = [
        math.sqrt(x * x + y * y + z * z)
        for x, y, z in zip(block.x_m_s2, block.y_m_s2, block.z_m_s2, strict=True)
    ]
    mean = sum(mags) / len(mags)
    return math.sqrt(sum((m - mean) ** 2 for m in mags) / len(mags))


class PortraitTracker:
    """The resident's current state and learned routine, from every device reading."""

    def __init__(self, settings: PortraitSettings) -> None:
        """Start with a blank portrait (restore a snapshot to resume a learned one)."""
        self.settings = settings
        self.clock = DayClock(settings.timezone, boundary_hour=settings.day_boundary_hour)
        self.portrait = LifePortrait(
            window_days=settings.window_days,
            burn_in_days=settings.burn_in_days,
            boundary_hour=settings.day_boundary_hour,
        )
        self._recorder: DayRecorder | None = None
        self.in_bed: bool | None = None
        self.bed_changed_at: datetime | None = None
        self._presence = PresenceTracker()
        self.seats: dict[str, bool] = {}
        self.away = False
        self.last_activity: datetime | None = None
        self.last_home_activity: datetime | None = None
        """Last sign of life from a home sensor other than the entrance door."""
        self.last_entrance: datetime | None = None
        self.wristband_seen: datetime | None = None
        self.wristband_moved: datetime | None = None
        self.wristband_rssi_dbm: float | None = None
        self.wristband_on_wrist: bool | None = None

    # ----------------------------------------------------------------- readings and time
    def observe(self, reading: DeviceReading, now: datetime, device_id: str = "") -> None:
        """Take one reading received at ``now`` (readings it does not use are ignored)."""
        self.advance(now)
        if isinstance(reading, MattressVitals):
            change = self._presence.update(reading.in_bed, now)
            if change is not None:
                self._commit_bed(change.state is PresenceState.IN_BED, change.since)
        elif isinstance(reading, HomeSensorReading):
            self._home_sensor(device_id, reading, now)
        elif isinstance(reading, WristbandAccelBlock):
            self._wristband_heard(now)
            if wrist_movement_m_s2(reading) > self.settings.wristband_movement_m_s2:
                self.wristband_moved = now
                self._life(now)
                self.away = False
        elif isinstance(reading, WristbandStatus):
            self._wristband_heard(now)
            if reading.rssi_dbm is not None:
                self.wristband_rssi_dbm = reading.rssi_dbm
            if reading.on_wrist is not None:
                self.wristband_on_wrist = reading.on_wrist

    def advance(self, now: datetime) -> None:
        """Let time pass: close finished days."""
        self._roll(now)

    # ----------------------------------------------------------------- queries
    @property
    def resting(self) -> bool:
        """In bed or seated on a seat mat (the inactivity clock does not run)."""
        return bool(self.in_bed) or any(self.seats.values())

    def quiet_for(self, now: datetime) -> timedelta | None:
        """How long with no sign of life while at home, out of bed and not seated (``None``
        while resting, away through the entrance door, or gone with the wristband)."""
        if self.resting or self.away or self.last_activity is None:
            return None
        if self.wristband_out_of_reach(now):
            return None
        return now - self.last_activity

    def wristband_out_of_reach(self, now: datetime) -> bool:
        """A wristband heard before has not been heard for ``wristband_link_lost_s``."""
        silent = self.wristband_silent_for(now)
        return silent is not None and silent.total_seconds() > self.settings.wristband_link_lost_s

    def wristband_silent_for(self, now: datetime) -> timedelta | None:
        """How long since the wristband's last reading (``None``: never heard)."""
        return None if self.wristband_seen is None else now - self.wristband_seen

    def wristband_still_for(self, now: datetime) -> timedelta | None:
        """How long a worn, reachable wristband has not moved (``None``: not worn/heard)."""
        silent = self.wristband_silent_for(now)
        if silent is None or self.wristband_out_of_reach(now) or self.wristband_on_wrist is False:
            return None
        return None if self.wristband_moved is None else now - self.wristband_moved

    def flag_today(self) -> None:
        """The current day raised an alert: it will not be learned."""
        if self._recorder is not None and not self._recorder.flagged:
            log.info("portrait day %s raised an alert: it will not be learned", self._recorder.day)
            self._recorder.flagged = True

    # ----------------------------------------------------------------- internals
    def _wristband_heard(self, now: datetime) -> None:
        if self.wristband_out_of_reach(now):
            self._life(now)  # back in reach: the resident came home (no quiet spell while away)
        self.wristband_seen = now
        if self.wristband_moved is None:
            self.wristband_moved = now  # stillness is counted from when it was first heard

    def _commit_bed(self, in_bed: bool, at: datetime) -> None:
        if in_bed == self.in_bed:
            return
        self._life(at)
        self.away = False
        self.in_bed, self.bed_changed_at = in_bed, at
        self._day(at).bed(self._minute(at), in_bed)

    def _home_sensor(self, device_id: str, reading: HomeSensorReading, now: datetime) -> None:
        if not reading.active and reading.sensor in _TIMES_OUT:
            return  # motion cleared, flush or appliance ended by itself: not a sign of life
        entrance = reading.sensor is HomeSensorKind.ENTRANCE
        self._life(now, home=not entrance)  # before the seat changes: a quiet spell ends here
        if reading.sensor is HomeSensorKind.SEAT:
            self.seats[device_id] = reading.active
        self.away = entrance
        if entrance:
            self.last_entrance = now

    def _life(self, now: datetime, *, home: bool = False) -> None:
        quiet = self.quiet_for(now)
        if quiet is not None and quiet.total_seconds() >= self.settings.quiet_record_min * 60:
            self._day(now).quiet(self._minute(now), quiet.total_seconds() / 60)
        self._day(now).active(self._minute(now))
        if self.last_activity is None or now > self.last_activity:
            self.last_activity = now
        if home:
            self.last_home_activity = now

    def _minute(self, now: datetime) -> float:
        recorder = self._day(now)
        if self.clock.day_of(now) != recorder.day:
            return 0.0  # a late reading from before the current day
        return self.clock.minute_of_day(now)

    def _day(self, now: datetime) -> DayRecorder:
        if self._recorder is None:
            self._recorder = self._new_day(self.clock.day_of(now))
        return self._recorder

    def _new_day(self, day: str) -> DayRecorder:
        recorder = DayRecorder(day, boundary_hour=self.settings.day_boundary_hour)
        if self.in_bed:
            recorder.bed(0.0, True)
        return recorder

    def _roll(self, now: datetime) -> None:
        today = self.clock.day_of(now)
        if self._recorder is None or self._recorder.day >= today:
            return
        record = self._recorder.close()
        learned = self.portrait.learn_one(record)
        log.debug("closed portrait day %s (learned: %s)", record.day, learned)
        self._recorder = self._new_day(today)

    # ----------------------------------------------------------------- state
    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        times = {name: _iso(getattr(self, name)) for name in _TIME_FIELDS}
        return {
            "portrait": self.portrait.snapshot(),
            "recorder": self._recorder.to_dict() if self._recorder else None,
            "in_bed": self.in_bed,
            "presence": self._presence.snapshot(),
            "seats": dict(self.seats),
            "away": self.away,
            "wristband_rssi_dbm": self.wristband_rssi_dbm,
            "wristband_on_wrist": self.wristband_on_wrist,
            **times,
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Resume from :meth:`snapshot` (raises ``DetectorStateError`` on damaged data)."""
        try:
            portrait = snapshot["portrait"]
            recorder = snapshot["recorder"]
            seats = snapshot["seats"]
            if not isinstance(portrait, dict) or not isinstance(seats, dict):
                raise TypeError("portrait and seats must be mappings")
            self.portrait.restore(portrait)
            self._recorder = DayRecorder.from_dict(recorder) if isinstance(recorder, dict) else None
            self.in_bed = _opt_bool(snapshot["in_bed"])
            presence = snapshot["presence"]
            if not isinstance(presence, dict):
                raise TypeError("presence must be a mapping")
            self._presence.restore(presence)
            self.seats = {str(k): bool(v) for k, v in seats.items()}
            self.away = bool(snapshot["away"])
            rssi = snapshot["wristband_rssi_dbm"]
            self.wristband_rssi_dbm = float(rssi) if isinstance(rssi, int | float) else None
            self.wristband_on_wrist = _opt_bool(snapshot["wristband_on_wrist"])
            for name in _TIME_FIELDS:
                setattr(self, name, opt_time(snapshot[name]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DetectorStateError(f"portrait tracker snapshot is damaged: {exc}") from exc


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _opt_bool(value: object) -> bool | None:
    return None if value is None else bool(value)
