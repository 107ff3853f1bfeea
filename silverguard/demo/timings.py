"""The demo's detection timings: the example home's limits, shortened so each scenario takes
seconds instead of the real minutes (a fall's "I'm OK" window 30 s → 5 s, a heart rate held
2 min → 10 s, out of bed 30 min → 15 s), and the night window placed around the current
hour so the night-exit scenario counts as night whenever the demo runs.

Production limits are the ones in ``deploy/examples/edge.yaml``; nothing here is used outside
the demo.

Example:
    >>> from datetime import UTC, datetime
    >>> from edge_agent.detectors.settings import DetectionSettings
    >>> d = demo_detection(DetectionSettings(), now=datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    >>> d.fall.cancel_window_s, d.vitals.sustain_s, d.routine.bed_exit.default_limit_min
    (5.0, 10.0, 0.25)
    >>> (d.routine.bed_exit.default_night_start_hour, d.routine.bed_exit.default_night_end_hour)
    (10.0, 13.0)
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from edge_agent.detectors.settings import DetectionSettings

__all__ = ["demo_detection"]


def demo_detection(
    settings: DetectionSettings, *, now: datetime | None = None
) -> DetectionSettings:
    """``settings`` with the demo's short timings (see the module docstring)."""
    zone = ZoneInfo(settings.routine.portrait.timezone)
    hour = (now or datetime.now(UTC)).astimezone(zone).hour
    routine = settings.routine
    bed_exit = routine.bed_exit.model_copy(
        update={
            "default_limit_min": 0.25,
            "min_limit_min": 0.1,
            "default_night_start_hour": float((hour - 1) % 24),
            "default_night_end_hour": float((hour + 2) % 24),
        }
    )
    return settings.model_copy(
        update={
            "fall": settings.fall.model_copy(update={"cancel_window_s": 5.0}),
            "vitals": settings.vitals.model_copy(update={"sustain_s": 10.0, "min_readings": 5}),
            "routine": routine.model_copy(update={"bed_exit": bed_exit}),
        }
    )
