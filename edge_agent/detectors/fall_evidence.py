"""The raised ``fall`` event and its evidence: what a care worker reads on the phone.

Example:
    >>> p = PendingFall(impact_at=1795489205.4, suspected_at=1795489208.0,
    ...                 deadline=1795489238.0, probability=0.97, source="accelerometer",
    ...                 features={"peak_g": 5.8, "orientation_change_deg": 84.0})
    >>> e = fall_event(p, still_s=31.0, cancel_window_s=30.0, detector="edge.fall/v1")
    >>> print(e.evidence.summary)
    suspected fall at 03:00:05 (impact 5.8 g, wrist turned 84°, still 31 s after);
    no "I'm OK" press within 30 s
    >>> from zoneinfo import ZoneInfo
    >>> fall_event(p, still_s=31.0, cancel_window_s=30.0, detector="edge.fall/v1",
    ...            tz=ZoneInfo("Asia/Shanghai")).evidence.summary[:26]
    'suspected fall at 11:00:05'
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from contracts.events import EventBody, EventType, Evidence
from edge_agent.detectors.fall_state import PendingFall

__all__ = ["fall_event"]


def _clock(ts: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%H:%M:%S")


def fall_event(
    p: PendingFall,
    *,
    still_s: float,
    cancel_window_s: float,
    detector: str,
    tz: tzinfo = UTC,
) -> EventBody:
    """The raised ``fall`` of a suspected fall nobody cancelled, explained with numbers
    (clock times in the summary are the home's, ``tz``; the values keep UTC)."""
    cancel_s = cancel_window_s
    f = p.features
    if f:
        how = (
            f"impact {f['peak_g']:.1f} g, wrist turned {f['orientation_change_deg']:.0f}°, "
            f"still {still_s:.0f} s after"
        )
    else:
        how = "flagged by the wristband itself (no accelerometer data)"
    if p.source == "accelerometer+band_flag":
        how += "; the band flagged a fall too"
    values: dict[str, float | int | bool | str] = {
        **f,
        "stillness_s": round(still_s, 1),
        "fall_probability": p.probability,
        "cancel_window_s": cancel_s,
        "impact_at": datetime.fromtimestamp(p.impact_at, UTC).isoformat(),
        "suspected_at": datetime.fromtimestamp(p.suspected_at, UTC).isoformat(),
        "source": p.source,
        "band_fall_flag": p.source != "accelerometer",
    }
    return EventBody.of(
        EventType.FALL,
        Evidence(
            summary=f'suspected fall at {_clock(p.impact_at, tz)} ({how}); no "I\'m OK" press '
            f"within {cancel_s:.0f} s",
            values=values,
        ),
        detector=detector,
    )
