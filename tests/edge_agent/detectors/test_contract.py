"""Every detector passes the shared detector contract (edge_agent.detectors.contract).

Add each new detector here with a stream that makes it fire (and clear, where it clears).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from contracts.readings import MattressVitals, SmokeReading, WristbandStatus
from edge_agent.detectors.base import Detector
from edge_agent.detectors.bed import BedPresenceDetector
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.contract import (
    ContractViolationError,
    Step,
    check_detector_contract,
)
from edge_agent.detectors.fall import FallDetector
from edge_agent.detectors.fire import FireDetector
from edge_agent.detectors.routine import RoutineDetector
from edge_agent.detectors.sos import SosDetector
from edge_agent.detectors.vitals import VitalsDetector
from edge_agent.detectors.wandering import WanderingDetector
from edge_agent.detectors.wristband_health import WristbandHealthDetector
from tests.edge_agent.detectors import fall_streams
from tests.edge_agent.detectors import routine_streams as rs
from tests.edge_agent.detectors import vitals_streams as vs

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fire_stream() -> list[Step]:
    return [
        Step(_at(0), "smoke-0001", SmokeReading(smoke=False, battery_pct=90)),
        Step(_at(1), "smoke-0001", SmokeReading(smoke=True, battery_pct=90)),
        Step(_at(2), "smoke-0002", SmokeReading(smoke=True, test=True)),
        Step(_at(30), "smoke-0001", SmokeReading(smoke=False, tamper=True, battery_low=True)),
        Step(_at(26 * 3600)),
    ]


def fall_stream() -> list[Step]:
    band, other = fall_streams.BAND, "band-0002"
    steps = [
        Step(_at(-5), "mattress-1", MattressVitals(in_bed=False)),
        *fall_streams.steps(fall_streams.fall_signal(), 12),
        *fall_streams.steps(fall_streams.fall_signal(), 12, band=other),
        Step(_at(20), other, WristbandStatus(sos_pressed=True)),  # I'm OK: cancels band-0002
        Step(_at(41)),  # band-0001 raised
        Step(_at(50), band, WristbandStatus(band_fall_flag=True)),
        Step(_at(90)),  # the flag of a band that sent no accelerometer data for 30 s: raised
    ]
    return sorted(steps, key=lambda step: step.now)  # the two bands' blocks interleaved


def sos_stream() -> list[Step]:
    band = fall_streams.BAND
    return [
        Step(_at(0), band, WristbandStatus(sos_pressed=False)),
        Step(_at(1), band, WristbandStatus(sos_pressed=True)),
        Step(_at(2), band, WristbandStatus(sos_pressed=True)),
        Step(_at(3), band, WristbandStatus(sos_pressed=False)),
        Step(_at(4), band, WristbandStatus(sos_pressed=True)),
    ]


def wristband_health_stream() -> list[Step]:
    band = fall_streams.BAND
    return [
        Step(_at(0), band, WristbandStatus(on_wrist=False, battery_pct=14)),
        Step(_at(200), band, WristbandStatus(on_wrist=False, battery_pct=14)),
        Step(_at(400), band, WristbandStatus(on_wrist=False, battery_pct=20)),
        Step(_at(601)),
        Step(_at(700), band, WristbandStatus(on_wrist=True, battery_pct=30)),
        Step(_at(1100)),
        Step(_at(1101), band, WristbandStatus(on_wrist=True)),
    ]


CASES: dict[str, tuple[Callable[[], Detector], Callable[[], Sequence[Step]]]] = {
    "fire": (FireDetector, fire_stream),
    "bed_exit": (lambda: BedExitDetector(rs.utc_settings()), rs.bed_exit_contract_stream),
    "routine": (lambda: RoutineDetector(rs.utc_settings()), rs.routine_contract_stream),
    "wandering": (lambda: WanderingDetector(rs.utc_settings()), rs.wandering_contract_stream),
    "fall": (FallDetector, fall_stream),
    "sos": (SosDetector, sos_stream),
    "wristband_health": (WristbandHealthDetector, wristband_health_stream),
    "bed": (lambda: BedPresenceDetector(vs.fast_bed_settings()), vs.bed_contract_stream),
    "vitals": (lambda: VitalsDetector(vs.fast_vitals_settings()), vs.vitals_contract_stream),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_detector_passes_the_shared_contract(name: str) -> None:
    make, stream = CASES[name]
    detections = check_detector_contract(make, stream())
    if name == "vitals":
        assert [(d.event.type.value, d.event.status.value) for d in detections] == [
            ("hr_high", "raised"),
            ("hr_high", "cleared"),
            ("apnea", "raised"),
            ("apnea", "cleared"),
            ("rr_low", "raised"),
        ]
    if name == "bed":
        assert [d.event.status.value for d in detections] == ["raised", "cleared"]
    if name == "fall":
        assert [(d.device_id, d.event.evidence.values["source"]) for d in detections] == [
            (fall_streams.BAND, "accelerometer"),
            (fall_streams.BAND, "band_flag"),
        ]


class _ForgetfulDetector(FireDetector):
    """A detector whose snapshot loses its state (for the contract test's own test)."""

    __module__ = FireDetector.__module__  # documented where its parent is

    def snapshot(self) -> dict[str, object]:
        return {"version": 1, "sensors": {}}


def test_the_contract_catches_a_snapshot_that_does_not_resume() -> None:
    stream = [
        Step(_at(0), "smoke-0001", SmokeReading(smoke=True)),
        Step(_at(1), "smoke-0001", SmokeReading(smoke=False)),
    ]
    with pytest.raises(ContractViolationError, match="did not resume"):
        check_detector_contract(_ForgetfulDetector, stream)
