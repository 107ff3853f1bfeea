"""Raw mattress ballistocardiogram → :class:`~contracts.readings.MattressVitals`, per bed.

:func:`estimate_vitals_batch` (in :mod:`edge_agent.signal.estimate`, re-exported here) turns
one window of ``beds × samples`` into heart rate, breathing rate, signal quality, presence
and movement, vectorised across beds; :class:`RawMattressProcessor` is the streaming shell
the edge pipeline runs per bed: raw blocks in, about one reading a second out.

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

from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from contracts.readings import MattressRawBlock, MattressSource, MattressVitals
from edge_agent.signal.counting import count_breaths
from edge_agent.signal.estimate import BcgSettings, VitalsBatch, estimate_vitals_batch

__all__ = [
    "BcgSettings",
    "RawMattressProcessor",
    "VitalsBatch",
    "count_breaths",
    "estimate_vitals_batch",
]

_log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]


class RawMattressProcessor:
    """One bed's raw BCG blocks in, one :class:`MattressVitals` (source=edge) per second out.

    Keeps the last ``window_s`` of samples; after each ``hop_s`` of new samples it estimates
    the window (nothing until ``min_window_s`` are buffered). Presence has hysteresis: the bed
    becomes occupied at ``presence_threshold`` and empty below ``presence_off_ratio`` × that.
    It remembers the bed's usual breathing swing (about a minute's average while a rate is
    measured), so breathing that has stopped for longer than the window still reads as
    stopped, not as noise. Blocks are joined by ``first_sample_seq``: a retransmitted block
    is dropped, a gap or a restarted sequence starts a fresh window (counted in ``gaps``); a
    block of another rate or channel is counted and skipped, never fatal.
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
