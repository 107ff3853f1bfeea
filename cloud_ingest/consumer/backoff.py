"""Exponential reconnect backoff (pure: the caller sleeps).

Example:
    >>> b = ReconnectBackoff(initial_s=0.5, max_s=4.0)
    >>> [b.next_delay_s() for _ in range(6)]
    [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    >>> b.reset(); b.next_delay_s()
    0.5
"""

from __future__ import annotations


class ReconnectBackoff:
    """Doubles the wait after each failed attempt, up to ``max_s``; ``reset`` on success."""

    def __init__(self, *, initial_s: float, max_s: float) -> None:
        if not 0 < initial_s <= max_s:
            raise ValueError("need 0 < initial_s <= max_s")
        self._initial_s = initial_s
        self._max_s = max_s
        self._next_s = initial_s

    def next_delay_s(self) -> float:
        """How long to wait before the next attempt."""
        delay = self._next_s
        self._next_s = min(self._next_s * 2, self._max_s)
        return delay

    def reset(self) -> None:
        """Start again from ``initial_s`` (after a successful connection)."""
        self._next_s = self._initial_s
