"""Synthetic wristband streams for the fall, SOS and wristband-health tests.

Samples are delivered the way WEDA-FALL's Fitbit delivers them: bursts of 4 samples 2 ms
apart every 100 ms (40 Hz on average), cut into 1 s blocks, m/s² with gravity.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from contracts.readings import WristbandAccelBlock
from edge_agent.detectors.contract import Step

G = 9.80665
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
BAND = "band-0001"


def at(seconds: float) -> datetime:
    """The test clock ``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)


def bursty_times(duration_s: float) -> np.ndarray:
    """Sample times: 4 samples 2 ms apart every 100 ms."""
    starts = np.arange(0.0, duration_s, 0.1)
    return np.sort(np.concatenate([starts + k * 0.002 for k in range(4)]))


def regular_times(duration_s: float, rate_hz: float = 40.0) -> np.ndarray:
    """Evenly spaced sample times."""
    return np.arange(0.0, duration_s, 1.0 / rate_hz)


Signal = Callable[[np.ndarray], np.ndarray]


def walking(t: np.ndarray) -> np.ndarray:
    """Upright wrist swinging while walking (peaks about 1.3 g)."""
    return np.column_stack(
        [1.5 * np.sin(2 * np.pi * t), 1.0 * np.cos(2 * np.pi * 2 * t), G + 2.0 * np.sin(4 * t)]
    )


def fall_signal(impact_s: float = 5.35) -> Signal:
    """Walking, a partial free fall, a ~5.5 g impact, then lying still with the wrist turned."""

    def signal(t: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(7)
        out = walking(t)
        falling = (t >= impact_s - 0.35) & (t < impact_s - 0.01)
        out[falling] = [0.5, 0.5, 3.0]
        hit = np.flatnonzero(t >= impact_s - 0.01)[:3]
        out[hit] = [[48.0, 12.0, 25.0], [20.0, -8.0, 5.0], [14.0, 3.0, 2.0]]
        lying = t >= impact_s + 0.3
        out[lying] = np.array([G, 0.4, 0.6]) + rng.normal(0, 0.05, size=(int(lying.sum()), 3))
        return out

    return signal


def clapping(t: np.ndarray) -> np.ndarray:
    """Upright wrist hitting ~4 g twice a second: impacts without a fall."""
    out = walking(t)
    for k in np.arange(2.0, t.max(), 0.5):
        i = np.flatnonzero(t >= k)[:1]
        out[i] = [10.0, 5.0, 38.0]
    return out


def sit_down_hard(t: np.ndarray) -> np.ndarray:
    """Dropping into a chair: a 3 g bump, then sitting still, the wrist as before."""
    out = walking(t)
    i = np.flatnonzero(t >= 5.0)[:2]
    out[i] = [[3.0, 2.0, 29.0], [1.0, 1.0, 15.0]]
    out[t >= 5.2] = [0.5, 0.8, G]
    return out


def blocks(
    signal: Signal, duration_s: float, *, times: np.ndarray | None = None, start_s: float = 0.0
) -> list[tuple[float, WristbandAccelBlock]]:
    """``(arrival_s, block)``: 1 s blocks, each arriving when its last sample was taken."""
    t = bursty_times(duration_s) if times is None else times
    xyz = signal(t)
    out = []
    for k in range(int(np.ceil(duration_s))):
        sel = (t >= k) & (t < k + 1)
        if not sel.any():
            continue
        ts = t[sel]
        out.append(
            (
                start_s + float(ts[-1]),
                WristbandAccelBlock(
                    sample_rate_hz=50,
                    t_offsets_s=[round(float(v - ts[0]), 6) for v in ts],
                    x_m_s2=xyz[sel, 0].tolist(),
                    y_m_s2=xyz[sel, 1].tolist(),
                    z_m_s2=xyz[sel, 2].tolist(),
                ),
            )
        )
    return out


def steps(
    signal: Signal, duration_s: float, *, band: str = BAND, start_s: float = 0.0
) -> list[Step]:
    """Contract-test steps for a stream."""
    return [Step(at(s), band, b) for s, b in blocks(signal, duration_s, start_s=start_s)]
