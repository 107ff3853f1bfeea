"""The limits the routine detectors apply, from the portrait once burned in, else defaults.

Each function returns the limit and where it came from (``Basis``), so every alert can say
"usual ≤ 12 min" or "default 30 min (not yet learned)". Times of day are minutes after the
portrait day's boundary.

Example:
    >>> from edge_agent.portrait.portrait import LifePortrait
    >>> from edge_agent.portrait.settings import RoutineSettings
    >>> s = RoutineSettings()
    >>> bed_exit_limit(LifePortrait(), s.bed_exit)
    Limit(value=30.0, basis=<Basis.DEFAULT: 'default'>, usual=None)
    >>> night_window(LifePortrait(), s.bed_exit, boundary_hour=18)
    (240.0, 720.0, <Basis.DEFAULT: 'default'>)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from edge_agent.portrait.daytime import MINUTES_PER_DAY
from edge_agent.portrait.portrait import LifePortrait
from edge_agent.portrait.settings import BedExitSettings, InactivitySettings, WakeSettings

__all__ = [
    "Basis",
    "Limit",
    "active_hours",
    "bed_exit_limit",
    "in_window",
    "inactivity_limit",
    "minute_of_hour",
    "night_window",
    "wake_limit",
]

_NIGHT_LEAD_MIN = 60.0
"""The learned night window opens this long before the earliest usual bedtime (p10)."""
_NIGHT_TAIL_MIN = 30.0
"""… and closes this long before the earliest usual wake time (p10): later exits may be the
resident getting up for the day."""


class Basis(StrEnum):
    """Where a limit came from."""

    LEARNED = "learned"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Limit:
    """A limit, its basis, and the learned 'usual' figure it was derived from (if any)."""

    value: float
    basis: Basis
    usual: float | None = None


def minute_of_hour(hour: float, boundary_hour: int) -> float:
    """Minutes after the day boundary of local clock ``hour`` (e.g. 22.5 = 22:30).

    >>> minute_of_hour(6.0, 18), minute_of_hour(22.0, 18)
    (720.0, 240.0)
    """
    return (hour * 60 - boundary_hour * 60) % MINUTES_PER_DAY


def in_window(minute: float, start: float, end: float) -> bool:
    """Whether ``minute`` (after the day boundary) lies in ``[start, end)``; a window whose
    start comes after its end wraps across the day boundary (a night window of 17:00-06:00
    with the portrait day starting at 18:00 starts at minute 1380 and ends at minute 720).

    >>> in_window(300, 240, 720), in_window(800, 240, 720)
    (True, False)
    >>> in_window(1400, 1380, 720), in_window(100, 1380, 720), in_window(900, 1380, 720)
    (True, True, False)
    """
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end


def bed_exit_limit(portrait: LifePortrait, s: BedExitSettings) -> Limit:
    """Minutes out of bed at night before "not back": learned quantile × factor, clamped."""
    exits = portrait.night_exits()
    if not portrait.burned_in or len(exits) < s.min_learned_exits:
        return Limit(s.default_limit_min, Basis.DEFAULT)
    usual = portrait.night_exit_quantile(s.learned_quantile) or 0.0
    value = min(max(usual * s.learned_factor, s.min_limit_min), s.max_limit_min)
    return Limit(round(value, 2), Basis.LEARNED, round(usual, 2))


def night_window(
    portrait: LifePortrait, s: BedExitSettings, *, boundary_hour: int
) -> tuple[float, float, Basis]:
    """``(start, end, basis)`` of the night window in which bed exits are watched."""
    bed = portrait.bedtime_quantile(0.1)
    wake = portrait.wake_quantile(0.1)
    if portrait.burned_in and bed is not None and wake is not None:
        return max(bed - _NIGHT_LEAD_MIN, 0.0), wake - _NIGHT_TAIL_MIN, Basis.LEARNED
    return (
        minute_of_hour(s.default_night_start_hour, boundary_hour),
        minute_of_hour(s.default_night_end_hour, boundary_hour),
        Basis.DEFAULT,
    )


def wake_limit(
    portrait: LifePortrait, s: WakeSettings, *, boundary_hour: int, bed_sensor: bool = True
) -> Limit:
    """Minute of the day by which the resident should be up: from learned wake times (out of
    bed), or without a bed sensor from learned rise times (first sign of life)."""
    times = portrait.wake_quantile if bed_sensor else portrait.rise_quantile
    late = times(s.wake_quantile)
    early = times(0.1)
    if not portrait.burned_in or late is None or early is None:
        return Limit(minute_of_hour(s.hard_limit_hour, boundary_hour), Basis.DEFAULT)
    margin = max(s.margin_min, s.spread_factor * (late - early))
    return Limit(round(late + margin, 2), Basis.LEARNED, round(late, 2))


def inactivity_limit(portrait: LifePortrait, s: InactivitySettings) -> Limit:
    """Minutes without a sign of life (at home, up, not seated) before an alert."""
    usual = portrait.longest_quiet_quantile(s.learned_quantile)
    if not portrait.burned_in or usual is None:
        return Limit(s.hard_limit_min, Basis.DEFAULT)
    value = min(max(usual * s.learned_factor, s.min_limit_min), s.max_limit_min)
    return Limit(round(value, 2), Basis.LEARNED, round(usual, 2))


def active_hours(portrait: LifePortrait, s: InactivitySettings) -> tuple[set[int], Basis]:
    """Local hours in which prolonged inactivity is watched."""
    if portrait.burned_in:
        return set(portrait.active_hours(s.active_share)), Basis.LEARNED
    start, end = s.default_active_from_hour, s.default_active_to_hour
    hours = {h % 24 for h in range(start, end + (24 if end < start else 0) + 1)}
    return hours, Basis.DEFAULT
