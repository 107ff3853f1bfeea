"""Wristband health: off-wrist, low battery with hysteresis, a silent band; all clear."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts.events import Audience, EventStatus, EventType
from contracts.readings import WristbandStatus
from edge_agent.detectors.base import Detection
from edge_agent.detectors.wristband_health import (
    WristbandHealthDetector,
    WristbandHealthSettings,
)
from tests.edge_agent.detectors.fall_streams import BAND, at, blocks, walking


def kinds(out: list[Detection]) -> list[tuple[str, str]]:
    return [(d.event.type.value, d.event.status.value) for d in out]


def status(d: WristbandHealthDetector, s: float, **fields: object) -> list[Detection]:
    return d.observe(BAND, WristbandStatus(**fields), at(s))


def _statuses_only_hourly() -> WristbandHealthDetector:
    return WristbandHealthDetector(WristbandHealthSettings(silent_after_s=3600))


def test_off_wrist_beyond_ten_minutes_is_raised_by_tick_and_cleared_when_worn() -> None:
    d = _statuses_only_hourly()
    assert status(d, 0, on_wrist=False) == []
    assert d.tick(at(9 * 60)) == []
    assert status(d, 9 * 60 + 30, on_wrist=False) == []
    [raised] = d.tick(at(10 * 60 + 1))
    assert kinds([raised]) == [("off_wrist", "raised")]
    assert raised.event.audience is Audience.OPERATOR
    assert "10 min" in raised.event.evidence.summary
    assert d.tick(at(20 * 60)) == []
    assert kinds(status(d, 20 * 60 + 1, on_wrist=True)) == [("off_wrist", "cleared")]


def test_taking_the_band_off_briefly_raises_nothing() -> None:
    d = _statuses_only_hourly()
    assert status(d, 0, on_wrist=False) == []
    assert status(d, 5 * 60, on_wrist=True) == []
    assert status(d, 6 * 60, on_wrist=False) == []
    assert d.tick(at(12 * 60)) == []
    assert status(d, 14 * 60, on_wrist=None) == []  # unknown says nothing either way
    assert kinds(d.tick(at(16 * 60 + 1))) == [("off_wrist", "raised")]


def test_low_battery_has_hysteresis() -> None:
    d = WristbandHealthDetector()
    assert status(d, 0, battery_pct=40) == []
    assert kinds(status(d, 1, battery_pct=15)) == [("low_battery", "raised")]
    assert status(d, 2, battery_pct=12) == []
    assert status(d, 3, battery_pct=20) == []  # wobbling above 15 % does not clear it
    assert status(d, 4, battery_pct=14) == []
    [cleared] = status(d, 5, battery_pct=26)
    assert kinds([cleared]) == [("low_battery", "cleared")]
    assert cleared.event.evidence.values["battery_pct"] == 26


def test_a_silent_band_is_offline_and_any_reading_brings_it_back() -> None:
    d = WristbandHealthDetector()
    [(_, block)] = blocks(walking, 1)
    assert d.observe(BAND, block, at(0)) == []
    assert d.tick(at(300)) == []
    [offline] = d.tick(at(301))
    assert kinds([offline]) == [("device_offline", "raised")]
    assert offline.event.evidence.values["silent_min"] == 5.0
    assert d.tick(at(4000)) == []
    assert kinds(d.observe(BAND, block, at(4001))) == [("device_offline", "cleared")]
    assert d.tick(at(4002)) == []


def test_other_readings_are_ignored() -> None:
    from contracts.readings import SmokeReading

    d = WristbandHealthDetector()
    assert d.observe("smoke-1", SmokeReading(smoke=True), at(0)) == []
    assert d.tick(at(10_000)) == []


def test_settings_refuse_a_battery_gap_that_would_flap() -> None:
    with pytest.raises(ValidationError, match="battery_ok_pct must be above"):
        WristbandHealthSettings(low_battery_pct=30, battery_ok_pct=20)


def test_cleared_events_are_cleared_status() -> None:
    d = WristbandHealthDetector(WristbandHealthSettings(silent_after_s=10))
    status(d, 0)
    d.tick(at(11))
    [back] = status(d, 12)
    assert back.event.type is EventType.DEVICE_OFFLINE
    assert back.event.status is EventStatus.CLEARED
