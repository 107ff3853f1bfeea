"""Heart rate, breathing rate, presence and movement from a raw mattress ballistocardiogram.

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
   periodicity; ``signal_quality`` = periodicity × (1 − movement share).
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

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from pydantic import Field
from scipy import ndimage, signal

from contracts.config import ConfigModel
from contracts.readings import MattressRawBlock, MattressSource, MattressVitals
from edge_agent.signal.periodicity import dominant_period, masked_autocorr

__all__ = [
    "BcgSettings",
    "RawMattressProcessor",
    "VitalsBatch",
    "count_breaths",
    "estimate_vitals_batch",
]

_log = logging.getLogger(__name__)

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


@lru_cache(maxsize=32)
def _sos(low_hz: float, high_hz: float, rate_hz: float, order: int) -> FloatArray:
    high = min(high_hz, 0.45 * rate_hz)
    sos: FloatArray = signal.butter(
        order, [low_hz, high], btype="bandpass", fs=rate_hz, output="sos"
    )
    return sos


def _bandpass(
    x: FloatArray, low_hz: float, high_hz: float, rate_hz: float, order: int = 2
) -> FloatArray:
    out: FloatArray = signal.sosfiltfilt(_sos(low_hz, high_hz, rate_hz, order), x, axis=-1)
    return out


@lru_cache(maxsize=8)
def _antialias(rate_hz: float) -> tuple[FloatArray, FloatArray]:
    sos: FloatArray = signal.butter(4, 10.0, btype="lowpass", fs=rate_hz, output="sos")
    zi: FloatArray = signal.sosfilt_zi(sos)
    return sos, zi


def _decimated(x: FloatArray, rate_hz: float) -> tuple[FloatArray, float]:
    """Low-pass at 10 Hz (nothing above matters here) and keep about 25 samples a second.

    One causal pass, started in the steady state of the first sample so a sensor's large
    constant offset does not ring; its few tens of ms of delay change no rate.
    """
    q = max(int(rate_hz // 25.0), 1)
    if q == 1:
        return x, rate_hz
    sos, zi = _antialias(rate_hz)
    low, _ = signal.sosfilt(sos, x, axis=-1, zi=zi[:, None, :] * x[None, :, :1])
    return low[:, ::q], rate_hz / q


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
    x, fs = _decimated(x, fs)
    broad = _bandpass(x, 0.1, 10.0, fs)
    cardiac = _bandpass(x, 1.0, 10.0, fs, order=4)  # steep: breathing is far stronger
    valid, movement, power = _movement(broad, cardiac, fs, cfg.movement_factor)
    in_bed = power >= cfg.presence_threshold

    step = max(round(fs / 50.0), 1)
    env_rate = fs / step
    rectified = np.abs(cardiac)
    level = np.median(rectified, axis=-1, keepdims=True)
    envelope = _bandpass(np.where(valid, rectified, level), 0.5, 5.0, fs)[:, ::step]
    env_valid = valid[:, ::step]
    r_hr = masked_autocorr(envelope, env_valid, round(2.0 * env_rate))
    period_hr, heart_periodicity = dominant_period(r_hr, env_rate, 60 / 200, 60 / 35)

    rstep = max(round(fs / 10.0), 1)
    resp_rate = fs / rstep
    resp = _bandpass(x, 0.1, 0.7, fs)[:, ::rstep]
    resp_valid = valid[:, ::rstep]
    r_rr = masked_autocorr(resp, resp_valid, round(12.5 * resp_rate))
    period_rr, breath_periodicity = dominant_period(r_rr, resp_rate, 60 / 40, 60 / 5)
    recent_amp, window_amp = _breath_amplitudes(
        resp, resp_valid, round(cfg.breath_recent_s * resp_rate)
    )
    reference = window_amp if breath_reference is None else np.fmax(window_amp, breath_reference)
    stopped = ~np.isnan(recent_amp) & (recent_amp < cfg.breath_flat_ratio * reference)

    usable = in_bed & (movement <= cfg.max_movement_share)
    heart_ok = usable & (heart_periodicity >= cfg.min_heart_periodicity)
    periodic = breath_periodicity >= cfg.min_breath_periodicity
    counted = count_breaths(resp, resp_valid, resp_rate, heart_ok & ~stopped)
    rate_rr = np.where(np.isnan(counted), np.where(periodic, 60.0 / period_rr, np.nan), counted)
    breath_ok = heart_ok & ~stopped & ~np.isnan(rate_rr)
    quality = np.where(in_bed, heart_periodicity * (1.0 - movement), 0.0)
    return VitalsBatch(
        heart_rate_bpm=np.where(heart_ok, 60.0 / period_hr, np.nan),
        resp_rate_br_min=np.where(breath_ok, rate_rr, np.nan),
        signal_quality=np.clip(quality, 0.0, 1.0),
        in_bed=in_bed,
        movement_index=movement,
        signal_power=power,
        breathing_stopped=heart_ok & stopped,
        breath_amplitude=window_amp,
    )


def count_breaths(
    resp: FloatArray, valid: BoolArray, rate_hz: float, which: BoolArray
) -> FloatArray:
    """Breaths per minute by counting breathing peaks, for the beds flagged in ``which``.

    Peaks at least 1.5 s apart (≤ 40 /min) standing out by 30 % of the window's 5–95 %
    range; the rate is 60 / mean interval between consecutive peaks with no movement in
    between (at least 2 such intervals, else NaN). Unlike the autocorrelation this follows
    irregular breathing, whose rate is still the number of breaths a minute.

    >>> t = np.arange(0, 30, 0.1)
    >>> resp = np.sin(2 * np.pi * t / 4.0)[None, :]          # a breath every 4 s
    >>> count_breaths(resp, np.ones_like(resp, dtype=bool), 10.0, np.array([True]))
    array([15.])
    """
    out = np.full(resp.shape[0], np.nan)
    distance = max(round(1.5 * rate_hz), 1)
    for i in np.flatnonzero(which):
        ok = valid[i]
        if ok.sum() < 0.5 * ok.size:
            continue
        lo, hi = np.percentile(resp[i][ok], [5, 95])
        peaks, _ = signal.find_peaks(resp[i], distance=distance, prominence=0.3 * (hi - lo))
        peaks = peaks[ok[peaks]]
        if peaks.size < 3:
            continue
        moved = np.concatenate([[0], np.cumsum(~ok)])
        clean = moved[peaks[1:]] == moved[peaks[:-1]]
        intervals = np.diff(peaks)[clean]
        if intervals.size >= 2:
            out[i] = 60.0 * rate_hz / float(intervals.mean())
    return out


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


class RawMattressProcessor:
    """One bed's raw BCG blocks in, one :class:`MattressVitals` (source=edge) per second out.

    Keeps the last ``window_s`` of samples; after each ``hop_s`` of new samples it estimates
    the window (nothing until ``min_window_s`` are buffered). Presence has hysteresis: the bed
    becomes occupied at ``presence_threshold`` and empty below ``presence_off_ratio`` × that.
    It remembers the bed's usual breathing swing (about a minute's average while a rate is
    measured), so breathing that has stopped for longer than the window still reads as
    stopped, not as noise. Blocks are joined by ``first_sample_seq``: a retransmitted block
    is dropped, a gap or a
    restarted sequence starts a fresh window (counted in ``gaps``); a block of another rate
    or channel is counted and skipped, never fatal.

    Example:
        >>> import numpy as np
        >>> from datetime import UTC, datetime
        >>> from contracts.readings import MattressRawBlock
        >>> rng = np.random.default_rng(3)
        >>> p = RawMattressProcessor(100.0)
        >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
        >>> out = []
        >>> for second in range(12):
        ...     noise = 0.005 * rng.standard_normal(100)
        ...     block = MattressRawBlock(sample_rate_hz=100, first_sample_seq=100 * second,
        ...                              samples=noise.tolist())
        ...     out += p.push(block, now)
        >>> [(v.in_bed, v.heart_rate_bpm, v.source.value) for v in out]
        [(False, None, 'edge'), (False, None, 'edge'), (False, None, 'edge')]
    """

    def __init__(
        self,
        sample_rate_hz: float,
        *,
        window_s: float = 30.0,
        hop_s: float = 1.0,
        min_window_s: float = 10.0,
        presence_off_ratio: float = 0.5,
        settings: BcgSettings | None = None,
    ) -> None:
        if not 0 < hop_s <= min_window_s <= window_s or min_window_s < 10.0:
            raise ValueError("need 0 < hop_s <= min_window_s <= window_s and min_window_s ≥ 10")
        self.sample_rate_hz = float(sample_rate_hz)
        self._settings = settings or BcgSettings()
        self._window = round(window_s * sample_rate_hz)
        self._hop = round(hop_s * sample_rate_hz)
        self._min = round(min_window_s * sample_rate_hz)
        self._on = self._settings.presence_threshold
        self._off = presence_off_ratio * self._on
        self._buf = np.zeros(0)
        self._next_seq: int | None = None
        self._total = 0
        self._in_bed = False
        self._breath_ref: float | None = None
        self._ref_weight = min(hop_s / 60.0, 1.0)  # about a minute's memory
        self.gaps = 0
        self.skipped_blocks = 0

    def push(self, block: MattressRawBlock, now: datetime) -> list[MattressVitals]:
        """Add one block; return the vitals of every hop it completes (oldest first)."""
        del now  # estimates depend on samples only; the caller stamps the readings
        if block.channel != "bcg" or abs(block.sample_rate_hz - self.sample_rate_hz) > 1e-6:
            self.skipped_blocks += 1
            _log.debug("skipped a %s block at %g Hz", block.channel, block.sample_rate_hz)
            return []
        new = np.asarray(block.samples, dtype=np.float64)
        seq = block.first_sample_seq
        if self._next_seq is not None and seq != self._next_seq:
            overlap = self._next_seq - seq
            if 0 < overlap < new.size:
                new = new[overlap:]
            elif overlap > 0:
                return []  # an old block sent again
            else:
                self.gaps += 1
                self._buf, self._total = np.zeros(0), 0
        self._next_seq = block.first_sample_seq + len(block.samples)
        before = self._total
        self._total += new.size
        self._buf = np.concatenate([self._buf, new])
        offset = self._total - self._buf.size  # absolute position of self._buf[0]
        first = -(-max(before + 1, self._min) // self._hop) * self._hop
        out = [
            self._estimate(self._buf[max(0, end - offset - self._window) : end - offset])
            for end in range(first, self._total + 1, self._hop)
        ]
        self._buf = self._buf[-self._window :]
        return out

    def _estimate(self, window: FloatArray) -> MattressVitals:
        ref = None if self._breath_ref is None else np.array([self._breath_ref])
        v = estimate_vitals_batch(window, self.sample_rate_hz, self._settings, ref)
        if not np.isnan(v.resp_rate_br_min[0]):
            amp = float(v.breath_amplitude[0])
            old = amp if self._breath_ref is None else self._breath_ref
            self._breath_ref = old + self._ref_weight * (amp - old)
        power = float(v.signal_power[0])
        if self._in_bed != (power >= (self._off if self._in_bed else self._on)):
            self._in_bed = not self._in_bed
            _log.debug("bed presence now %s", self._in_bed)
        return MattressVitals(
            source=MattressSource.EDGE,
            in_bed=self._in_bed,
            heart_rate_bpm=_rounded(v.heart_rate_bpm[0]) if self._in_bed else None,
            resp_rate_br_min=_rounded(v.resp_rate_br_min[0]) if self._in_bed else None,
            movement_index=round(float(v.movement_index[0]), 3),
            signal_quality=round(float(v.signal_quality[0]), 3) if self._in_bed else 0.0,
            breathing_detected=_breathing(v) if self._in_bed else None,
        )


def _breathing(v: VitalsBatch) -> bool | None:
    """True with a breathing rate, False when it has stopped, None when unknown."""
    if not np.isnan(v.resp_rate_br_min[0]):
        return True
    return False if bool(v.breathing_stopped[0]) else None


def _rounded(value: np.float64) -> float | None:
    return None if np.isnan(value) else round(float(value), 1)
