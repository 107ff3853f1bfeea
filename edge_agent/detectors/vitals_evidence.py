"""Reading clean-up and apnea evidence for the vitals detector (pure helpers).

Example:
    >>> from contracts.readings import MattressSource, MattressVitals
    >>> r = measured(MattressVitals(in_bed=True, heart_rate_bpm=0, resp_rate_br_min=15))
    >>> r.heart_rate_bpm, r.resp_rate_br_min
    (None, 15.0)
    >>> breath_state(MattressVitals(in_bed=True, heart_rate_bpm=60), good=True)
    (False, True)
"""

from __future__ import annotations

from datetime import datetime

from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.readings import MattressSource, MattressVitals

__all__ = ["apnea_event", "breath_state", "measured"]


def measured(reading: MattressVitals) -> MattressVitals:
    """The reading with a rate of 0 read as "not measured" (a firmware's usual unknown)."""
    zero_hr = reading.heart_rate_bpm is not None and reading.heart_rate_bpm <= 0
    zero_rr = reading.resp_rate_br_min is not None and reading.resp_rate_br_min <= 0
    if not zero_hr and not zero_rr:
        return reading
    return reading.model_copy(
        update={
            "heart_rate_bpm": None if zero_hr else reading.heart_rate_bpm,
            "resp_rate_br_min": None if zero_rr else reading.resp_rate_br_min,
        }
    )


def breath_state(reading: MattressVitals, *, good: bool) -> tuple[bool, bool]:
    """(breathing seen, breathing absent) from a good reading; both False when unknown.

    The reading's ``breathing_detected`` decides when present. A firmware reading without
    it counts as breathless when it has a heart rate but no breathing rate; an edge reading
    without it is unknown (an irregular breath gives no rate yet is not a pause).
    """
    if not good:
        return False, False
    if reading.breathing_detected is not None:
        return reading.breathing_detected, not reading.breathing_detected
    if reading.resp_rate_br_min is not None:
        return True, False
    firmware = reading.source is MattressSource.FIRMWARE
    return False, firmware and reading.heart_rate_bpm is not None


def apnea_event(
    reading: MattressVitals,
    *,
    pause_s: float,
    now: datetime,
    status: EventStatus,
    limit_s: float,
    detector: str,
) -> EventBody:
    hr = f"heart rate {reading.heart_rate_bpm:.0f} bpm" if reading.heart_rate_bpm else ""
    if status is EventStatus.RAISED:
        quality = (
            f"; signal quality {reading.signal_quality:.2f}"
            if reading.signal_quality is not None
            else ""
        )
        summary = (
            f"no breathing detected for {pause_s:.0f} s in bed (limit {limit_s:.0f} s) at "
            f"{now:%H:%M:%S}; {hr}{quality}"
        )
    elif reading.resp_rate_br_min is not None:
        summary = f"breathing again at {reading.resp_rate_br_min:.0f} /min at {now:%H:%M:%S}"
    else:
        summary = f"out of bed at {now:%H:%M:%S}: breathing no longer measured"
    values: dict[str, float | int | bool | str] = {"pause_s": round(pause_s, 1), "limit_s": limit_s}
    if reading.heart_rate_bpm is not None:
        values["heart_rate_bpm"] = reading.heart_rate_bpm
    if reading.signal_quality is not None:
        values["signal_quality"] = reading.signal_quality
    return EventBody.of(
        EventType.APNEA,
        Evidence(summary=summary, values=values),
        status=status,
        detector=detector,
    )
