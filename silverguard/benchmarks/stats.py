"""Latency summaries shared by the benchmarks.

Example:
    >>> latency_summary([0.010, 0.020, 0.030, 0.040])
    {'n': 4, 'p50_ms': 25.0, 'p95_ms': 40.0, 'p99_ms': 40.0, 'max_ms': 40.0}
    >>> latency_summary([])
    {'n': 0, 'p50_ms': None, 'p95_ms': None, 'p99_ms': None, 'max_ms': None}
"""

from __future__ import annotations

import math
import statistics

__all__ = ["latency_summary", "percentile"]


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0 < q ≤ 100) of non-empty ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, float | int | None]:
    """n, p50 (median), p95, p99 and max in milliseconds, rounded to 0.1 ms."""
    if not seconds:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}

    def ms(value: float) -> float:
        return round(value * 1000, 1)

    return {
        "n": len(seconds),
        "p50_ms": ms(statistics.median(seconds)),
        "p95_ms": ms(percentile(seconds, 95)),
        "p99_ms": ms(percentile(seconds, 99)),
        "max_ms": ms(max(seconds)),
    }
