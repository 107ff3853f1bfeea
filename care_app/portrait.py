"""A resident's life portrait as pictures, from the bed's in-bed and movement series (pure).

From the last days of samples: the share of time in bed per hour of the day (the usual sleep
window is the longest run of hours in bed at least half the time, wrapping past midnight),
the night exits per night (out of bed between 22:00 and 06:00, home time), and the movement
in bed per hour.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    >>> times = [t0 + timedelta(minutes=30 * i) for i in range(48 * 2)]
    >>> def local_hour(t): return (t.hour + 8) % 24
    >>> in_bed = [(t, 1.0 if local_hour(t) >= 22 or local_hour(t) < 6 else 0.0) for t in times]
    >>> in_bed[13] = (in_bed[13][0], 0.0)  # out of bed around 02:30 on the first night
    >>> p = life_portrait(in_bed, [(t, 0.2) for t in times], "Asia/Shanghai")
    >>> p.sleep_window, p.nights, sorted(p.night_exits.values())
    ((22, 6), 2, [0, 1])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

Points = Sequence[tuple[datetime, float]]
NIGHT_START, NIGHT_END = 22, 6


@dataclass(frozen=True)
class Portrait:
    """What the resident page draws."""

    bed_share_by_hour: list[float]
    sleep_window: tuple[int, int] | None  # (from hour, to hour), home time
    night_exits: dict[str, int]  # night (the evening's date) -> exits
    movement_by_hour: list[float]
    nights: int  # nights with samples

    @property
    def sleep_hours(self) -> set[int]:
        """The hours of the usual sleep window."""
        if self.sleep_window is None:
            return set()
        start, end = self.sleep_window
        return {(start + i) % 24 for i in range((end - start) % 24 or 24)}


def _sleep_window(share: list[float]) -> tuple[int, int] | None:
    asleep = [s >= 0.5 for s in share]
    if not any(asleep):
        return None
    if all(asleep):
        return (0, 0)
    best: tuple[int, int] = (0, 0)
    for start in range(24):
        if asleep[start] and not asleep[start - 1]:
            length = 0
            while length < 24 and asleep[(start + length) % 24]:
                length += 1
            if length > best[1]:
                best = (start, length)
    return best[0], (best[0] + best[1]) % 24


def _night(local: datetime) -> str | None:
    if local.hour >= NIGHT_START:
        return local.date().isoformat()
    if local.hour < NIGHT_END:
        return (local - timedelta(days=1)).date().isoformat()
    return None


def life_portrait(in_bed: Points, movement: Points, timezone: str) -> Portrait | None:
    """The portrait of these samples (``None`` without any in-bed samples)."""
    if not in_bed:
        return None
    zone = ZoneInfo(timezone)
    hours: dict[int, list[float]] = defaultdict(list)
    exits: dict[str, int] = {}
    previous: float | None = None
    for at, value in sorted(in_bed):
        local = at.astimezone(zone)
        hours[local.hour].append(1.0 if value >= 0.5 else 0.0)
        night = _night(local)
        if night is not None:
            exits.setdefault(night, 0)
            if previous is not None and previous >= 0.5 and value < 0.5:
                exits[night] += 1
        previous = value
    share = [round(sum(v) / len(v), 3) if (v := hours.get(h)) else 0.0 for h in range(24)]
    moves: dict[int, list[float]] = defaultdict(list)
    for at, value in movement:
        moves[at.astimezone(zone).hour].append(value)
    movement_by_hour = [
        round(sum(v) / len(v), 3) if (v := moves.get(h)) else 0.0 for h in range(24)
    ]
    return Portrait(share, _sleep_window(share), exits, movement_by_hour, len(exits))
