"""``silverguard eval falls``: the fall detector on WEDA-FALL, as a home would run it.

Each recording is cut into 1 s blocks like the wristband sends (timestamps kept as
recorded: irregular, bursty) and played through the SAME :class:`FallDetector` with
``observe``/``tick`` on a fake clock; after the last sample the clock goes on ticking once a
second past the cancel window, so a suspected fall is raised (nobody presses "I'm OK").

Scoring:
    * a fall recording (F01–F08) is detected when a ``fall`` is raised whose impact lies in
      the hand-marked window ± :data:`WINDOW_MARGIN_S`; a fall raised elsewhere in it is a
      false alarm, counted apart;
    * a daily-activity recording (D01–D11, including the elderly subjects U21–U26) is a true
      negative when no ``fall`` is raised at all;
    * delays are given from the marked fall start and from the impact the detector found, to
      the moment the fall was *suspected* (the cancel window opens: 2.5 s of data after the
      impact plus the block that carries them) and to the moment it was *raised* (suspected +
      the whole cancel window, since nobody presses "I'm OK" in a recording);
    * with a trained model, every subject is scored by a model fitted without that subject
      (leave-one-subject-out), never by the committed model that saw it.

Example:
    >>> summarise([]) ["goals"]
    {'sensitivity': 0.95, 'specificity': 0.98}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from contracts.events import EventStatus, EventType
from contracts.readings import WristbandAccelBlock
from edge_agent.detectors.base import Detection, Detector
from edge_agent.detectors.fall import FallDetector, FallSettings
from edge_agent.detectors.fall_model import FallModel
from silverguard.evaluation.errors import EvaluationError
from silverguard.evaluation.falls_data import WedaRecording
from silverguard.evaluation.falls_train import WINDOW_MARGIN_S, ImpactExample, train

__all__ = [
    "GOALS",
    "RecordingResult",
    "evaluate",
    "play_recording",
    "summarise",
]

GOALS = {"sensitivity": 0.95, "specificity": 0.98}
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
BLOCK_S = 1.0
BAND_ID = "band-weda"


@dataclass(frozen=True, slots=True)
class RaisedFall:
    """One raised fall, in seconds from the recording's start."""

    impact_s: float
    suspected_s: float
    raised_s: float


@dataclass(frozen=True, slots=True)
class RecordingResult:
    """What the detector did on one recording."""

    key: str
    activity: str
    subject: str
    fall_window_s: tuple[float, float] | None
    raised: list[RaisedFall] = field(default_factory=list)

    def in_window(self) -> list[RaisedFall]:
        """The raised falls whose impact is in the marked window (± margin)."""
        if self.fall_window_s is None:
            return []
        lo, hi = self.fall_window_s[0] - WINDOW_MARGIN_S, self.fall_window_s[1] + WINDOW_MARGIN_S
        return [r for r in self.raised if lo <= r.impact_s <= hi]

    @property
    def positive(self) -> bool:
        """Fall recordings: detected in the window; daily activities: any fall raised."""
        return bool(self.in_window()) if self.fall_window_s is not None else bool(self.raised)


def _blocks(rec: WedaRecording) -> list[tuple[float, WristbandAccelBlock]]:
    t = rec.t_s
    edges = np.floor((t - t[0]) / BLOCK_S).astype(int)
    out: list[tuple[float, WristbandAccelBlock]] = []
    for k in np.unique(edges):
        sel = edges == k
        ts = t[sel]
        xyz = rec.xyz_m_s2[sel]
        block = WristbandAccelBlock(
            sample_rate_hz=50,
            t_offsets_s=[round(float(v - ts[0]), 6) for v in ts],
            x_m_s2=xyz[:, 0].tolist(),
            y_m_s2=xyz[:, 1].tolist(),
            z_m_s2=xyz[:, 2].tolist(),
        )
        out.append((float(ts[-1]), block))
    return out


def _seconds(value: object) -> float:
    return (datetime.fromisoformat(str(value)) - T0).total_seconds()


def play_recording(
    rec: WedaRecording, detector: Detector, *, cancel_window_s: float
) -> RecordingResult:
    """Play ``rec`` through ``detector`` (fake clock) and collect the falls it raised."""
    detections: list[tuple[float, Detection]] = []
    last = 0.0
    for end_s, block in _blocks(rec):
        now = T0 + timedelta(seconds=end_s)
        detections += [(end_s, d) for d in detector.observe(BAND_ID, block, now)]
        detections += [(end_s, d) for d in detector.tick(now)]
        last = end_s
    for k in range(1, int(cancel_window_s + 10) + 1):
        detections += [(last + k, d) for d in detector.tick(T0 + timedelta(seconds=last + k))]
    raised = [
        RaisedFall(
            impact_s=round(_seconds(d.event.evidence.values["impact_at"]), 3),
            suspected_s=round(_seconds(d.event.evidence.values["suspected_at"]), 3),
            raised_s=round(at, 3),
        )
        for at, d in detections
        if d.event.type is EventType.FALL and d.event.status is EventStatus.RAISED
    ]
    return RecordingResult(rec.key, rec.activity, rec.subject, rec.fall_window_s, raised)


def evaluate(
    recordings: Sequence[WedaRecording],
    *,
    settings: FallSettings,
    model_for: Callable[[str], FallModel],
) -> list[RecordingResult]:
    """Play every recording through a fresh detector using ``model_for(subject)``."""
    results = []
    for rec in recordings:
        detector = FallDetector(settings, model_for(rec.subject))
        results.append(play_recording(rec, detector, cancel_window_s=settings.cancel_window_s))
    return results


def leave_one_subject_out(examples: Sequence[ImpactExample]) -> Callable[[str], FallModel]:
    """``model_for(subject)``: the model trained on every other subject's impacts (cached)."""
    cache: dict[str, FallModel] = {}

    def model_for(subject: str) -> FallModel:
        if subject not in cache:
            try:
                cache[subject] = train([e for e in examples if e.subject != subject])
            except ValueError as exc:
                raise EvaluationError(
                    f"cannot train a model without subject {subject}: {exc}; give --weda a "
                    "directory with falls of other subjects, or use --model committed"
                ) from exc
        return cache[subject]

    return model_for


def _pct(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarise(results: Sequence[RecordingResult]) -> dict[str, object]:
    """Sensitivity, specificity, per-activity confusion and delays, next to the goals."""
    falls = [r for r in results if r.fall_window_s is not None]
    adls = [r for r in results if r.fall_window_s is None]
    tp = sum(r.positive for r in falls)
    fp = sum(r.positive for r in adls)
    elderly = [r for r in adls if r.subject >= "U21"]
    firsts = [min(r.in_window(), key=lambda x: x.raised_s) for r in falls if r.positive]
    to_suspected = [
        f.suspected_s - r.fall_window_s[0]  # type: ignore[index]
        for r, f in zip([r for r in falls if r.positive], firsts, strict=True)
    ]
    to_raised = [
        f.raised_s - r.fall_window_s[0]  # type: ignore[index]
        for r, f in zip([r for r in falls if r.positive], firsts, strict=True)
    ]
    per_activity: dict[str, dict[str, object]] = {}
    for act in sorted({r.activity for r in results}):
        rs = [r for r in results if r.activity == act]
        pos = sum(r.positive for r in rs)
        kind = "fall" if rs[0].fall_window_s is not None else "adl"
        per_activity[act] = {
            "kind": kind,
            "recordings": len(rs),
            "fall_raised": pos,
            "no_fall_raised": len(rs) - pos,
            "rate": _rate(pos if kind == "fall" else len(rs) - pos, len(rs)),
        }
    return {
        "recordings": len(results),
        "subjects": sorted({r.subject for r in results}),
        "falls": {"recordings": len(falls), "detected": tp, "missed": len(falls) - tp},
        "adls": {"recordings": len(adls), "false_alarms": fp, "true_negatives": len(adls) - fp},
        "sensitivity": _rate(tp, len(falls)),
        "specificity": _rate(len(adls) - fp, len(adls)),
        "specificity_elderly_u21_u26": _rate(
            len(elderly) - sum(r.positive for r in elderly), len(elderly)
        ),
        "false_alarms_in_fall_recordings_outside_window": sum(
            len(r.raised) - len(r.in_window()) for r in falls
        ),
        "delay_from_marked_start_s": {
            "to_suspected_p50": _pct(to_suspected, 50),
            "to_suspected_p95": _pct(to_suspected, 95),
            "to_raised_p50": _pct(to_raised, 50),
            "to_raised_p95": _pct(to_raised, 95),
        },
        "delay_from_detected_impact_s": {
            "to_suspected_p50": _pct([f.suspected_s - f.impact_s for f in firsts], 50),
            "to_suspected_p95": _pct([f.suspected_s - f.impact_s for f in firsts], 95),
            "to_raised_p50": _pct([f.raised_s - f.impact_s for f in firsts], 50),
            "to_raised_p95": _pct([f.raised_s - f.impact_s for f in firsts], 95),
        },
        "per_activity": per_activity,
        "goals": GOALS,
    }


def result_rows(results: Sequence[RecordingResult]) -> list[dict[str, object]]:
    """Per-recording results as JSON-ready rows."""
    return [asdict(r) | {"positive": r.positive} for r in results]
