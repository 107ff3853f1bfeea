"""``silverguard eval vitals``: the edge's BCG processing against real ECG and respiration.

For each PhysioNet record (see :mod:`silverguard.evaluation.physionet` for how beats and
breathing are read), a mattress stream is synthesised from the real R-peaks and the real
respiration signal (:mod:`silverguard.evaluation.bcg_synth`: J-wave 0.2 s after each R-peak,
modulated by respiration, movement bursts and noise, seeded), cut into 1 s
:class:`~contracts.readings.MattressRawBlock` s and fed through the very
:class:`~edge_agent.signal.bcg.RawMattressProcessor` the edge agent runs. Each reading it
gives (one a second, over the last 30 s) is compared with the reference over the same
30 s window; windows before the first full 30 s are left out.

References:
    * heart rate: 60 / mean interval between consecutive reference beats in the window,
      after dropping intervals shorter than 0.4 × or longer than 1.8 × the window's median
      (an extra or a missed detection; wide enough to keep the real spread of atrial
      fibrillation);
    * breathing rate: breaths are the peaks of the respiration signal band-passed to
      0.05–1 Hz (at least 1.5 s apart, prominence ≥ 30 % of the record's 5–95 % range);
      rate = 60 × (breaths − 1) / (time from first to last breath in the window), with at
      least 3 breaths in the window.

Figures: mean absolute error where both the estimate and the reference exist, and coverage
= share of windows with an estimate. Goals (issue 4): HR MAE ≤ 2 bpm, RR MAE ≤ 1 /min,
coverage ≥ 80 %.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from contracts.readings import MattressRawBlock
from edge_agent.signal.bcg import RawMattressProcessor
from silverguard.evaluation.bcg_synth import synthesize_bcg
from silverguard.evaluation.physionet import load_record

__all__ = ["GOALS", "RecordFigures", "evaluate_record", "reference_hr", "reference_rr"]

GOALS = {"hr_mae_bpm": 2.0, "rr_mae_br_min": 1.0, "coverage": 0.8}
WINDOW_S = 30.0
BCG_RATE_HZ = 100.0
_EPOCH = datetime(2026, 11, 24, tzinfo=UTC)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RecordFigures:
    """The figures of one record (None where nothing could be compared)."""

    record: str
    beat_source: str
    duration_s: float
    windows: int
    movement_bursts: int
    hr_mae_bpm: float | None
    hr_coverage: float
    hr_reference_mean_bpm: float | None
    rr_mae_br_min: float | None
    rr_coverage: float | None
    """None for a record without a respiration signal (nothing to score against)."""
    rr_reference_mean_br_min: float | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)


def reference_hr(beats_s: FloatArray, start_s: float, end_s: float) -> float:
    """Reference heart rate (bpm) of the window, from cleaned beat-to-beat intervals.

    >>> round(reference_hr(np.array([0.0, 0.5, 1.0, 2.0, 2.5, 3.0]), 0.0, 3.0), 1)
    120.0
    """
    inside = beats_s[(beats_s >= start_s) & (beats_s <= end_s)]
    intervals = np.diff(inside)
    if intervals.size < 2:
        return float("nan")
    median = float(np.median(intervals))
    clean = intervals[(intervals >= 0.4 * median) & (intervals <= 1.8 * median)]
    return 60.0 / float(clean.mean()) if clean.size else float("nan")


def breath_times(resp: FloatArray, rate_hz: float) -> FloatArray:
    """Times (s) of the breaths (peaks) in a respiration signal."""
    sos = signal.butter(2, [0.05, 1.0], btype="bandpass", fs=rate_hz, output="sos")
    smooth = signal.sosfiltfilt(sos, resp)
    lo, hi = np.percentile(smooth, [5, 95])
    peaks, _ = signal.find_peaks(
        smooth, distance=max(round(1.5 * rate_hz), 1), prominence=0.3 * (hi - lo)
    )
    times: FloatArray = peaks.astype(np.float64) / rate_hz
    return times


def reference_rr(breaths_s: FloatArray, start_s: float, end_s: float) -> float:
    """Reference breathing rate (/min) of the window from the breaths inside it.

    >>> reference_rr(np.array([1.0, 5.0, 9.0, 13.0]), 0.0, 30.0)
    15.0
    """
    inside = breaths_s[(breaths_s >= start_s) & (breaths_s <= end_s)]
    if inside.size < 3:
        return float("nan")
    return 60.0 * (inside.size - 1) / float(inside[-1] - inside[0])


def evaluate_record(
    path: Path, *, seed: int = 0, start_s: float = 0.0, duration_s: float | None = None
) -> RecordFigures:
    """Synthesise the mattress stream of one record, run the edge processor, score it."""
    rec = load_record(path, start_s=start_s, duration_s=duration_s)
    bcg = synthesize_bcg(
        rec.beat_times_s, rec.resp, rec.rate_hz, duration_s=rec.duration_s, seed=seed
    )
    hr_est, rr_est, ends = _run_processor(bcg.samples)
    breaths = breath_times(rec.resp, rec.rate_hz) if rec.resp is not None else None
    hr_ref = np.array([reference_hr(rec.beat_times_s, e - WINDOW_S, e) for e in ends])
    rr_ref = np.array(
        [reference_rr(breaths, e - WINDOW_S, e) if breaths is not None else np.nan for e in ends]
    )
    return RecordFigures(
        record=rec.name,
        beat_source=rec.beat_source,
        duration_s=round(rec.duration_s, 1),
        windows=len(ends),
        movement_bursts=len(bcg.movement_s),
        hr_mae_bpm=_mae(hr_est, hr_ref),
        hr_coverage=_coverage(hr_est),
        hr_reference_mean_bpm=_mean(hr_ref),
        rr_mae_br_min=_mae(rr_est, rr_ref) if rec.resp is not None else None,
        rr_coverage=_coverage(rr_est) if rec.resp is not None else None,
        rr_reference_mean_br_min=_mean(rr_ref),
    )


def _run_processor(samples: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per full window: (HR estimate, RR estimate, window end s); NaN where none."""
    processor = RawMattressProcessor(BCG_RATE_HZ, window_s=WINDOW_S)
    block = round(BCG_RATE_HZ)
    hr, rr, ends = [], [], []
    for i in range(0, samples.size - block + 1, block):
        raw = MattressRawBlock(
            sample_rate_hz=BCG_RATE_HZ,
            first_sample_seq=i,
            samples=samples[i : i + block].tolist(),
        )
        for reading in processor.push(raw, _EPOCH):
            end_s = (i + block) / BCG_RATE_HZ
            if end_s < WINDOW_S:
                continue
            hr.append(np.nan if reading.heart_rate_bpm is None else reading.heart_rate_bpm)
            rr.append(np.nan if reading.resp_rate_br_min is None else reading.resp_rate_br_min)
            ends.append(end_s)
    return np.array(hr), np.array(rr), np.array(ends)


def _mae(est: FloatArray, ref: FloatArray) -> float | None:
    both = ~np.isnan(est) & ~np.isnan(ref)
    return round(float(np.abs(est[both] - ref[both]).mean()), 3) if both.any() else None


def _coverage(est: FloatArray) -> float:
    return round(float((~np.isnan(est)).mean()), 3) if est.size else 0.0


def _mean(x: FloatArray) -> float | None:
    ok = ~np.isnan(x)
    return round(float(x[ok].mean()), 2) if ok.any() else None


def overall(figures: list[RecordFigures]) -> dict[str, float | None]:
    """Window-weighted figures over all records."""

    def weighted(attr: str) -> float | None:
        pairs = [(getattr(f, attr), f.windows) for f in figures if getattr(f, attr) is not None]
        weight = sum(w for _, w in pairs)
        return round(sum(v * w for v, w in pairs) / weight, 3) if weight else None

    return {name: weighted(name) for name in _OVERALL}


_OVERALL = ("hr_mae_bpm", "hr_coverage", "rr_mae_br_min", "rr_coverage")
