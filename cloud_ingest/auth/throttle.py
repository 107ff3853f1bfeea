"""Slows down password guessing: too many failed logins for one name lock it for a while.

Pure and clock-driven (the caller passes ``now``); one instance per API process, so with N
processes an attacker gets at most N times the allowance.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> throttle = LoginThrottle(max_failures=3, window=timedelta(minutes=15))
    >>> for i in range(3):
    ...     throttle.failed("wang.fang", t0 + timedelta(seconds=i))
    >>> throttle.locked_for("wang.fang", t0 + timedelta(minutes=1))
    datetime.timedelta(seconds=840)
    >>> throttle.locked_for("wang.fang", t0 + timedelta(minutes=16)) is None
    True
    >>> throttle.failed("li.min", t0); throttle.succeeded("li.min")
    >>> throttle.locked_for("li.min", t0) is None
    True
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

MAX_TRACKED_NAMES = 100_000
"""Bound on memory: the oldest names are forgotten first."""


class LoginThrottle:
    """Counts failed logins per name within a sliding window."""

    def __init__(self, *, max_failures: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self._max = max_failures
        self._window = window
        self._failures: dict[str, deque[datetime]] = {}

    def locked_for(self, name: str, now: datetime) -> timedelta | None:
        """How long ``name`` stays locked, or None if it may try now."""
        recent = self._recent(name, now)
        if len(recent) < self._max:
            return None
        return recent[0] + self._window - now

    def failed(self, name: str, now: datetime) -> None:
        """Record a failed attempt."""
        attempts = self._failures.get(name)
        if attempts is None:
            if len(self._failures) >= MAX_TRACKED_NAMES:
                self._failures.pop(next(iter(self._failures)))
            attempts = self._failures[name] = deque(maxlen=self._max)
        attempts.append(now)

    def succeeded(self, name: str) -> None:
        """Forget the failures of a name that logged in."""
        self._failures.pop(name, None)

    def _recent(self, name: str, now: datetime) -> deque[datetime]:
        attempts = self._failures.get(name)
        if attempts is None:
            return deque()
        while attempts and attempts[0] <= now - self._window:
            attempts.popleft()
        return attempts
