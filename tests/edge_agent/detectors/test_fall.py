"""Fall detector: true-positive and true-negative streams, the cancel window, corroboration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from contracts.events import EventStatus, EventType, Severity
from contracts.readings import MattressVitals, WristbandAccelBlock, WristbandStatus
from edge_agent.detectors.base import Detection
from edge_agent.detectors.fall import FallDetector, FallSettings
from edge_agent.detectors.fall_features import impact_features
from tests.edge_agent.detectors.fall_streams import (
    BAND,
    Signal,
    at,
    blocks,
    bursty_times,
    clapping,
    fall_signal,
    regular_times,
    sit_down_hard,
    walking,
)


def play(
    detector: FallDetector,
    stream: Sequence[tuple[float, WristbandAccelBlock]],
    *,
    until_s: float,
    extra: Sequence[tuple[float, str, object]] = (),
) -> list[tuple[float, Detection]]:
    """Blocks and ``extra`` readings in time order, ticking once a second until ``until_s``."""
    events: list[tuple[float, str, object]] = [(s, BAND, b) for s, b in stream]
    events += list(extra)
    events.sort(key=lambda e: e[0])
    out: list[tuple[float, Detection]] = []
    second = 0
    for s, device, reading in events:
        while second < s:
            out += [(second, d) for d in detector.tick(at(second))]
            second += 1
        out += [(s, d) for d in detector.observe(device, reading, at(s))]  # type: ignore[arg-type]
        out += [(s, d) for d in detector.tick(at(s))]
    while second <= until_s:
        out += [(second, d) for d in detector.tick(at(second))]
        second += 1
    return out


def falls(out: Sequence[tuple[float, Detection]]) -> list[tuple[float, Detection]]:
    return [(s, d) for s, d in out if d.event.type is EventType.FALL]


def test_a_fall_is_held_for_the_cancel_window_then_raised_with_evidence() -> None:
    d = FallDetector()
    out = play(d, blocks(fall_signal(), 12), until_s=60)
    [(raised_s, detection)] = falls(out)
    event = detection.event
    assert detection.device_id == BAND
    assert event.status is EventStatus.RAISED
    assert event.severity is Severity.CRITICAL
    assert event.detector == "edge.fall/v1"
    values = event.evidence.values
    # suspected once 2.5 s after the impact are in (the block ending at ~8 s), raised 30 s on
    assert 37 <= raised_s <= 40
    assert values["cancel_window_s"] == 30.0
    assert 4.5 <= float(values["peak_g"]) <= 6.5
    assert 75 <= float(values["orientation_change_deg"]) <= 105
    assert float(values["stillness_s"]) >= 5
    impact_s = (datetime.fromisoformat(str(values["impact_at"])) - at(0)).total_seconds()
    assert 5.3 <= impact_s <= 5.45
    assert "I'm OK" in event.evidence.summary
    assert "g" in event.evidence.summary


def test_nothing_is_sent_before_the_cancel_window_ends() -> None:
    d = FallDetector(FallSettings(cancel_window_s=60))
    out = play(d, blocks(fall_signal(), 12), until_s=50)
    assert falls(out) == []
    assert d.pending_fall(BAND)


def test_an_im_ok_press_inside_the_window_cancels_the_fall() -> None:
    d = FallDetector()
    presses = [
        (20.0, BAND, WristbandStatus(sos_pressed=True)),
        (21.0, BAND, WristbandStatus(sos_pressed=False)),
    ]
    out = play(d, blocks(fall_signal(), 12), until_s=90, extra=presses)
    assert falls(out) == []
    assert not d.pending_fall(BAND)
    assert d.takes_as_im_ok(BAND, at(20.0))
    assert not d.takes_as_im_ok(BAND, at(25.0))


def test_a_press_of_another_band_does_not_cancel() -> None:
    d = FallDetector()
    other = [(20.0, "band-0002", WristbandStatus(sos_pressed=True))]
    assert len(falls(play(d, blocks(fall_signal(), 12), until_s=60, extra=other))) == 1


def test_a_press_before_the_fall_does_not_cancel_it() -> None:
    d = FallDetector()
    early = [(2.0, BAND, WristbandStatus(sos_pressed=True))]
    assert len(falls(play(d, blocks(fall_signal(), 12), until_s=60, extra=early))) == 1


@pytest.mark.parametrize("signal", [walking, clapping, sit_down_hard], ids=lambda s: s.__name__)
def test_daily_activities_raise_no_fall(signal: Signal) -> None:
    d = FallDetector()
    out = play(d, blocks(signal, 20), until_s=80)
    assert falls(out) == []
    judged = d.snapshot()["bands"][BAND]["recent"]  # type: ignore[index]
    assert bool(judged) is (signal is not walking)  # impacts were weighed, and turned down


def test_irregular_and_regular_sampling_give_the_same_decision() -> None:
    bursty = play(FallDetector(), blocks(fall_signal(), 12, times=bursty_times(12)), until_s=60)
    regular = play(
        FallDetector(), blocks(fall_signal(), 12, times=regular_times(12, 31.0)), until_s=60
    )
    assert len(falls(bursty)) == len(falls(regular)) == 1


def test_blocks_bunched_by_the_radio_lose_no_samples() -> None:
    stream = blocks(fall_signal(), 12)
    # every second block arrives together with the next one
    bunched = [
        (stream[min(k + 1 - k % 2, len(stream) - 1)][0], b) for k, (_, b) in enumerate(stream)
    ]
    d = FallDetector()
    assert len(falls(play(d, bunched, until_s=60))) == 1
    kept = d.snapshot()["bands"][BAND]["t"]  # type: ignore[index]
    assert len(kept) == sum(len(b.t_offsets_s) for _, b in stream)


def test_a_band_that_goes_quiet_right_after_the_impact_is_judged_on_what_it_sent() -> None:
    cut = [(s, b) for s, b in blocks(fall_signal(impact_s=5.35), 7)]  # ends 1.6 s after
    assert len(falls(play(FallDetector(), cut, until_s=60))) == 1


def test_an_impact_while_the_mattress_shows_the_resident_in_bed_is_not_a_fall() -> None:
    in_bed = [(float(s), "mattress-1", MattressVitals(in_bed=True)) for s in range(0, 60)]
    out = play(FallDetector(), blocks(fall_signal(), 12), until_s=60, extra=in_bed)
    assert falls(out) == []


def test_an_impact_after_leaving_the_bed_is_a_fall() -> None:
    left = [(float(s), "mattress-1", MattressVitals(in_bed=s < 3)) for s in range(0, 40)]
    out = play(FallDetector(), blocks(fall_signal(), 12), until_s=60, extra=left)
    assert len(falls(out)) == 1


def test_a_fall_out_of_bed_is_a_fall_even_when_presence_lags() -> None:
    # the mattress keeps saying "in bed" for 8 s after the impact (debounced presence)
    lagging = [(float(s), "mattress-1", MattressVitals(in_bed=s < 13)) for s in range(0, 60)]
    out = play(FallDetector(), blocks(fall_signal(), 12), until_s=60, extra=lagging)
    assert len(falls(out)) == 1


def test_a_stale_mattress_reading_does_not_veto_a_fall() -> None:
    stale = [(-60.0, "mattress-1", MattressVitals(in_bed=True))]
    out = play(FallDetector(), blocks(fall_signal(), 12), until_s=60, extra=stale)
    assert len(falls(out)) == 1


def test_the_band_fall_flag_alone_raises_when_the_band_streams_no_accelerometer() -> None:
    flag = [
        (10.0, BAND, WristbandStatus(band_fall_flag=True)),
        (11.0, BAND, WristbandStatus(band_fall_flag=False)),
    ]
    [(raised_s, detection)] = falls(play(FallDetector(), [], until_s=60, extra=flag))
    assert raised_s == 40
    assert detection.event.evidence.values["source"] == "band_flag"


def test_the_band_fall_flag_lowers_the_bar_for_a_nearby_impact() -> None:
    strict = FallSettings(threshold=0.999999, band_flag_threshold=0.2)
    out = play(FallDetector(strict), blocks(fall_signal(), 12), until_s=60)
    assert falls(out) == []
    flag = [(6.0, BAND, WristbandStatus(band_fall_flag=True))]
    [(_, detection)] = falls(
        play(FallDetector(strict), blocks(fall_signal(), 12), until_s=60, extra=flag)
    )
    assert detection.event.evidence.values["source"] == "accelerometer+band_flag"


def test_one_fall_is_raised_once() -> None:
    twice = blocks(fall_signal(), 12) + blocks(fall_signal(), 12, start_s=0.0)[9:]
    out = play(FallDetector(), twice, until_s=90)
    assert len(falls(out)) == 1


def test_a_snapshot_taken_in_the_cancel_window_still_raises_after_restore() -> None:
    first = FallDetector()
    play(first, blocks(fall_signal(), 12), until_s=15)
    second = FallDetector()
    second.restore(first.snapshot())
    assert second.pending_fall(BAND)
    assert [d.event.type for d in second.tick(at(60))] == [EventType.FALL]


def test_features_are_none_without_data_after_the_impact() -> None:
    stream = blocks(fall_signal(), 12)
    t = bursty_times(12)
    xyz = fall_signal()(t)
    assert stream
    assert impact_features(t[t < 5.6], xyz[t < 5.6], 5.35) is None
    assert impact_features(t, xyz, 5.35) is not None
