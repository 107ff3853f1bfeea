"""What the incident page shows of an event's evidence: charts of its signal and its numbers.

Example:
    >>> view = evidence_view({"summary": "fall", "signal_rate_hz": 2.0,
    ...     "signal": {"accel_g": [1.0, 3.2, 0.9, 1.0]},
    ...     "values": {"peak_g": 3.2, "source": "accelerometer", "impact_at": "x"}})
    >>> [c["label"] for c in view["charts"]], view["numbers"]
    (['Wrist acceleration'], [('Impact (g)', '3.2')])
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care_app.charts import line_chart
from care_app.labels import SIGNALS, UNITS, VALUES


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _marker_s(values: dict[str, Any]) -> float | None:
    start, impact = values.get("signal_start"), values.get("impact_at")
    if not (isinstance(start, str) and isinstance(impact, str)):
        return None
    try:
        return (datetime.fromisoformat(impact) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None


def evidence_view(evidence: dict[str, Any] | None) -> dict[str, Any]:
    """Summary, one chart per signal channel (message-id labels) and the numeric values
    (known ones first, labelled; others under their own names)."""
    if not evidence:
        return {"summary": None, "charts": [], "numbers": []}
    values: dict[str, Any] = evidence.get("values") or {}
    rate = evidence.get("signal_rate_hz")
    charts = []
    for channel, samples in (evidence.get("signal") or {}).items():
        svg = (
            line_chart(
                samples,
                rate_hz=float(rate),
                label=SIGNALS.get(channel, channel),
                unit=UNITS.get(channel, ""),
                marker_s=_marker_s(values),
            )
            if rate
            else ""
        )
        if svg:
            charts.append({"label": SIGNALS.get(channel, channel), "svg": svg})
    known = [(VALUES[k], _number(values[k])) for k in VALUES if k in values]
    other = [(k, _number(v)) for k, v in values.items() if k not in VALUES]
    numbers = [(label, text) for label, text in known + other if text is not None]
    return {"summary": evidence.get("summary"), "charts": charts, "numbers": numbers}
