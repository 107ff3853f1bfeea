"""Sustained abnormal heart or breathing rate, and apnea, from mattress vitals: a pure detector.

Input: :class:`~contracts.readings.MattressVitals` about once a second, from the firmware or
from the edge's own BCG processing (``edge_agent.signal.bcg``). Only *good* readings count:
the bed occupied (debounced by :class:`~edge_agent.detectors.presence.PresenceTracker`), the
reading's own in-bed flag set, and ``signal_quality ≥ min_signal_quality`` (a firmware
reading without a quality figure is trusted: the firmware sends only numbers it stands by).
A missing number (NaN on the wire = ``None``, or a rate of 0, which vendor firmwares send for
"unknown") is never taken for an abnormal one.

Rules, per mattress (limits in :mod:`edge_agent.detectors.vitals_limits`, with sources):
    * ``hr_high`` / ``hr_low`` / ``rr_high`` / ``rr_low``: raised when, over the last
      ``sustain_s`` of continuous good readings (no gap > ``max_gap_s``, at least
      ``min_readings``), at least ``sustain_share`` of them are beyond the limit; cleared when
      that share is back inside the limit by the hysteresis margin;
    * ``apnea`` (critical): good readings saying no breathing is detected
      (``breathing_detected`` False — the edge processor sets it when the breathing swing
      has gone flat while the heartbeat stays clear; for firmware readings without it, a
      heart rate with no breathing rate) for ``apnea_s``; cleared when breathing is detected
      again or the resident is out of bed. A reading that cannot tell (movement, poor
      signal, irregular breathing) restarts the count: never an apnea from doubt. The edge
      estimate notices a pause ``breath_recent_s`` (10 s) after it begins, so with the
      defaults an apnea is raised about 30 s into the pause.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.readings import MattressVitals
    >>> d = VitalsDetector()
    >>> t0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    >>> out = []
    >>> for s in range(200):
    ...     r = MattressVitals(in_bed=True, heart_rate_bpm=64, resp_rate_br_min=14,
    ...                        signal_quality=0.9)
    ...     if s >= 60:
    ...         r = r.model_copy(update={"heart_rate_bpm": 134.0})
    ...     out += d.observe("mat-1", r, t0 + timedelta(seconds=s))
    >>> [(x.event.type.value, x.event.evidence.summary) for x in out]
    [('hr_high', 'heart rate 134 bpm over the last 2 min (80% of 121 readings above 120 bpm)
      at 02:02; signal quality 0.90')]
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.readings import DeviceReading, MattressSource, MattressVitals
from edge_agent.detectors.base import Detection
from edge_agent.detectors.presence import PresenceState
from edge_agent.detectors.vitals_evidence import apnea_event, breath_state, measured
from edge_agent.detectors.vitals_limits import VitalsSettings
from edge_agent.detectors.vitals_state import BedVitals, Series
from edge_agent.errors import DetectorStateError

__all__ = ["VitalsDetector", "VitalsSettings"]

DETECTOR_NAME = "edge.vitals/v1"
SNAPSHOT_VERSION = 1
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Rule:
    type_: EventType
    metric: str  # "hr" | "rr"
    above: bool

    def limit(self, s: VitalsSettings) -> float:
        if self.metric == "hr":
            return s.hr_high_bpm if self.above else s.hr_low_bpm
        return s.rr_high_br_min if self.above else s.rr_low_br_min

    def clear_level(self, s: VitalsSettings) -> float:
        if self.metric == "hr":
            return s.hr_clear_high_bpm if self.above else s.hr_clear_low_bpm
        return s.rr_clear_high_br_min if self.above else s.rr_clear_low_br_min

    def beyond(self, value: float, level: float) -> bool:
        return value > level if self.above else value < level


RULES = (
    _Rule(EventType.HR_HIGH, "hr", above=True),
    _Rule(EventType.HR_LOW, "hr", above=False),
    _Rule(EventType.RR_HIGH, "rr", above=True),
    _Rule(EventType.RR_LOW, "rr", above=False),
)
_WHAT = {
    "hr": ("heart rate", "bpm", "heart_rate_bpm"),
    "rr": ("breathing", "/min", "resp_rate_br_min"),
}


class VitalsDetector:
    """Raises hr_high/hr_low/rr_high/rr_low after sustained abnormal values, and apnea."""

    name = DETECTOR_NAME

    def __init__(self, settings: VitalsSettings | None = None, *, timezone: str = "UTC") -> None:
        """Use ``settings`` (the clinical defaults if omitted); ``timezone`` (IANA) is the
        home's, for the clock times care workers read in an alert."""
        self._s = settings or VitalsSettings()
        self._tz = ZoneInfo(timezone)
        self._beds: dict[str, BedVitals] = {}

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take one mattress reading; other readings are ignored."""
        if not isinstance(reading, MattressVitals):
            return []
        reading = measured(reading)
        bed = self._beds.setdefault(device_id, BedVitals.new())
        bed.presence.update(reading.in_bed, now)
        in_bed = bed.presence.state is PresenceState.IN_BED
        t = now.timestamp()
        good = in_bed and reading.in_bed and self._trusted(reading)
        for metric, value in (("hr", reading.heart_rate_bpm), ("rr", reading.resp_rate_br_min)):
            series = bed.series[metric]
            if good and value is not None:
                series.add(t, value, self._s.max_gap_s)
            series.trim(t - self._s.sustain_s)
        local = now.astimezone(self._tz)  # only for the clock time in a summary
        events = [e for rule in RULES if (e := self._judge(rule, bed, t, reading, local))]
        apnea = self._apnea(bed, reading=reading, good=good, in_bed=in_bed, t=t, now=local)
        events += [apnea] if apnea else []
        for event in events:
            _log.info("%s %s on %s", event.type.value, event.status.value, device_id)
        return [Detection(e, device_id) for e in events]

    def tick(self, now: datetime) -> list[Detection]:
        """Nothing here depends on time alone: every rule needs fresh good readings."""
        del now
        return []

    def _trusted(self, r: MattressVitals) -> bool:
        if r.signal_quality is None:
            return r.source is MattressSource.FIRMWARE
        return r.signal_quality >= self._s.min_signal_quality

    def _judge(
        self, rule: _Rule, bed: BedVitals, t: float, reading: MattressVitals, now: datetime
    ) -> EventBody | None:
        series = bed.series[rule.metric]
        if not series.covers(t, self._s.sustain_s, self._s.max_gap_s, self._s.min_readings):
            return None
        raised = rule.type_.value in bed.raised
        level = rule.clear_level(self._s) if raised else rule.limit(self._s)
        beyond = sum(rule.beyond(v, level) for v in series.values) / len(series.values)
        if not raised and beyond >= self._s.sustain_share:
            bed.raised.add(rule.type_.value)
            return self._event(
                rule,
                series=series,
                reading=reading,
                now=now,
                status=EventStatus.RAISED,
                share=beyond,
            )
        if raised and 1.0 - beyond >= self._s.sustain_share:
            bed.raised.discard(rule.type_.value)
            return self._event(
                rule,
                series=series,
                reading=reading,
                now=now,
                status=EventStatus.CLEARED,
                share=1.0 - beyond,
            )
        return None

    def _event(
        self,
        rule: _Rule,
        *,
        series: Series,
        reading: MattressVitals,
        now: datetime,
        status: EventStatus,
        share: float,
    ) -> EventBody:
        what, unit, key = _WHAT[rule.metric]
        median = statistics.median(series.values)
        minutes = self._s.sustain_s / 60
        quality = (
            f"signal quality {reading.signal_quality:.2f}"
            if reading.signal_quality is not None
            else "firmware reading"
        )
        if status is EventStatus.RAISED:
            summary = (
                f"{what} {median:.0f} {unit} over the last {minutes:.0f} min ({share:.0%} of "
                f"{len(series.values)} readings {'above' if rule.above else 'below'} "
                f"{rule.limit(self._s):.0f} {unit}) at {now:%H:%M}; {quality}"
            )
        else:
            summary = (
                f"{what} back to {median:.0f} {unit} over {minutes:.0f} min (clears "
                f"{'below' if rule.above else 'above'} {rule.clear_level(self._s):.0f} {unit})"
                f" at {now:%H:%M}"
            )
        values: dict[str, float | int | bool | str] = {
            f"median_{key}": round(median, 1),
            f"limit_{key}": rule.limit(self._s),
            f"clear_{key}": rule.clear_level(self._s),
            "window_s": self._s.sustain_s,
            "readings": len(series.values),
            "share": round(share, 3),
        }
        if reading.signal_quality is not None:
            values["signal_quality"] = reading.signal_quality
        return EventBody.of(
            rule.type_,
            Evidence(summary=summary, values=values),
            status=status,
            detector=DETECTOR_NAME,
        )

    def _apnea(
        self,
        bed: BedVitals,
        *,
        reading: MattressVitals,
        good: bool,
        in_bed: bool,
        t: float,
        now: datetime,
    ) -> EventBody | None:
        breathing, breathless = breath_state(reading, good=good)
        if breathless:
            bed.no_breath_since = bed.no_breath_since if bed.no_breath_since else t
            pause = t - bed.no_breath_since
            if not bed.apnea and pause >= self._s.apnea_s:
                bed.apnea = True
                return apnea_event(
                    reading,
                    pause_s=pause,
                    now=now,
                    status=EventStatus.RAISED,
                    limit_s=self._s.apnea_s,
                    detector=DETECTOR_NAME,
                )
            return None
        pause = t - bed.no_breath_since if bed.no_breath_since else 0.0
        bed.no_breath_since = None
        if bed.apnea and (breathing or not in_bed):
            bed.apnea = False
            return apnea_event(
                reading,
                pause_s=pause,
                now=now,
                status=EventStatus.CLEARED,
                limit_s=self._s.apnea_s,
                detector=DETECTOR_NAME,
            )
        return None

    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data."""
        return {
            "version": SNAPSHOT_VERSION,
            "beds": {k: bed.to_dict() for k, bed in sorted(self._beds.items())},
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with a :meth:`snapshot` (raises DetectorStateError)."""
        beds = snapshot.get("beds")
        if snapshot.get("version") != SNAPSHOT_VERSION or not isinstance(beds, dict):
            raise DetectorStateError(
                f"vitals detector snapshot has version {snapshot.get('version')!r}, expected "
                f"{SNAPSHOT_VERSION}: it will start from a blank state"
            )
        self._beds = {str(k): BedVitals.from_dict(v) for k, v in beds.items()}
