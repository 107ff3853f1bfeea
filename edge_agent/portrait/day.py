"""One portrait day condensed: main sleep, night exits, active minutes per hour, quiet spells.

``DayRecorder`` collects a day as it happens (bed intervals, minutes with a sign of life,
long quiet spells while at home and not resting) and ``close()`` turns it into an immutable
``DayRecord`` that :class:`~edge_agent.portrait.portrait.LifePortrait` learns from. All times
are minutes after the portrait day's boundary (see :mod:`edge_agent.portrait.daytime`).

The main sleep is the block of in-bed intervals joined across gaps of at most
``merge_gap_min`` with the most time in bed; its gaps are the night exits.

Example:
    >>> main_sleep([(420.0, 500.0), (512.0, 960.0), (1200.0, 1230.0)])
    (420.0, 960.0, (12.0,))
    >>> r = DayRecorder("2026-11-23")
    >>> r.bed(420.0, True); r.bed(500.0, False); r.bed(512.0, True); r.bed(960.0, False)
    >>> r.active(970.0); r.active(970.5); r.active(1030.0)
    >>> rec = r.close()
    >>> rec.bedtime_min, rec.wake_min, rec.night_exits_min, sum(rec.active_minutes_by_hour)
    (420.0, 960.0, (12.0,), 2)
    >>> rec.rise_min  # the first sign of life after the day's longest silence (no bed needed)
    970.0
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from edge_agent.portrait.daytime import MINUTES_PER_DAY

__all__ = ["DayRecord", "DayRecorder", "main_sleep"]

_MAX_QUIET_SPELLS = 48
_MIN_NIGHT_MIN = 180
"""A spell without any sign of life this long is a night (its end is the rise time)."""


def main_sleep(
    intervals: Sequence[tuple[float, float]],
    *,
    merge_gap_min: float = 90.0,
    min_sleep_min: float = 120.0,
) -> tuple[float, float, tuple[float, ...]] | None:
    """``(bedtime, wake, night exit durations)`` of the main sleep, or ``None`` if no block
    holds at least ``min_sleep_min`` minutes in bed."""
    blocks: list[list[tuple[float, float]]] = []
    for start, end in sorted(intervals):
        if blocks and start - blocks[-1][-1][1] <= merge_gap_min:
            blocks[-1].append((start, end))
        else:
            blocks.append([(start, end)])
    best: list[tuple[float, float]] | None = None
    best_in_bed = 0.0
    for block in blocks:
        in_bed = sum(end - start for start, end in block)
        if in_bed > best_in_bed:
            best, best_in_bed = block, in_bed
    if best is None or best_in_bed < min_sleep_min:
        return None
    exits = tuple(round(b[0] - a[1], 3) for a, b in itertools.pairwise(best))
    return best[0][0], best[-1][1], exits


@dataclass(frozen=True, slots=True)
class DayRecord:
    """What one portrait day looked like (minutes after the day's boundary)."""

    day: str
    bedtime_min: float | None
    wake_min: float | None
    night_exits_min: tuple[float, ...]
    active_minutes_by_hour: tuple[int, ...]
    """Minutes with a sign of life, per local hour of the day (index 0 = 00:00–00:59)."""
    quiet_spells_min: tuple[float, ...]
    """Durations of quiet spells ≥ the recorder's threshold, awake, at home, not resting."""
    flagged: bool = False
    """The day raised an alert: it is never learned."""
    rise_min: float | None = None
    """End of the day's longest spell without any sign of life, if at least 3 h: when the
    resident was first up (what "not up" uses in a home without a bed sensor)."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "day": self.day,
            "bedtime_min": self.bedtime_min,
            "wake_min": self.wake_min,
            "night_exits_min": list(self.night_exits_min),
            "active_minutes_by_hour": list(self.active_minutes_by_hour),
            "quiet_spells_min": list(self.quiet_spells_min),
            "flagged": self.flagged,
            "rise_min": self.rise_min,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> DayRecord:
        """Inverse of :meth:`to_dict` (raises ``TypeError``/``ValueError`` on bad data)."""
        hours = [int(v) for v in _numbers(raw["active_minutes_by_hour"])]
        if len(hours) != 24:
            raise ValueError("active_minutes_by_hour must have 24 entries")
        return cls(
            day=str(raw["day"]),
            bedtime_min=_opt_float(raw.get("bedtime_min")),
            wake_min=_opt_float(raw.get("wake_min")),
            night_exits_min=tuple(_numbers(raw["night_exits_min"])),
            active_minutes_by_hour=tuple(hours),
            quiet_spells_min=tuple(_numbers(raw["quiet_spells_min"])),
            flagged=bool(raw.get("flagged", False)),
            rise_min=_opt_float(raw.get("rise_min")),
        )


@dataclass(slots=True)
class DayRecorder:
    """Collects the current portrait day; times are minutes after its boundary."""

    day: str
    boundary_hour: int = 18
    bed_intervals: list[list[float]] = field(default_factory=list)
    """``[start, end]`` pairs; an open interval has ``end == -1``."""
    active_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    """Distinct whole minutes with a sign of life, per local hour of the day."""
    last_active_minute: int = -1
    longest_gap: list[int] = field(default_factory=lambda: [0, 0])
    """``[length, end]`` in minutes of the longest spell between two signs of life."""
    quiet_spells: list[list[float]] = field(default_factory=list)
    """``[end minute, duration]`` of each quiet spell."""
    flagged: bool = False

    def bed(self, minute: float, in_bed: bool) -> None:
        """The resident got into (``True``) or out of bed at ``minute``."""
        if in_bed:
            if not self.bed_intervals or self.bed_intervals[-1][1] >= 0:
                self.bed_intervals.append([minute, -1.0])
        elif self.bed_intervals and self.bed_intervals[-1][1] < 0:
            self.bed_intervals[-1][1] = minute
        elif not self.bed_intervals:
            self.bed_intervals.append([0.0, minute])  # in bed since before the day began

    def active(self, minute: float) -> None:
        """A sign of life at ``minute`` (counted once per whole minute)."""
        whole = int(minute)
        if whole > self.last_active_minute:
            gap = whole - max(self.last_active_minute, 0)
            if gap > self.longest_gap[0]:
                self.longest_gap = [gap, whole]
            self.last_active_minute = whole
            self.active_by_hour[(self.boundary_hour + whole // 60) % 24] += 1

    def quiet(self, minute: float, duration_min: float) -> None:
        """A quiet spell (at home, out of bed, not seated) of ``duration_min`` ended at
        ``minute``."""
        if len(self.quiet_spells) < _MAX_QUIET_SPELLS:
            self.quiet_spells.append([float(int(minute)), round(duration_min, 3)])

    def close(self, end_minute: float = MINUTES_PER_DAY) -> DayRecord:
        """The finished day (an interval still open counts as ending at ``end_minute``)."""
        intervals = [(s, e if e >= 0 else end_minute) for s, e in self.bed_intervals]
        sleep = main_sleep(intervals)
        rise = float(self.longest_gap[1]) if self.longest_gap[0] >= _MIN_NIGHT_MIN else None
        return DayRecord(
            day=self.day,
            bedtime_min=sleep[0] if sleep else None,
            wake_min=sleep[1] if sleep else None,
            rise_min=rise,
            night_exits_min=sleep[2] if sleep else (),
            active_minutes_by_hour=tuple(self.active_by_hour),
            quiet_spells_min=tuple(
                duration
                for end, duration in self.quiet_spells
                if not (rise is not None and end == rise and duration >= _MIN_NIGHT_MIN)
            ),  # the night's silence of a home without a bed sensor is sleep, not inactivity
            flagged=self.flagged,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "day": self.day,
            "boundary_hour": self.boundary_hour,
            "bed_intervals": [list(i) for i in self.bed_intervals],
            "active_by_hour": list(self.active_by_hour),
            "last_active_minute": self.last_active_minute,
            "longest_gap": list(self.longest_gap),
            "quiet_spells": [list(q) for q in self.quiet_spells],
            "flagged": self.flagged,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> DayRecorder:
        """Inverse of :meth:`to_dict` (raises ``TypeError``/``ValueError`` on bad data)."""
        return cls(
            day=str(raw["day"]),
            boundary_hour=int(_numbers([raw["boundary_hour"]])[0]),
            bed_intervals=[_pair(v) for v in _seq(raw["bed_intervals"])],
            active_by_hour=[int(v) for v in _numbers(raw["active_by_hour"])],
            last_active_minute=int(_numbers([raw["last_active_minute"]])[0]),
            longest_gap=[int(v) for v in _pair(raw["longest_gap"])],
            quiet_spells=[_pair(v) for v in _seq(raw["quiet_spells"])],
            flagged=bool(raw["flagged"]),
        )


def _seq(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _numbers(value: object) -> list[float]:
    out = []
    for v in _seq(value):
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise TypeError(f"expected a number, got {type(v).__name__}")
        out.append(float(v))
    return out


def _pair(value: object) -> list[float]:
    pair = _numbers(value)
    if len(pair) != 2:
        raise ValueError("a bed interval is a [start, end] pair")
    return pair


def _opt_float(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)
