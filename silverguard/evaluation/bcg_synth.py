"""A mattress ballistocardiogram built from real heartbeats and real breathing (seeded).

No real mattress recording with a reference heart rate was available, so the evaluation
builds one from what PhysioNet records do have — ECG R-peaks and a respiration signal — and
keeps those as ground truth. The synthesis, at ``rate_hz`` (100 Hz like a BCG strap):

* **Heartbeat**: for each R-peak at ``t``, an H-I-J-K complex: a 6 Hz wavelet under a
  Gaussian envelope (σ 35 ms, unit amplitude) centred on the J-wave at ``t + j_delay_s``
  (0.2 s, the R-J interval reported for BCG), its delay jittered ±10 ms (σ) and its amplitude
  ±15 % (σ) from beat to beat.
* **Breathing**: the real respiration signal, resampled, band-passed to 0.05–0.7 Hz (up to
  42 /min; an impedance RESP channel also carries cardiac artefact, which a mattress does
  not see as breathing) and scaled to a robust
  amplitude (its 5–95 % range) of ``breath_amplitude`` (2 × the J-wave: the body's pressure
  swing dominates a BCG); it also modulates the heartbeat amplitude by ±20 %, as intrathoracic
  pressure does.
* **Noise**: white Gaussian, σ ``noise`` (0.1 of the J-wave).
* **Movement**: bursts at Poisson times (mean every ``movement_every_s``, 120 s), each
  2–8 s of low-passed noise 5–15 × the J-wave — a resident turning over.

Example:
    >>> import numpy as np
    >>> beats = np.arange(0.5, 60, 0.8)                      # 75 bpm
    >>> resp = np.sin(2 * np.pi * 0.25 * np.arange(0, 60, 0.04))  # 25 Hz, 15 /min
    >>> bcg = synthesize_bcg(beats, resp, 25.0, duration_s=60, seed=1)
    >>> bcg.samples.shape, bcg.rate_hz, len(bcg.movement_s) >= 0
    ((6000,), 100.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

__all__ = ["SyntheticBcg", "synthesize_bcg"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SyntheticBcg:
    """The synthetic stream and where its movement bursts are."""

    samples: FloatArray
    rate_hz: float
    movement_s: list[tuple[float, float]]
    """(start, end) of each movement burst, seconds from the start."""


def synthesize_bcg(
    beat_times_s: NDArray[np.floating],
    resp: NDArray[np.floating] | None,
    resp_rate_hz: float,
    *,
    duration_s: float,
    seed: int,
    rate_hz: float = 100.0,
    j_delay_s: float = 0.2,
    breath_amplitude: float = 2.0,
    noise: float = 0.1,
    movement_every_s: float = 120.0,
) -> SyntheticBcg:
    """Build a BCG of ``duration_s`` from R-peak times and a respiration signal.

    Args:
        beat_times_s: R-peak times in seconds.
        resp: respiration samples at ``resp_rate_hz`` (``None``: no breathing component).
        resp_rate_hz: rate of ``resp``.
        duration_s: length of the stream.
        seed: seeds every random part (same seed, same stream).
        rate_hz: output rate.
        j_delay_s: R-peak to J-wave delay.
        breath_amplitude: robust amplitude of the breathing swing (J-wave = 1).
        noise: white-noise σ (J-wave = 1).
        movement_every_s: mean interval between movement bursts (``inf``: none).
    """
    rng = np.random.default_rng(seed)
    n = round(duration_s * rate_hz)
    t = np.arange(n) / rate_hz
    breath = np.zeros(n)
    if resp is not None and len(resp) > 1:
        raw = np.interp(t, np.arange(len(resp)) / resp_rate_hz, np.asarray(resp, dtype=float))
        sos = signal.butter(4, [0.05, 0.7], btype="bandpass", fs=rate_hz, output="sos")
        breath = signal.sosfiltfilt(sos, raw)
        lo, hi = np.percentile(breath, [5, 95])
        breath = breath / max((hi - lo) / 2.0, 1e-12)
    heart = np.zeros(n)
    half = round(0.25 * rate_hz)
    k = np.arange(-half, half + 1) / rate_hz
    for beat in np.asarray(beat_times_s, dtype=float):
        centre = beat + j_delay_s + rng.normal(0.0, 0.01)
        i0 = round(centre * rate_hz)
        if i0 - half < 0 or i0 + half >= n:
            continue
        dt = k + (i0 / rate_hz - centre)
        wave = np.exp(-0.5 * (dt / 0.035) ** 2) * np.sin(2 * np.pi * 6.0 * dt + np.pi / 2)
        heart[i0 - half : i0 + half + 1] += rng.normal(1.0, 0.15) * wave
    bcg = (1.0 + 0.2 * np.clip(breath, -1.5, 1.5)) * heart + breath_amplitude * breath
    bcg += rng.normal(0.0, noise, n)
    bursts: list[tuple[float, float]] = []
    start = rng.exponential(movement_every_s) if np.isfinite(movement_every_s) else np.inf
    lowpass = signal.butter(2, 3.0, btype="lowpass", fs=rate_hz, output="sos")
    while start < duration_s:
        length = rng.uniform(2.0, 8.0)
        a, b = round(start * rate_hz), min(round((start + length) * rate_hz), n)
        burst = signal.sosfilt(lowpass, rng.normal(0.0, 1.0, b - a))
        bcg[a:b] += rng.uniform(5.0, 15.0) * burst / max(float(np.std(burst)), 1e-12)
        bursts.append((round(start, 2), round(b / rate_hz, 2)))
        start += length + rng.exponential(movement_every_s)
    return SyntheticBcg(samples=bcg, rate_hz=rate_hz, movement_s=bursts)
