"""Periodicity of many signals at once: masked autocorrelation and its dominant period.

Both functions work on ``beds × samples`` arrays so one call serves every bed of a gateway.
Samples under a movement mask count as missing: the autocorrelation at each lag is the mean
product over the pairs where both samples are valid, so a masked second neither adds a false
period nor dilutes a true one.

Example:
    >>> import numpy as np
    >>> t = np.arange(0, 20, 0.05)                       # 20 s at 20 Hz
    >>> x = np.vstack([np.sin(2 * np.pi * 1.25 * t),     # period 0.8 s
    ...                np.random.default_rng(0).standard_normal(t.size)])
    >>> r = masked_autocorr(x, np.ones_like(x, dtype=bool), max_lag=60)
    >>> period, strength = dominant_period(r, rate_hz=20.0, min_s=0.3, max_s=2.0)
    >>> round(float(period[0]), 2), bool(strength[0] > 0.9), bool(strength[1] < 0.3)
    (0.8, True, True)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["dominant_period", "masked_autocorr"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def masked_autocorr(x: FloatArray, valid: BoolArray, max_lag: int) -> FloatArray:
    """Normalised autocorrelation ``beds × (max_lag + 1)`` over the valid samples only.

    Args:
        x: ``beds × n`` signal; its mean over the valid samples is removed here.
        valid: ``beds × n``; ``False`` marks samples to ignore (movement).
        max_lag: the largest lag, in samples.

    Returns:
        ``r[:, k]`` = mean of ``x[i] * x[i + k]`` over valid pairs divided by ``r[:, 0]``; 0
        where fewer than a third of the pairs are valid (no reliable estimate), NaN-free.
    """
    n = x.shape[-1]
    w = valid.astype(np.float64)
    count = np.maximum(w.sum(axis=-1, keepdims=True), 1.0)
    centred = (x - (x * w).sum(axis=-1, keepdims=True) / count) * w
    nfft = 1 << int(np.ceil(np.log2(n + max_lag + 1)))
    spec = np.fft.rfft(centred, nfft, axis=-1)
    num = np.fft.irfft(spec * spec.conj(), nfft, axis=-1)[..., : max_lag + 1]
    pairs = np.broadcast_to(n - np.arange(max_lag + 1, dtype=np.float64), num.shape).copy()
    masked = ~valid.all(axis=-1)
    if masked.any():  # pairs of valid samples at each lag, only where something is masked
        mspec = np.fft.rfft(w[masked], nfft, axis=-1)
        pairs[masked] = np.rint(
            np.fft.irfft(mspec * mspec.conj(), nfft, axis=-1)[..., : max_lag + 1]
        )
    reliable = pairs >= n / 3.0
    r = np.where(reliable, num / np.maximum(pairs, 1.0), 0.0)
    zero = r[..., :1]
    return np.where(zero > 0, r / np.where(zero > 0, zero, 1.0), 0.0)


def dominant_period(
    r: FloatArray, rate_hz: float, min_s: float, max_s: float, harmonic_ratio: float = 0.85
) -> tuple[FloatArray, FloatArray]:
    """The period of the highest autocorrelation peak in ``[min_s, max_s]``, per row.

    The search starts after the autocorrelation's first trough (so the slope down from lag 0
    is never taken for a peak). Harmonic check: a periodic signal also correlates at every
    multiple of its period, and noise or a slow modulation can lift a multiple above the
    true one, so the shortest-lag peak within ``harmonic_ratio`` of the highest is taken.
    The peak is refined by parabolic interpolation.

    Returns:
        ``(period_s, strength)``: NaN period where no peak exists; strength is the
        normalised autocorrelation at the peak, clipped to 0..1 (0 where no peak).
    """
    beds, nlag = r.shape
    lags = np.arange(nlag)
    lo = max(int(np.floor(min_s * rate_hz)), 1)
    hi = min(int(np.ceil(max_s * rate_hz)), nlag - 2)
    if hi <= lo:
        nan = np.full(beds, np.nan)
        return nan, np.zeros(beds)
    rising = np.diff(r, axis=-1) > 0
    first_trough = np.where(rising.any(axis=-1), rising.argmax(axis=-1), nlag)
    start = np.maximum(first_trough, lo)[:, None]
    allowed = (lags[None, :] >= start) & (lags[None, :] <= hi)
    top = np.where(allowed, r, -np.inf).max(axis=-1, keepdims=True)
    peaks = np.zeros_like(allowed)
    peaks[:, 1:-1] = (r[:, 1:-1] >= r[:, :-2]) & (r[:, 1:-1] >= r[:, 2:])
    near_top = allowed & peaks & (r >= harmonic_ratio * top)
    best = np.where(near_top.any(axis=-1), near_top.argmax(axis=-1), lo)
    rows = np.arange(beds)
    left, mid, right = r[rows, best - 1], r[rows, best], r[rows, np.minimum(best + 1, nlag - 1)]
    is_peak = (mid >= left) & (mid >= right) & (mid > 0) & allowed[rows, best]
    curve = left - 2.0 * mid + right
    shift = np.where(curve < 0, 0.5 * (left - right) / np.where(curve < 0, curve, -1.0), 0.0)
    period = np.where(is_peak, (best + np.clip(shift, -0.5, 0.5)) / rate_hz, np.nan)
    strength = np.where(is_peak, np.clip(mid, 0.0, 1.0), 0.0)
    return period, strength
