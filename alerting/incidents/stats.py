"""Outcome statistics (pure): false-alarm rate and response times per detector or resident.

Example:
    >>> rows = [("edge.fall/v1", "false_alarm", 30.0, None),
    ...         ("edge.fall/v1", "assisted_no_injury", 60.0, 600.0),
    ...         (None, "hospital", 20.0, 300.0)]
    >>> [(s["detector"], s["closed"], s["false_alarm_rate"]) for s in summarise(rows, "detector")]
    [('edge.fall/v1', 2, 0.5), ('unknown', 1, 0.0)]
    >>> first = summarise(rows, "detector", target_accept_s=45)[0]
    >>> first["median_time_to_accept_s"], first["p95_time_to_accept_s"]
    (45.0, 60.0)
    >>> first["accepted_within_target_share"]
    0.5
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from statistics import median
from typing import Any

from alerting.incidents.outcomes import FALSE_ALARM_OUTCOMES, OutcomeCode

StatRow = tuple[str | None, str | None, float | None, float | None]
"""(key, outcome, time to accept s, time to contact s) of one closed incident."""


DEFAULT_TARGET_ACCEPT_S = 300.0
"""Response-time target: accepted within 5 minutes."""


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (``None`` for no values).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 95)
    (2.0, 4.0)
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(
    rows: Sequence[StatRow], by: str, *, target_accept_s: float = DEFAULT_TARGET_ACCEPT_S
) -> list[dict[str, Any]]:
    """One entry per key, most incidents first."""
    groups: dict[str, list[StatRow]] = defaultdict(list)
    for row in rows:
        groups[row[0] or "unknown"].append(row)
    false_codes = {c.value for c in FALSE_ALARM_OUTCOMES}
    result = []
    for key, items in groups.items():
        outcomes = Counter(r[1] or OutcomeCode.OTHER.value for r in items)
        accept = [r[2] for r in items if r[2] is not None]
        contact = [r[3] for r in items if r[3] is not None]
        false_alarms = sum(n for code, n in outcomes.items() if code in false_codes)
        result.append(
            {
                by: key,
                "closed": len(items),
                "outcomes": dict(sorted(outcomes.items())),
                "false_alarm_rate": round(false_alarms / len(items), 3),
                "median_time_to_accept_s": median(accept) if accept else None,
                "p95_time_to_accept_s": percentile(accept, 95),
                "accepted_within_target_share": (
                    round(sum(a <= target_accept_s for a in accept) / len(accept), 3)
                    if accept
                    else None
                ),
                "median_time_to_contact_s": median(contact) if contact else None,
                "p95_time_to_contact_s": percentile(contact, 95),
            }
        )
    return sorted(result, key=lambda s: (-s["closed"], s[by]))
