"""Synthetic ballistocardiogram: what a BCG mattress's sensor gives at the bedside.

Each heartbeat makes an I-J-K complex (a small dip, the large J peak ~0.25 s after the
R-wave, a second dip); breathing moves the baseline and modulates the beat amplitude; sensor
noise lies on top. An empty bed gives the noise floor only. Pure and seeded: the same
arguments give the same samples, in any block sizes.

Example:
    >>> s = BcgSynth(sample_rate_hz=100.0, heart_rate_bpm=60.0, resp_rate_br_min=15.0, seed=1)
    >>> block = s.samples(200)
    >>> len(block), round(max(block), 1), s.sample_seq
    (200, 1.8, 200)
    >>> b = BcgSynth(seed=1, heart_rate_bpm=60.0, resp_rate_br_min=15.0)
    >>> b.samples(150) + b.samples(50) == block
    True
    >>> empty = BcgSynth(in_bed=False, seed=1).samples(500)
    >>> max(abs(v) for v in empty) < 0.1
    True
"""

from __future__ import annotations

import math
import random
from collections import deque

_J_LOBES = ((-0.05, 0.018, -0.35), (0.0, 0.02, 1.0), (0.06, 0.025, -0.5))
"""(offset s, width s, amplitude) of the I, J and K waves around a beat."""
_BEAT_SPAN_S = 0.2


def _complex(dt: float) -> float:
    return sum(a * math.exp(-((dt - off) ** 2) / (2 * w * w)) for off, w, a in _J_LOBES)


class BcgSynth:
    """A seeded generator of BCG samples (arbitrary units, J peaks about 1.0)."""

    def __init__(
        self,
        *,
        sample_rate_hz: float = 100.0,
        heart_rate_bpm: float = 62.0,
        resp_rate_br_min: float = 14.0,
        in_bed: bool = True,
        noise: float = 0.02,
        hrv: float = 0.03,
        seed: int = 0,
    ) -> None:
        if sample_rate_hz <= 0 or heart_rate_bpm <= 0 or resp_rate_br_min <= 0:
            raise ValueError("sample rate, heart rate and breathing rate must be positive")
        self.sample_rate_hz = sample_rate_hz
        self.heart_rate_bpm = heart_rate_bpm
        self.resp_rate_br_min = resp_rate_br_min
        self.in_bed = in_bed
        self._noise = noise
        self._hrv = hrv
        self._rng = random.Random(seed)  # noqa: S311 (a simulated signal, not a secret)
        self._beats: deque[float] = deque()
        self._next_beat_s = self._rng.uniform(0.1, 60.0 / heart_rate_bpm)
        self.sample_seq = 0
        """Index of the next sample."""

    def samples(self, n: int) -> list[float]:
        """The next ``n`` samples."""
        out = []
        rate = self.sample_rate_hz
        resp_w = 2 * math.pi * self.resp_rate_br_min / 60.0
        gauss = self._rng.gauss
        for i in range(self.sample_seq, self.sample_seq + n):
            t = i / rate
            value = gauss(0.0, self._noise)
            if self.in_bed:
                self._schedule_beats(t)
                breath = math.sin(resp_w * t)
                cardiac = sum(_complex(t - b) for b in self._beats if abs(t - b) < _BEAT_SPAN_S)
                value += 0.6 * breath + (1.0 + 0.25 * breath) * cardiac
            out.append(value)
        self.sample_seq += n
        return out

    def _schedule_beats(self, t: float) -> None:
        while self._next_beat_s < t + _BEAT_SPAN_S:
            self._beats.append(self._next_beat_s)
            interval = 60.0 / self.heart_rate_bpm * (1.0 + self._rng.gauss(0.0, self._hrv))
            self._next_beat_s += max(0.25, interval)
        while self._beats and self._beats[0] < t - _BEAT_SPAN_S:
            self._beats.popleft()
