"""Outcome statistics (pure): false-alarm rate and response times per detector or resident.

Example:
    >>> rows = [("edge.fall/v1", "false_alarm", 30.0, None),
    ...         ("edge.fall/v1", "assisted_no_injury", 60.0, 600.0),
    ...         (None, "hospital", 20.0, 300.0)]
    >>> [(s["detector"], s["closed"], s["false_alarm_rate"]) for s in summarise(rows, "detector")]
    [('edge.fall/v1', 2, 0.5), ('unknown', 1, 0.0)]
    >>> summarise(rows, "detector")[0]["median_time_to_accept_s"]
    45.0
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from statistics import median
from typing import Any

from alerting.incidents.outcomes import FALSE_ALARM_OUTCOMES, OutcomeCode

StatRow = tuple[str | None, str | None, float | None, float | None]
"""(key, outcome, time to accept s, time to contact s) of one closed incident."""


def summarise(rows: Sequence[StatRow], by: str) -> list[dict[str, Any]]:
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
                "median_time_to_contact_s": median(contact) if contact else None,
            }
        )
    return sorted(result, key=lambda s: (-s["closed"], s[by]))
