"""VitalsDetector: sustained abnormal rates with hysteresis, and apnea; never from NaN."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from contracts.events import EventStatus, Severity
from contracts.readings import MattressRawBlock, MattressSource, MattressVitals
from edge_agent.detectors.base import Detection
from edge_agent.detectors.contract import run_stream
from edge_agent.detectors.vitals import VitalsDetector
from edge_agent.detectors.vitals_limits import VitalsSettings
from edge_agent.signal.bcg import RawMattressProcessor
from silverguard.evaluation.bcg_synth import synthesize_bcg
from tests.edge_agent.detectors.vitals_streams import MAT, at, steps, vitals


def _play(
    readings: list[MattressVitals], settings: VitalsSettings | None = None
) -> list[Detection]:
    return run_stream(VitalsDetector(settings), steps(readings))


def _kinds(detections: list[Detection]) -> list[tuple[str, str]]:
    return [(d.event.type.value, d.event.status.value) for d in detections]


def test_sustained_tachycardia_is_raised_once_with_numbers_and_cleared_with_hysteresis() -> None:
    readings = [vitals()] * 60 + [vitals(hr=130)] * 150 + [vitals(hr=115)] * 200
    readings += [vitals(hr=90)] * 150
    out = _play(readings)
    assert _kinds(out) == [("hr_high", "raised"), ("hr_high", "cleared")]
    raised, cleared = out
    assert raised.device_id == MAT
    values = raised.event.evidence.values
    assert values["median_heart_rate_bpm"] == 130.0
    assert values["limit_heart_rate_bpm"] == 120.0
    assert float(values["share"]) >= 0.8
    assert "heart rate 130 bpm over the last 2 min" in raised.event.evidence.summary
    assert raised.event.severity is Severity.HIGH
    # 115 bpm is under the limit but not under the clearing level (110): still raised
    assert "back to 90 bpm" in cleared.event.evidence.summary


def test_raised_only_after_the_sustain_time() -> None:
    detector = VitalsDetector()
    first = None
    for i, r in enumerate([vitals()] * 30 + [vitals(hr=130)] * 200):
        if detector.observe(MAT, r, at(i)) and first is None:
            first = i
    assert first is not None
    assert 30 + 90 <= first <= 30 + 120  # 80 % of a 2 min window


def test_brief_surges_and_values_near_the_limit_raise_nothing() -> None:
    minute = [vitals(hr=118)] * 90 + [vitals(hr=145)] * 30  # surges of 30 s every 2 min
    assert _play(minute * 6) == []


def test_bradycardia_and_breathing_limits() -> None:
    assert _kinds(_play([vitals(hr=35)] * 200)) == [("hr_low", "raised")]
    assert _kinds(_play([vitals(rr=34)] * 200)) == [("rr_high", "raised")]
    assert _kinds(_play([vitals(rr=6)] * 200)) == [("rr_low", "raised")]
    assert _play([vitals(hr=45, rr=28)] * 300) == []


def test_per_resident_limits() -> None:
    settings = VitalsSettings(hr_high_bpm=100, hr_hysteresis_bpm=5)
    assert _kinds(_play([vitals(hr=108)] * 200, settings)) == [("hr_high", "raised")]


def test_never_from_missing_numbers_poor_signal_or_an_empty_bed() -> None:
    assert _play([vitals(hr=None, rr=None)] * 300) == []
    assert _play([vitals(hr=160, rr=40, quality=0.2)] * 300) == []
    assert _play([vitals(hr=160, rr=40, in_bed=False)] * 300) == []
    assert _play([vitals(hr=160, rr=40, quality=None)] * 300) == []  # edge without quality


def test_a_rate_of_zero_is_a_firmware_unknown_not_an_alarm() -> None:
    fw = MattressSource.FIRMWARE
    zeros = [vitals(hr=0.0, rr=0.0, quality=None, source=fw)] * 300
    assert _play(zeros) == []


def test_firmware_readings_without_a_quality_figure_are_trusted() -> None:
    firmware = vitals(hr=132, quality=None, source=MattressSource.FIRMWARE)
    assert _kinds(_play([firmware] * 200)) == [("hr_high", "raised")]


def test_a_gap_in_good_readings_restarts_the_window() -> None:
    detector = VitalsDetector()
    out = []
    for i in range(100):
        out += detector.observe(MAT, vitals(hr=130), at(i))
    for i in range(140, 200):  # 40 s without readings, then 60 s more
        out += detector.observe(MAT, vitals(hr=130), at(i))
    assert out == []


def test_apnea_after_twenty_seconds_without_breathing_then_cleared() -> None:
    readings = [vitals()] * 30 + [vitals(rr=None, breathing=False)] * 25 + [vitals(rr=12)] * 5
    out = _play(readings)
    assert _kinds(out) == [("apnea", "raised"), ("apnea", "cleared")]
    raised = out[0].event
    assert raised.severity is Severity.CRITICAL
    assert raised.evidence.values["pause_s"] == 20.0
    assert raised.evidence.values["heart_rate_bpm"] == 64.0
    assert "no breathing detected for 20 s in bed" in raised.evidence.summary
    assert "breathing again at 12 /min" in out[1].event.evidence.summary


def test_no_apnea_from_doubt_or_short_pauses() -> None:
    stopped = vitals(rr=None, breathing=False)
    assert _play([vitals()] * 20 + [stopped.model_copy(update={"signal_quality": 0.1})] * 60) == []
    assert _play([vitals()] * 20 + [vitals(rr=None)] * 60) == []  # irregular: no rate, no pause
    pauses = ([stopped] * 15 + [vitals()]) * 5  # 15 s pauses: normal in sleep
    assert _play([vitals()] * 20 + pauses) == []
    assert _play([vitals()] * 20 + [vitals(rr=None, breathing=False, in_bed=False)] * 60) == []


def test_firmware_without_a_breathing_flag_pauses_on_heart_rate_without_breathing_rate() -> None:
    fw = MattressSource.FIRMWARE
    readings = [vitals(source=fw, quality=None)] * 20 + [
        vitals(rr=None, source=fw, quality=None)
    ] * 25
    readings = [r.model_copy(update={"breathing_detected": None}) for r in readings]
    assert _kinds(_play(readings)) == [("apnea", "raised")]
    no_heart = [r.model_copy(update={"heart_rate_bpm": None}) for r in readings]
    assert _play(no_heart) == []


def test_apnea_clears_when_the_resident_gets_up() -> None:
    stopped = vitals(rr=None, breathing=False)
    readings = [vitals()] * 20 + [stopped] * 25 + [vitals(None, None, in_bed=False)] * 30
    out = _play(readings)
    assert _kinds(out) == [("apnea", "raised"), ("apnea", "cleared")]
    assert out[1].event.status is EventStatus.CLEARED
    assert "out of bed" in out[1].event.evidence.summary


def _bcg_stream(
    seconds: int, stop_breathing_at: float | None, hr_bpm: float
) -> list[MattressVitals]:
    rng = np.random.default_rng(21)
    beats = np.cumsum(60.0 / hr_bpm * (1 + 0.03 * rng.standard_normal(seconds * 4)))
    t = np.arange(0, seconds, 0.04)
    resp = np.sin(2 * np.pi * 0.25 * t)
    if stop_breathing_at is not None:
        resp[t >= stop_breathing_at] = resp[t >= stop_breathing_at][0]
    x = synthesize_bcg(beats, resp, 25.0, duration_s=seconds, seed=21, movement_every_s=np.inf)
    processor = RawMattressProcessor(100.0)
    out: list[MattressVitals] = []
    for s in range(seconds):
        block = MattressRawBlock(
            sample_rate_hz=100,
            first_sample_seq=100 * s,
            samples=x.samples[100 * s : 100 * s + 100].tolist(),
        )
        out += processor.push(block, datetime(2026, 11, 24, tzinfo=UTC))
    return out


def test_raw_bcg_with_breathing_stopped_raises_apnea_end_to_end() -> None:
    readings = _bcg_stream(110, stop_breathing_at=60.0, hr_bpm=62)
    out = _play(readings)
    assert _kinds(out) == [("apnea", "raised")]
    assert float(out[0].event.evidence.values["signal_quality"]) > 0.4


def test_raw_bcg_of_a_calm_sleeper_raises_nothing() -> None:
    assert _play(_bcg_stream(200, stop_breathing_at=None, hr_bpm=62)) == []


def test_raw_bcg_tachycardia_raises_hr_high() -> None:
    assert _kinds(_play(_bcg_stream(170, stop_breathing_at=None, hr_bpm=132))) == [
        ("hr_high", "raised")
    ]


def test_the_example_config_sets_the_vitals_and_bed_limits() -> None:
    from pathlib import Path

    from edge_agent.config import load_edge_settings

    example = Path(__file__).resolve().parents[3] / "deploy" / "examples" / "edge.yaml"
    detection = load_edge_settings(example).detection
    assert detection.vitals == VitalsSettings()  # the example spells out the defaults
    assert detection.bed.exit_after_s == 20


def test_summaries_give_the_home_local_clock_time() -> None:
    """A care worker in Hangzhou reads Beijing time in the alert, not the gateway's UTC."""
    readings = [vitals()] * 60 + [vitals(hr=130)] * 150
    out = run_stream(VitalsDetector(timezone="Asia/Shanghai"), steps(readings))
    raised = out[0]
    local = at(0).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"at {local:%H}:" in raised.event.evidence.summary
    assert f"at {at(0):%H}:" not in raised.event.evidence.summary
