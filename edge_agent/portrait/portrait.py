"""The learned routine of one resident: robust statistics over a window of recent days.

River style: :meth:`LifePortrait.learn_one` takes one finished :class:`DayRecord`; a day that
raised an alert (``flagged``) or that holds almost no data (gateway off, resident away) is
never learned, so the portrait never absorbs its own anomalies. Until ``burn_in_days`` days
are learned the portrait is not ``burned_in`` and detectors use only their hard limits.

Example:
    >>> from edge_agent.portrait.day import DayRecord
    >>> p = LifePortrait(burn_in_days=2)
    >>> hours = tuple(30 if 8 <= h <= 21 else 0 for h in range(24))
    >>> for i, wake in enumerate([780.0, 800.0, 840.0]):
    ...     p.learn_one(DayRecord(f"2026-11-0{i + 1}", 300.0, wake, (8.0, 12.0), hours, (95.0,)))
    True
    True
    True
    >>> p.burned_in, p.wake_quantile(0.9), p.night_exit_quantile(0.95)
    (True, 832.0, 12.0)
    >>> p.learn_one(DayRecord("2026-11-04", 300.0, 1100.0, (), hours, (), flagged=True))
    False
    >>> p.summary()["usual_wake"]
    {'median': '07:20', 'p90': '07:52'}
"""

from __future__ import annotations

from collections import deque

from edge_agent.errors import DetectorStateError
from edge_agent.portrait.day import DayRecord
from edge_agent.portrait.daytime import clock_text
from edge_agent.portrait.stats import quantile

__all__ = ["LifePortrait"]

_MIN_ACTIVE_MINUTES = 10
"""A day with fewer minutes showing a sign of life and no sleep holds too little to learn."""


class LifePortrait:
    """Per-resident usual bedtime, wake time, night exits and activity by hour of day."""

    def __init__(
        self,
        *,
        window_days: int = 28,
        burn_in_days: int = 7,
        boundary_hour: int = 18,
    ) -> None:
        """Learn over the last ``window_days`` usable days; trust it after ``burn_in_days``."""
        self._window = window_days
        self._burn_in = burn_in_days
        self._boundary = boundary_hour
        self._days: deque[DayRecord] = deque(maxlen=window_days)

    def learn_one(self, record: DayRecord) -> bool:
        """Learn one finished day; ``False`` if it was flagged or too empty to learn."""
        if record.flagged:
            return False
        if record.wake_min is None and sum(record.active_minutes_by_hour) < _MIN_ACTIVE_MINUTES:
            return False
        self._days.append(record)
        return True

    @property
    def days_learned(self) -> int:
        """How many days the portrait holds."""
        return len(self._days)

    @property
    def burned_in(self) -> bool:
        """Enough days learned for the learned limits to apply."""
        return len(self._days) >= self._burn_in

    def wake_quantile(self, q: float) -> float | None:
        """Quantile of wake times (minutes after the day boundary)."""
        return quantile([d.wake_min for d in self._days if d.wake_min is not None], q)

    def rise_quantile(self, q: float) -> float | None:
        """Quantile of rise times: the first sign of life after each day's longest silence."""
        return quantile([d.rise_min for d in self._days if d.rise_min is not None], q)

    def bedtime_quantile(self, q: float) -> float | None:
        """Quantile of bedtimes (minutes after the day boundary)."""
        return quantile([d.bedtime_min for d in self._days if d.bedtime_min is not None], q)

    def night_exits(self) -> list[float]:
        """Every learned night-exit duration (minutes), pooled over the window."""
        return [x for d in self._days for x in d.night_exits_min]

    def night_exit_quantile(self, q: float) -> float | None:
        """Quantile of night-exit durations in minutes (``None`` before any exit)."""
        return quantile(self.night_exits(), q)

    def longest_quiet_quantile(self, q: float) -> float | None:
        """Quantile, over learned days, of each day's longest quiet spell (0 if none)."""
        if not self._days:
            return None
        return quantile([max(d.quiet_spells_min, default=0.0) for d in self._days], q)

    def activity_share_by_hour(self) -> list[float]:
        """Per local hour, the share of learned days with at least one active minute."""
        n = len(self._days)
        if n == 0:
            return [0.0] * 24
        return [
            round(sum(1 for d in self._days if d.active_minutes_by_hour[h] > 0) / n, 3)
            for h in range(24)
        ]

    def active_hours(self, min_share: float = 0.5) -> list[int]:
        """Local hours in which the resident was active on at least ``min_share`` of days."""
        return [h for h, s in enumerate(self.activity_share_by_hour()) if s >= min_share]

    def summary(self) -> dict[str, object]:
        """What the cloud and the app show: JSON-ready, local ``HH:MM`` times."""
        exits_per_night = quantile(
            [float(len(d.night_exits_min)) for d in self._days if d.wake_min is not None], 0.5
        )
        return {
            "days_learned": self.days_learned,
            "burned_in": self.burned_in,
            "usual_bedtime": {
                "median": self._text(self.bedtime_quantile(0.5)),
                "p10": self._text(self.bedtime_quantile(0.1)),
            },
            "usual_wake": {
                "median": self._text(self.wake_quantile(0.5)),
                "p90": self._text(self.wake_quantile(0.9)),
            },
            "usual_first_up": {
                "median": self._text(self.rise_quantile(0.5)),
                "p90": self._text(self.rise_quantile(0.9)),
            },
            "night_exits_per_night_median": exits_per_night,
            "night_exit_p90_min": _round(self.night_exit_quantile(0.9)),
            "longest_quiet_p90_min": _round(self.longest_quiet_quantile(0.9)),
            "activity_share_by_hour": self.activity_share_by_hour(),
            "active_hours": self.active_hours(),
        }

    def _text(self, minute: float | None) -> str | None:
        return None if minute is None else clock_text(minute, self._boundary)

    def snapshot(self) -> dict[str, object]:
        """The learned days as JSON-ready data."""
        return {"days": [d.to_dict() for d in self._days]}

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the learned days (raises ``DetectorStateError`` on damaged data)."""
        raw = snapshot.get("days")
        if not isinstance(raw, list):
            raise DetectorStateError("life portrait snapshot has no list of days")
        try:
            days = [DayRecord.from_dict(d) for d in raw if isinstance(d, dict)]
        except (KeyError, TypeError, ValueError) as exc:
            raise DetectorStateError(f"life portrait snapshot is damaged: {exc}") from exc
        if len(days) != len(raw):
            raise DetectorStateError("life portrait snapshot holds a day that is not a mapping")
        self._days = deque(days, maxlen=self._window)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
