"""Small robust statistics over short windows of days (pure, no numpy needed for ~30 values).

Example:
    >>> quantile([10.0, 20.0, 30.0, 40.0], 0.5)
    25.0
    >>> quantile([], 0.9) is None
    True
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["quantile"]


def quantile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (linear interpolation, as numpy's default); ``None`` if empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * min(max(q, 0.0), 1.0)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
