"""Counting breaths and beats, which follows an irregular rhythm an autocorrelation misses.

Example:
    >>> import numpy as np
    >>> t = np.arange(0, 30, 0.1)
    >>> resp = np.sin(2 * np.pi * t / 4.0)[None, :]          # a breath every 4 s
    >>> count_breaths(resp, np.ones_like(resp, dtype=bool), 10.0, np.array([True]))
    array([15.])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import signal

__all__ = ["count_beats", "count_breaths", "valid_percentiles"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def count_breaths(
    resp: FloatArray, valid: BoolArray, rate_hz: float, which: BoolArray
) -> FloatArray:
    """Breaths per minute by counting breathing peaks, for the beds flagged in ``which``.

    Peaks at least 1.5 s apart (≤ 40 /min) standing out by 30 % of the window's 5–95 %
    range; the rate is 60 / mean interval between consecutive peaks with no movement in
    between (at least 2 such intervals, else NaN). Unlike the autocorrelation this follows
    irregular breathing, whose rate is still the number of breaths a minute.

    See the module example.
    """
    out = np.full(resp.shape[0], np.nan)
    distance = max(round(1.5 * rate_hz), 1)
    rows = np.flatnonzero(which & (valid.sum(axis=-1) >= 0.5 * valid.shape[-1]))
    if rows.size == 0:
        return out
    lo, hi = valid_percentiles(resp[rows], valid[rows], (5.0, 95.0))
    moved = _moves_before(valid[rows])
    for k, i in enumerate(rows):
        ok = valid[i]
        peaks, _ = signal.find_peaks(resp[i], distance=distance, prominence=0.3 * (hi[k] - lo[k]))
        peaks = peaks[ok[peaks]]
        if peaks.size < 3:
            continue
        intervals = _clean_intervals(peaks, moved[k])
        if intervals.size >= 2:
            out[i] = 60.0 * rate_hz / float(intervals.mean())
    return out


def valid_percentiles(
    x: FloatArray, valid: BoolArray, qs: tuple[float, ...]
) -> tuple[FloatArray, ...]:
    """Per row, the ``qs`` percentiles (linear, like ``np.percentile``) of the valid samples.

    >>> x = np.array([[1.0, 2.0, 3.0, 100.0], [4.0, 3.0, 2.0, 1.0]])
    >>> ok = np.array([[True, True, True, False], [True, True, True, True]])
    >>> [p.tolist() for p in valid_percentiles(x, ok, (0.0, 50.0, 100.0))]
    [[1.0, 1.0], [2.0, 2.5], [3.0, 4.0]]
    """
    ordered = np.sort(np.where(valid, x, np.inf), axis=-1)
    top = np.maximum(valid.sum(axis=-1) - 1, 0).astype(np.float64)
    rows = np.arange(x.shape[0])
    out = []
    for q in qs:
        pos = q / 100.0 * top
        below = np.floor(pos).astype(np.intp)
        above = np.minimum(below + 1, top.astype(np.intp))
        frac = pos - below
        a, b = ordered[rows, below], ordered[rows, above]
        out.append(a + (b - a) * frac if q < 100.0 else a)
    return tuple(out)


def _moves_before(valid: BoolArray) -> NDArray[np.intp]:
    """Per row, how many masked samples precede each index (one extra column at the end)."""
    counts: NDArray[np.intp] = np.concatenate(
        [np.zeros((valid.shape[0], 1), dtype=np.intp), np.cumsum(~valid, axis=-1)], axis=-1
    )
    return counts


def _clean_intervals(peaks: NDArray[np.intp], moved: NDArray[np.intp]) -> NDArray[np.intp]:
    """Intervals between consecutive peaks with no masked (movement) sample between them."""
    clean = moved[peaks[1:]] == moved[peaks[:-1]]
    intervals: NDArray[np.intp] = np.diff(peaks)[clean]
    return intervals


def count_beats(
    envelope: FloatArray, valid: BoolArray, rate_hz: float, which: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Heart rate by picking beats in a beat envelope, for an irregular rhythm (e.g. AF).

    Peaks at least 0.3 s apart (≤ 200 bpm) standing out by 30 % of the window's 5–95 %
    range. The beats must stand clear of the envelope's spread (median prominence ≥ 6 ×
    its median absolute deviation; smoothed noise gives about 4) and be alike (heights
    vary < 40 %), else NaN: random bumps are not a heartbeat.

    Returns:
        ``(heart_rate_bpm, clarity)``: 60 / mean clean interval (≥ 10 of them), and a 0..1
        clarity ((prominence/MAD − 4) / 8) to use as the reading's quality.

    >>> t = np.arange(0, 30, 0.04)
    >>> beats = np.cumsum(np.random.default_rng(1).uniform(0.45, 1.1, 60))   # irregular
    >>> env = sum(np.exp(-0.5 * ((t - b) / 0.05) ** 2) for b in beats)[None, :]
    >>> hr, clarity = count_beats(env, np.ones_like(env, dtype=bool), 25.0, np.array([True]))
    >>> inside = beats[beats < 30]
    >>> bool(abs(hr[0] - 60 / np.diff(inside).mean()) < 1), bool(clarity[0] > 0.5)
    (True, True)
    """
    rates = np.full(envelope.shape[0], np.nan)
    clarity = np.zeros(envelope.shape[0])
    distance = max(round(0.3 * rate_hz), 1)
    for i in np.flatnonzero(which):
        ok, e = valid[i], envelope[i]
        if ok.sum() < 0.5 * ok.size:
            continue
        lo, hi = np.percentile(e[ok], [5, 95])
        peaks, props = signal.find_peaks(e, distance=distance, prominence=0.3 * (hi - lo))
        keep = ok[peaks]
        peaks, prominence = peaks[keep], props["prominences"][keep]
        if peaks.size < 11:
            continue
        mad = float(np.median(np.abs(e[ok] - np.median(e[ok]))))
        ratio = float(np.median(prominence)) / max(mad, 1e-12)
        heights = e[peaks]
        spread = float(heights.std() / max(abs(float(heights.mean())), 1e-12))
        intervals = _clean_intervals(peaks, _moves_before(ok[None, :])[0])
        if ratio < 6.0 or spread >= 0.4 or intervals.size < 10:
            continue
        rates[i] = 60.0 * rate_hz / float(intervals.mean())
        clarity[i] = min(max((ratio - 4.0) / 8.0, 0.0), 1.0)
    return rates, clarity
