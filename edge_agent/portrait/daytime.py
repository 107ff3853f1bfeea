"""Where an instant falls in the resident's local "portrait day".

A portrait day starts at ``boundary_hour`` local time (18:00 by default) and lasts until the
same hour the next day, so one night's sleep, its exits and the next morning's wake-up all
belong to the same day. Times of day are minutes after that boundary (0 … 1440), which keeps
"01:30" after "23:00" when taking quantiles of bedtimes.

Example:
    >>> from datetime import UTC, datetime
    >>> clock = DayClock("Europe/Madrid", boundary_hour=18)
    >>> now = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 02:30 in Madrid
    >>> clock.day_of(now), clock.minute_of_day(now), clock.clock_text(clock.minute_of_day(now))
    ('2026-11-23', 510.0, '02:30')
    >>> clock.day_start("2026-11-23").isoformat()
    '2026-11-23T18:00:00+01:00'
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["MINUTES_PER_DAY", "DayClock", "clock_text", "opt_time"]

MINUTES_PER_DAY = 1440


class DayClock:
    """Local-time arithmetic for one home (pure: the instant is always passed in)."""

    def __init__(self, timezone: str, *, boundary_hour: int = 18) -> None:
        """``timezone``: an IANA name such as ``Asia/Shanghai``.

        Raises:
            ValueError: the time zone is unknown or the boundary is not an hour of the day.
        """
        try:
            self._tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {timezone!r}: use an IANA name such as 'Asia/Shanghai'"
            ) from exc
        if not 0 <= boundary_hour <= 23:
            raise ValueError(f"boundary_hour must be 0..23, not {boundary_hour}")
        self._boundary = boundary_hour

    def local(self, now: datetime) -> datetime:
        """``now`` in the home's time zone."""
        return now.astimezone(self._tz)

    def day_of(self, now: datetime) -> str:
        """The ISO date of the portrait day ``now`` belongs to."""
        return (self.local(now) - timedelta(hours=self._boundary)).date().isoformat()

    def minute_of_day(self, now: datetime) -> float:
        """Minutes from the start of ``now``'s portrait day (wall-clock, 0 ≤ m < 1440 + DST)."""
        local = self.local(now).replace(tzinfo=None)
        start = datetime.combine(date.fromisoformat(self.day_of(now)), time(self._boundary))
        return (local - start).total_seconds() / 60

    def day_start(self, day: str) -> datetime:
        """The instant portrait day ``day`` starts (aware, in the home's zone)."""
        return datetime.combine(date.fromisoformat(day), time(self._boundary), tzinfo=self._tz)

    def at_minute(self, day: str, minute: float) -> datetime:
        """The instant ``minute`` minutes (wall-clock) after the start of ``day``."""
        naive = datetime.combine(date.fromisoformat(day), time(self._boundary))
        return (naive + timedelta(minutes=minute)).replace(tzinfo=self._tz)

    def clock_text(self, minute: float) -> str:
        """``HH:MM`` local wall-clock time of a minute-of-day."""
        return clock_text(minute, self._boundary)

    def local_hour(self, now: datetime) -> int:
        """The local hour of the day (0 … 23)."""
        return self.local(now).hour


def clock_text(minute: float, boundary_hour: int) -> str:
    """``HH:MM`` wall-clock time of ``minute`` minutes after a ``boundary_hour`` boundary."""
    total = round(boundary_hour * 60 + minute) % MINUTES_PER_DAY
    return f"{total // 60:02d}:{total % 60:02d}"


def opt_time(raw: object) -> datetime | None:
    """An ISO timestamp from a snapshot, or ``None`` (raises ``ValueError`` if malformed)."""
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None
