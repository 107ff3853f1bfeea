"""Zero-phase band-pass filters and the first decimation of the raw signal (SciPy).

Example:
    >>> import numpy as np
    >>> t = np.arange(0, 20, 0.01)
    >>> x = np.sin(2 * np.pi * 0.2 * t) + np.sin(2 * np.pi * 5 * t)
    >>> low, rate = decimated(x[None, :], 100.0)
    >>> rate, low.shape
    (25.0, (1, 500))
    >>> slow = bandpass(low, 0.1, 0.7, rate)[0, 100:400]   # keeps the 0.2 Hz swing only
    >>> bool(abs(slow.std() - np.sqrt(0.5)) < 0.05)
    True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import signal

__all__ = ["bandpass", "decimated"]

FloatArray = NDArray[np.float64]


@lru_cache(maxsize=32)
def _sos(low_hz: float, high_hz: float, rate_hz: float, order: int) -> FloatArray:
    high = min(high_hz, 0.45 * rate_hz)
    sos: FloatArray = signal.butter(
        order, [low_hz, high], btype="bandpass", fs=rate_hz, output="sos"
    )
    return sos


def bandpass(
    x: FloatArray, low_hz: float, high_hz: float, rate_hz: float, order: int = 2
) -> FloatArray:
    out: FloatArray = signal.sosfiltfilt(_sos(low_hz, high_hz, rate_hz, order), x, axis=-1)
    return out


@lru_cache(maxsize=8)
def _antialias(rate_hz: float) -> tuple[FloatArray, FloatArray]:
    sos: FloatArray = signal.butter(4, 10.0, btype="lowpass", fs=rate_hz, output="sos")
    zi: FloatArray = signal.sosfilt_zi(sos)
    return sos, zi


def decimated(x: FloatArray, rate_hz: float) -> tuple[FloatArray, float]:
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
