"""SOS button: raised at once, never lost; the one press that is "I'm OK" for a fall."""

from __future__ import annotations

import pytest

from contracts.events import EventStatus, EventType, Severity
from contracts.readings import WristbandStatus
from edge_agent.detectors.base import Detection, Detector
from edge_agent.detectors.fall import FallDetector
from edge_agent.detectors.registry import build_detectors
from edge_agent.detectors.settings import DetectionSettings
from edge_agent.detectors.sos import SosDetector
from tests.edge_agent.detectors.fall_streams import BAND, at, blocks, fall_signal


def press(d: SosDetector, s: float, pressed: bool = True, band: str = BAND) -> list[Detection]:
    return d.observe(band, WristbandStatus(sos_pressed=pressed, battery_pct=80), at(s))


def test_a_press_raises_sos_at_once_and_critical() -> None:
    d = SosDetector()
    assert press(d, 0, pressed=False) == []
    [detection] = press(d, 1)
    assert detection.device_id == BAND
    assert detection.event.type is EventType.SOS
    assert detection.event.severity is Severity.CRITICAL
    assert detection.event.status is EventStatus.RAISED
    assert "SOS" in detection.event.evidence.summary
    assert detection.event.evidence.values["battery_pct"] == 80


def test_the_first_status_seen_pressed_is_a_press() -> None:
    assert len(press(SosDetector(), 0)) == 1


def test_a_button_held_down_is_one_sos_and_a_new_press_is_another() -> None:
    d = SosDetector()
    assert len(press(d, 1)) == 1
    assert press(d, 2) == []
    assert press(d, 3, pressed=False) == []
    assert d.tick(at(3000)) == []  # never cleared, never expired
    assert len(press(d, 4)) == 1


def test_bands_are_independent() -> None:
    d = SosDetector()
    assert len(press(d, 1)) == 1
    assert len(press(d, 1, band="band-0002")) == 1


def _home() -> tuple[FallDetector, SosDetector, list[Detector]]:
    detectors = build_detectors(DetectionSettings())
    fall = next(x for x in detectors if isinstance(x, FallDetector))
    sos = next(x for x in detectors if isinstance(x, SosDetector))
    return fall, sos, detectors


def _show(detectors: list[Detector], s: float, reading: object) -> list[EventType]:
    out: list[Detection] = []
    for d in detectors:
        out += d.observe(BAND, reading, at(s))  # type: ignore[arg-type]
        out += d.tick(at(s))
    return [x.event.type for x in out]


def _suspect_a_fall(detectors: list[Detector]) -> None:
    for s, block in blocks(fall_signal(), 12):
        assert _show(detectors, s, block) == []


@pytest.mark.parametrize("sos_first", [True, False])
def test_im_ok_inside_a_pending_fall_cancels_the_fall_and_is_not_an_sos(sos_first: bool) -> None:
    fall, sos, detectors = _home()
    if not sos_first:
        detectors = [d for d in detectors if d is not sos] + [sos]
    _suspect_a_fall(detectors)
    assert fall.pending_fall(BAND)
    assert _show(detectors, 20, WristbandStatus(sos_pressed=True)) == []
    assert _show(detectors, 21, WristbandStatus(sos_pressed=False)) == []
    assert not fall.pending_fall(BAND)
    quiet: list[EventType] = []
    for s in range(22, 90):
        quiet += [x.event.type for d in detectors for x in d.tick(at(s))]
    assert EventType.FALL not in quiet
    assert EventType.SOS not in quiet


def test_a_second_press_after_im_ok_is_an_sos() -> None:
    _, _, detectors = _home()
    _suspect_a_fall(detectors)
    assert _show(detectors, 20, WristbandStatus(sos_pressed=True)) == []
    assert _show(detectors, 21, WristbandStatus(sos_pressed=False)) == []
    assert _show(detectors, 23, WristbandStatus(sos_pressed=True)) == [EventType.SOS]


def test_an_im_ok_press_held_for_three_seconds_is_an_sos() -> None:
    fall, _, detectors = _home()
    _suspect_a_fall(detectors)
    assert _show(detectors, 20, WristbandStatus(sos_pressed=True)) == []
    assert _show(detectors, 21, WristbandStatus(sos_pressed=True)) == []
    assert _show(detectors, 23, WristbandStatus(sos_pressed=True)) == [EventType.SOS]
    assert _show(detectors, 24, WristbandStatus(sos_pressed=True)) == []
    assert not fall.pending_fall(BAND)  # the fall is cancelled; the SOS stands for it


def _tick(detectors: list[Detector], s: float) -> list[EventType]:
    return [x.event.type for d in detectors for x in d.tick(at(s))]


def test_an_im_ok_press_held_with_no_status_until_release_is_an_sos_after_three_s() -> None:
    _, _, detectors = _home()
    _suspect_a_fall(detectors)
    assert _show(detectors, 20, WristbandStatus(sos_pressed=True)) == []
    assert _tick(detectors, 21) + _tick(detectors, 22) == []
    assert _tick(detectors, 23) == [EventType.SOS]
    assert _show(detectors, 25, WristbandStatus(sos_pressed=False)) == []  # once only


def test_a_late_release_report_of_an_im_ok_press_is_an_sos() -> None:
    _, _, detectors = _home()
    _suspect_a_fall(detectors)
    assert _show(detectors, 20, WristbandStatus(sos_pressed=True)) == []
    assert _show(detectors, 24, WristbandStatus(sos_pressed=False)) == [EventType.SOS]


def test_a_short_im_ok_press_stays_im_ok() -> None:
    fall, _, detectors = _home()
    _suspect_a_fall(detectors)
    assert _show(detectors, 20, WristbandStatus(sos_pressed=True)) == []
    assert _show(detectors, 21, WristbandStatus(sos_pressed=False)) == []
    assert [_tick(detectors, s) for s in range(22, 80)] == [[]] * 58
    assert not fall.pending_fall(BAND)


def test_a_press_after_the_fall_was_raised_is_an_sos() -> None:
    _, _, detectors = _home()
    _suspect_a_fall(detectors)
    raised = [x.event.type for d in detectors for x in d.tick(at(60))]
    assert raised == [EventType.FALL]
    assert _show(detectors, 61, WristbandStatus(sos_pressed=True)) == [EventType.SOS]


def test_without_a_pending_fall_every_press_is_an_sos_in_a_home() -> None:
    _, _, detectors = _home()
    assert _show(detectors, 1, WristbandStatus(sos_pressed=True)) == [EventType.SOS]


def test_the_summary_reads_the_home_clock_and_the_values_keep_utc() -> None:
    d = SosDetector(timezone="Asia/Shanghai")
    [detection] = press(d, 1)
    assert "at 11:00:01" in detection.event.evidence.summary
    assert detection.event.evidence.values["pressed_at"] == "2026-11-24T03:00:01+00:00"
