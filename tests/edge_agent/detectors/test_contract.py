"""Every detector passes the shared detector contract (edge_agent.detectors.contract).

Add each new detector here with a stream that makes it fire (and clear, where it clears).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from contracts.readings import SmokeReading
from edge_agent.detectors.base import Detector
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.contract import (
    ContractViolationError,
    Step,
    check_detector_contract,
)
from edge_agent.detectors.fire import FireDetector
from edge_agent.detectors.routine import RoutineDetector
from edge_agent.detectors.wandering import WanderingDetector
from tests.edge_agent.detectors import routine_streams as rs

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


CASES: dict[str, tuple[Callable[[], Detector], Callable[[], Sequence[Step]]]] = {
    "fire": (FireDetector, fire_stream),
    "bed_exit": (lambda: BedExitDetector(rs.utc_settings()), rs.bed_exit_contract_stream),
    "routine": (lambda: RoutineDetector(rs.utc_settings()), rs.routine_contract_stream),
    "wandering": (lambda: WanderingDetector(rs.utc_settings()), rs.wandering_contract_stream),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_detector_passes_the_shared_contract(name: str) -> None:
    make, stream = CASES[name]
    check_detector_contract(make, stream())


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
