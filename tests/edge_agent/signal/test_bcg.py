"""BCG → vitals on seeded synthetic beds with known heart and breathing rates."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from numpy.typing import NDArray

from contracts.readings import MattressRawBlock, MattressSource, MattressVitals
from edge_agent.signal.bcg import (
    BcgSettings,
    RawMattressProcessor,
    count_breaths,
    estimate_vitals_batch,
)
from firmware_sim.bcg import BcgSynth
from silverguard.evaluation.bcg_synth import synthesize_bcg

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
FS = 100.0


def bed(
    hr_bpm: float,
    rr_br_min: float,
    seconds: float = 30.0,
    *,
    seed: int = 0,
    movement_every_s: float = np.inf,
    breath_stops_at_s: float | None = None,
) -> NDArray[np.float64]:
    """A synthetic bed: slightly irregular beats at ``hr_bpm``, breathing at ``rr_br_min``."""
    rng = np.random.default_rng(seed)
    beats = np.cumsum(60.0 / hr_bpm * (1 + 0.03 * rng.standard_normal(int(seconds * 4) + 10)))
    t = np.arange(0, seconds, 0.04)
    resp = np.sin(2 * np.pi * rr_br_min / 60.0 * t)
    if breath_stops_at_s is not None:
        resp[t >= breath_stops_at_s] = resp[t >= breath_stops_at_s][0]
    return synthesize_bcg(
        beats, resp, 25.0, duration_s=seconds, seed=seed, movement_every_s=movement_every_s
    ).samples


@pytest.mark.parametrize(
    ("hr", "rr"), [(40, 8), (58, 12), (72, 16), (95, 22), (125, 28), (160, 32)]
)
def test_rates_across_the_clinical_range(hr: int, rr: int) -> None:
    v = estimate_vitals_batch(bed(hr, rr, seed=hr), FS)
    assert v.in_bed[0]
    assert abs(v.heart_rate_bpm[0] - hr) < 2.0
    assert abs(v.resp_rate_br_min[0] - rr) < 1.0
    assert v.signal_quality[0] > 0.5
    assert v.movement_index[0] == 0.0


def test_beds_are_estimated_independently_in_one_call() -> None:
    beds = np.vstack([bed(60, 12, seed=1), bed(110, 24, seed=2), bed(80, 16, seed=3)])
    together = estimate_vitals_batch(beds, FS)
    for i in range(3):
        alone = estimate_vitals_batch(beds[i], FS)
        assert together.heart_rate_bpm[i] == pytest.approx(alone.heart_rate_bpm[0])
        assert together.resp_rate_br_min[i] == pytest.approx(alone.resp_rate_br_min[0])


def test_an_empty_bed_gives_no_numbers() -> None:
    empty = 0.01 * np.random.default_rng(5).standard_normal((1, 3000))
    v = estimate_vitals_batch(empty, FS)
    assert not v.in_bed[0]
    assert np.isnan(v.heart_rate_bpm[0])
    assert np.isnan(v.resp_rate_br_min[0])
    assert v.signal_quality[0] == 0.0


def test_a_window_mostly_of_movement_gives_nan_not_a_wrong_number() -> None:
    x = bed(70, 14, seed=4)
    rng = np.random.default_rng(4)
    x[200:2400] += 10.0 * rng.standard_normal(2200)  # 22 s of tossing and turning
    v = estimate_vitals_batch(x, FS)
    assert v.in_bed[0]
    assert v.movement_index[0] > 0.5
    assert np.isnan(v.heart_rate_bpm[0])
    assert np.isnan(v.resp_rate_br_min[0])


def test_a_short_movement_is_masked_and_the_estimate_survives() -> None:
    x = bed(70, 14, seed=6)
    x[1000:1300] += 8.0 * np.random.default_rng(6).standard_normal(300)
    v = estimate_vitals_batch(x, FS)
    assert 0.0 < v.movement_index[0] < 0.3
    assert abs(v.heart_rate_bpm[0] - 70) < 2.0
    assert abs(v.resp_rate_br_min[0] - 14) < 1.0


def test_breathing_that_stops_gives_no_breathing_rate_but_a_good_heartbeat() -> None:
    x = bed(64, 14, seed=8, breath_stops_at_s=15.0)
    v = estimate_vitals_batch(x, FS)
    assert v.breathing_stopped[0]
    assert np.isnan(v.resp_rate_br_min[0])
    assert abs(v.heart_rate_bpm[0] - 64) < 2.0
    assert v.signal_quality[0] > 0.5


def test_pure_noise_at_bed_level_power_has_no_heartbeat() -> None:
    noise = np.random.default_rng(9).standard_normal((4, 3000))
    v = estimate_vitals_batch(noise, FS)
    assert v.in_bed.all()
    assert np.isnan(v.heart_rate_bpm).all()


def test_too_short_a_window_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 10 s"):
        estimate_vitals_batch(np.zeros((1, 500)), FS)


def _blocks(x: NDArray[np.float64], size: int = 100, start: int = 0) -> list[MattressRawBlock]:
    return [
        MattressRawBlock(
            sample_rate_hz=FS, first_sample_seq=start + i, samples=x[i : i + size].tolist()
        )
        for i in range(0, x.size, size)
    ]


def _push_all(p: RawMattressProcessor, blocks: list[MattressRawBlock]) -> list[MattressVitals]:
    out: list[MattressVitals] = []
    for block in blocks:
        out += p.push(block, NOW)
    return out


def test_processor_gives_one_reading_per_second_after_the_first_ten() -> None:
    x = bed(75, 15, seconds=60, seed=10)
    out = _push_all(RawMattressProcessor(FS), _blocks(x))
    assert len(out) == 51
    assert all(v.source is MattressSource.EDGE and v.in_bed for v in out)
    hrs = [v.heart_rate_bpm for v in out if v.heart_rate_bpm is not None]
    assert len(hrs) > 45
    assert abs(float(np.median(hrs)) - 75) < 2.0
    late = [v.resp_rate_br_min for v in out[20:] if v.resp_rate_br_min is not None]
    assert abs(float(np.median(late)) - 15) < 1.0


def test_processor_block_size_does_not_change_the_readings() -> None:
    x = bed(75, 15, seconds=25, seed=11)
    one_s = _push_all(RawMattressProcessor(FS), _blocks(x, 100))
    five_s = _push_all(RawMattressProcessor(FS), _blocks(x, 500))
    odd = _push_all(RawMattressProcessor(FS), _blocks(x, 37))
    assert one_s == five_s == odd


def test_processor_drops_resent_blocks_and_restarts_after_a_gap() -> None:
    x = bed(75, 15, seconds=30, seed=12)
    blocks = _blocks(x)
    p = RawMattressProcessor(FS)
    out = _push_all(p, blocks[:15])
    assert p.push(blocks[14], NOW) == []  # the same block again
    assert p.gaps == 0
    out_after_gap = _push_all(p, blocks[20:])  # 5 s lost: a fresh 10 s window is needed
    assert p.gaps == 1
    assert len(out) == 6
    assert len(out_after_gap) == 1


def test_processor_skips_other_channels_and_rates_without_failing() -> None:
    p = RawMattressProcessor(FS)
    assert (
        p.push(
            MattressRawBlock(
                channel="pressure", sample_rate_hz=FS, first_sample_seq=0, samples=[1.0] * 100
            ),
            NOW,
        )
        == []
    )
    assert (
        p.push(MattressRawBlock(sample_rate_hz=50, first_sample_seq=0, samples=[1.0] * 50), NOW)
        == []
    )
    assert p.skipped_blocks == 2


def test_processor_presence_has_hysteresis() -> None:
    settings = BcgSettings(presence_threshold=0.05)
    rng = np.random.default_rng(13)
    occupied = bed(70, 14, seconds=40, seed=13)
    faint = 0.08 * rng.standard_normal(4000)  # ~0.035 in band: between off and on levels
    empty = 0.005 * rng.standard_normal(4000)
    p = RawMattressProcessor(FS, settings=settings)
    start_faint = _push_all(RawMattressProcessor(FS, settings=settings), _blocks(faint))
    assert not any(v.in_bed for v in start_faint)  # faint never makes the bed occupied
    stream = np.concatenate([occupied, faint, empty])
    out = _push_all(p, _blocks(stream))
    flags = [v.in_bed for v in out]
    assert flags[0]
    assert all(flags[: 30 + 40])  # faint after occupied keeps it occupied
    assert not flags[-1]
    assert all(v.heart_rate_bpm is None for v in out if not v.in_bed)


@pytest.mark.parametrize(("hr", "rr"), [(42, 9), (75, 18), (150, 30)])
def test_another_teams_bcg_shape_offset_and_drift_give_the_same_rates(hr: int, rr: int) -> None:
    """The mattress emulator's own synthesis (I-J-K Gaussians, written separately) on top
    of a pressure sensor's large offset and a slow drift."""
    x = np.array(BcgSynth(heart_rate_bpm=hr, resp_rate_br_min=rr, seed=hr).samples(3000))
    x += 2000.0 + np.linspace(0.0, 30.0, x.size)
    v = estimate_vitals_batch(x, FS)
    assert abs(v.heart_rate_bpm[0] - hr) < 2.0
    assert abs(v.resp_rate_br_min[0] - rr) < 1.0
    empty = np.array(BcgSynth(in_bed=False, seed=hr).samples(3000)) + 2000.0
    assert not estimate_vitals_batch(empty, FS).in_bed[0]


def test_count_breaths_follows_irregular_breathing() -> None:
    rng = np.random.default_rng(30)
    breaths = np.cumsum(rng.uniform(2.5, 7.5, 12))  # irregular: 8-24 /min breath to breath
    t = np.arange(0, 30, 0.1)
    resp = sum(np.exp(-0.5 * ((t - b) / 0.6) ** 2) for b in breaths)[None, :]
    inside = breaths[breaths < 29]
    expected = 60.0 / float(np.diff(inside).mean())
    got = count_breaths(resp, np.ones_like(resp, dtype=bool), 10.0, np.array([True]))
    assert abs(got[0] - expected) < 0.5


@pytest.mark.parametrize(("shortest_s", "longest_s"), [(0.4, 1.2), (0.5, 0.9)])
def test_atrial_fibrillation_is_counted_beat_by_beat(shortest_s: float, longest_s: float) -> None:
    """An irregular rhythm has no period to find; its rate is still beats per minute."""
    rng = np.random.default_rng(31)
    beats = np.cumsum(rng.uniform(shortest_s, longest_s, 120))
    t = np.arange(0, 60, 0.04)
    x = synthesize_bcg(
        beats,
        np.sin(2 * np.pi * 0.25 * t),
        25.0,
        duration_s=60,
        seed=31,
        movement_every_s=np.inf,
    ).samples
    windows = np.stack([x[i : i + 3000] for i in range(0, 3001, 1000)])
    v = estimate_vitals_batch(windows, FS)
    for k, start in enumerate(range(0, 3001, 1000)):
        inside = beats[(beats >= start / FS) & (beats <= start / FS + 30)]
        expected = 60.0 / float(np.diff(inside).mean())
        assert abs(v.heart_rate_bpm[k] - expected) < 2.0
        assert v.signal_quality[k] > 0.4
