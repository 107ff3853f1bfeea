"""One window of raw mattress BCG → heart rate, breathing rate, presence, movement (vectorised).

A ballistocardiogram (BCG) records the body's recoil to each heartbeat (the H-I-J-K complex,
its J-wave ~0.2 s after the ECG R-peak) on top of the slow pressure swing of breathing. Per
window (e.g. the last 30 s), for ``beds × samples`` at once:

1. **Movement**: the 1–10 Hz signal is cut into 2 s segments; a segment whose standard
   deviation exceeds ``movement_factor`` × the window's quiet level (10th percentile) is
   movement (a turn in bed swamps the heartbeat). Movement, widened by 1 s each side for
   filter ringing, is masked out of both estimates; ``movement_index`` is its share of the
   window.
2. **Presence**: the median 2 s deviation of the 0.1–10 Hz signal is the bed's signal
   power; an empty bed is a quiet one (``presence_threshold``, in sensor units; the
   streaming processor adds hysteresis).
3. **Heart rate**: band-pass 1–10 Hz (the J-wave band), rectify, smooth to a beat envelope
   (0.5–5 Hz), masked autocorrelation, highest peak in 35–200 bpm with a harmonic check
   (:func:`~edge_agent.signal.periodicity.dominant_period`). The peak height is the
   periodicity; ``signal_quality`` = periodicity × (1 − movement share). An irregular rhythm
   (atrial fibrillation, ectopic beats) has little periodicity: below ``count_beats_below``
   beats are also picked one by one in the envelope and, if they stand clear of noise, their
   mean interval is the rate (:func:`~edge_agent.signal.counting.count_beats`; their clarity
   is then the quality).
4. **Breathing rate**: band-pass 0.1–0.7 Hz; breaths counted as peaks between which the
   resident did not move (:func:`count_breaths`, which follows irregular breathing), else the
   same periodicity search in 5–40 /min; no estimate if the last ``breath_recent_s`` are flat
   compared with the window or with the bed's usual swing (breathing has stopped: the apnea
   detector's input).

Everything after a first 10 Hz low-pass runs at ~25 Hz (the J-wave band ends at 10 Hz), which
keeps a window's cost per bed small. Any estimate that fails its check is NaN, never a guess:
a wrong number is worse than none.

Example (a seeded synthetic bed at 66 bpm and 15 breaths/min next to an empty bed):
    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> t = np.arange(0, 30, 0.01)
    >>> beats = np.arange(0.3, 30, 60 / 66)
    >>> j = sum(np.exp(-((t - b - 0.2) / 0.03) ** 2) * np.sin(2 * np.pi * 6 * (t - b - 0.2))
    ...         for b in beats)
    >>> breath = np.sin(2 * np.pi * 0.25 * t)
    >>> bed = (1 + 0.2 * breath) * j + 2.0 * breath + 0.05 * rng.standard_normal(t.size)
    >>> empty = 0.005 * rng.standard_normal(t.size)
    >>> v = estimate_vitals_batch(np.vstack([bed, empty]), 100.0)
    >>> np.round(v.heart_rate_bpm), np.round(v.resp_rate_br_min), v.in_bed
    (array([66., nan]), array([15., nan]), array([ True, False]))
    >>> bool(v.signal_quality[0] > 0.5), float(v.signal_quality[1])
    (True, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import Field
from scipy import ndimage

from contracts.config import ConfigModel
from edge_agent.signal.counting import count_beats, count_breaths
from edge_agent.signal.filters import bandpass, decimated
from edge_agent.signal.periodicity import dominant_period, masked_autocorr

__all__ = ["BcgSettings", "VitalsBatch", "estimate_vitals_batch"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class BcgSettings(ConfigModel):
    """Signal-processing parameters; the defaults suit a 100 Hz BCG strap or mattress."""

    presence_threshold: float = Field(
        default=0.05,
        gt=0,
        description="median 2 s standard deviation (sensor units) above which the bed is "
        "occupied; an empty bed reads only the sensor's noise",
    )
    movement_factor: float = Field(default=4.0, gt=1, description="movement: segment std × median")
    max_movement_share: float = Field(default=0.5, gt=0, le=1)
    min_heart_periodicity: float = Field(default=0.3, gt=0, le=1)
    min_breath_periodicity: float = Field(default=0.3, gt=0, le=1)
    count_beats_below: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="below this heartbeat periodicity (an irregular rhythm) beats are also "
        "picked one by one, and their count wins if they stand clear of noise",
    )
    breath_recent_s: float = Field(default=10.0, gt=0)
    breath_flat_ratio: float = Field(
        default=0.25, gt=0, lt=1, description="recent breathing std / window's, below: stopped"
    )


@dataclass(frozen=True, slots=True)
class VitalsBatch:
    """Per-bed estimates for one window (all arrays have one entry per bed)."""

    heart_rate_bpm: FloatArray
    """NaN where unknown (empty bed, movement, no clear heartbeat)."""
    resp_rate_br_min: FloatArray
    """NaN where unknown or where breathing has stopped."""
    signal_quality: FloatArray
    """0..1: heartbeat periodicity × share of the window free of movement."""
    in_bed: BoolArray
    movement_index: FloatArray
    """Share of the window's seconds taken by movement (0..1)."""
    signal_power: FloatArray
    """Median 2 s standard deviation (sensor units): what presence is decided on."""
    breathing_stopped: BoolArray
    """In bed, good heartbeat, but the last seconds show no breathing swing."""
    breath_amplitude: FloatArray
    """Standard deviation of the breathing band over the window's still samples."""


def _movement(
    broad: FloatArray, cardiac: FloatArray, rate_hz: float, factor: float
) -> tuple[BoolArray, FloatArray, FloatArray]:
    """Per-sample validity mask, movement share and power per bed.

    Movement is judged in 2 s segments of the heartbeat band (at least one beat even at
    35 bpm, so a segment is never "quiet" just between beats) against the window's quiet
    level (the 10th percentile, which stays quiet even if most of the window is movement).
    """
    beds, n = broad.shape
    seg = round(2.0 * rate_hz)
    nseg = max(n // seg, 1)
    cut = nseg * seg
    card_std = cardiac[:, :cut].reshape(beds, nseg, -1).std(axis=-1)
    power = np.median(broad[:, :cut].reshape(beds, nseg, -1).std(axis=-1), axis=-1)
    quiet = np.percentile(card_std, 10, axis=-1)
    moving = card_std > factor * np.maximum(quiet, 1e-12)[:, None]
    per_sample = np.repeat(moving, seg, axis=-1)
    if cut < n:
        per_sample = np.concatenate([per_sample, np.repeat(moving[:, -1:], n - cut, -1)], -1)
    widened = ndimage.maximum_filter1d(per_sample, size=2 * round(rate_hz) + 1, axis=-1)
    return ~widened, widened.mean(axis=-1), power


def estimate_vitals_batch(
    samples: NDArray[np.floating],
    sample_rate_hz: float,
    settings: BcgSettings | None = None,
    breath_reference: FloatArray | None = None,
) -> VitalsBatch:
    """Estimate every bed's vitals from one window of raw BCG.

    Args:
        samples: ``beds × n`` raw samples (sensor units), or one bed as a 1-D array; at least
            10 s (30 s recommended: a breathing rate needs a few breaths).
        sample_rate_hz: sampling rate, at least 25 Hz.
        settings: thresholds (defaults: :class:`BcgSettings`).
        breath_reference: per bed, the breathing swing (``breath_amplitude``) seen while
            the bed's breathing was last measured; if given, recent breathing is also judged
            against it, so a pause longer than the window is still a pause (the streaming
            processor keeps it).

    Raises:
        ValueError: the window is too short or the rate too low to estimate anything.
    """
    cfg = settings or BcgSettings()
    x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    fs = float(sample_rate_hz)
    if fs < 25.0 or x.shape[-1] < 10 * fs:
        raise ValueError(
            f"need at least 10 s of samples at ≥ 25 Hz, got {x.shape[-1]} at {fs:g} Hz"
        )
    x, fs = decimated(x, fs)
    broad = bandpass(x, 0.1, 10.0, fs)
    cardiac = bandpass(x, 1.0, 10.0, fs, order=4)  # steep: breathing is far stronger
    valid, movement, power = _movement(broad, cardiac, fs, cfg.movement_factor)
    in_bed = power >= cfg.presence_threshold

    step = max(round(fs / 50.0), 1)
    env_rate = fs / step
    rectified = np.abs(cardiac)
    level = np.median(rectified, axis=-1, keepdims=True)
    envelope = bandpass(np.where(valid, rectified, level), 0.5, 5.0, fs)[:, ::step]
    env_valid = valid[:, ::step]
    r_hr = masked_autocorr(envelope, env_valid, round(2.0 * env_rate))
    period_hr, heart_periodicity = dominant_period(r_hr, env_rate, 60 / 200, 60 / 35)

    rstep = max(round(fs / 10.0), 1)
    resp_rate = fs / rstep
    resp = bandpass(x, 0.1, 0.7, fs)[:, ::rstep]
    resp_valid = valid[:, ::rstep]
    r_rr = masked_autocorr(resp, resp_valid, round(12.5 * resp_rate))
    period_rr, breath_periodicity = dominant_period(r_rr, resp_rate, 60 / 40, 60 / 5)
    recent_amp, window_amp = _breath_amplitudes(
        resp, resp_valid, round(cfg.breath_recent_s * resp_rate)
    )
    reference = window_amp if breath_reference is None else np.fmax(window_amp, breath_reference)
    stopped = ~np.isnan(recent_amp) & (recent_amp < cfg.breath_flat_ratio * reference)

    usable = in_bed & (movement <= cfg.max_movement_share)
    irregular = usable & (heart_periodicity < cfg.count_beats_below)
    counted_hr, clarity = count_beats(envelope, env_valid, env_rate, irregular)
    by_count = ~np.isnan(counted_hr)
    periodic_hr = np.where(heart_periodicity >= cfg.min_heart_periodicity, 60.0 / period_hr, np.nan)
    rate_hr = np.where(by_count, counted_hr, periodic_hr)
    clearness = np.where(by_count, clarity, heart_periodicity)
    heart_ok = usable & ~np.isnan(rate_hr) & (clearness >= cfg.min_heart_periodicity)
    periodic = breath_periodicity >= cfg.min_breath_periodicity
    counted = count_breaths(resp, resp_valid, resp_rate, heart_ok & ~stopped)
    rate_rr = np.where(np.isnan(counted), np.where(periodic, 60.0 / period_rr, np.nan), counted)
    breath_ok = heart_ok & ~stopped & ~np.isnan(rate_rr)
    quality = np.where(in_bed, clearness * (1.0 - movement), 0.0)
    return VitalsBatch(
        heart_rate_bpm=np.where(heart_ok, rate_hr, np.nan),
        resp_rate_br_min=np.where(breath_ok, rate_rr, np.nan),
        signal_quality=np.clip(quality, 0.0, 1.0),
        in_bed=in_bed,
        movement_index=movement,
        signal_power=power,
        breathing_stopped=heart_ok & stopped,
        breath_amplitude=window_amp,
    )


def _breath_amplitudes(
    resp: FloatArray, valid: BoolArray, recent: int
) -> tuple[FloatArray, FloatArray]:
    """Breathing-band std over the last ``recent`` samples (NaN if mostly masked) and over
    the whole window."""
    w = valid.astype(np.float64)
    total = np.maximum(w.sum(axis=-1), 1.0)
    mean = (resp * w).sum(axis=-1) / total
    dev = (resp - mean[:, None]) ** 2 * w
    window_std = np.sqrt(dev.sum(axis=-1) / total)
    recent_n = w[:, -recent:].sum(axis=-1)
    recent_std = np.sqrt(dev[:, -recent:].sum(axis=-1) / np.maximum(recent_n, 1.0))
    return np.where(recent_n >= recent / 2, recent_std, np.nan), window_std
