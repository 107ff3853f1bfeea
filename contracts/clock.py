"""Clocks to inject: components never read the wall clock directly, so tests can move time.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> clock = FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    >>> clock.advance(timedelta(minutes=20))
    >>> clock.now().isoformat()
    '2026-11-24T03:20:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time (always timezone-aware UTC)."""

    def now(self) -> datetime:
        """The current time."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start

    def now(self) -> datetime:
        """The time set last."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._now += delta
