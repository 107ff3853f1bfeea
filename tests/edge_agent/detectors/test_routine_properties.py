"""Property tests: the routine detectors pass the shared contract on any stream of a resident's
readings (bed, home sensors, wristband) over two days, with time going forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.readings import HomeSensorKind
from edge_agent.detectors.base import Detector
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.contract import Step, check_detector_contract, run_stream
from edge_agent.detectors.routine import RoutineDetector
from edge_agent.detectors.wandering import WanderingDetector
from tests.edge_agent.detectors import routine_streams as rs

T0 = rs.at(23, 20.0)


def _step(kind: int, at: timedelta, flag: bool, rssi: float) -> list[Step]:
    now = T0 + at
    builders: dict[int, Callable[[], list[Step]]] = {
        0: lambda: rs.bed(now, flag),
        1: lambda: [rs.home(now, HomeSensorKind.MOTION, flag)],
        2: lambda: [rs.home(now, HomeSensorKind.SEAT, flag, rs.SEAT)],
        3: lambda: [rs.home(now, HomeSensorKind.ENTRANCE, flag, rs.DOOR)],
        4: lambda: [rs.moving_block(now) if flag else rs.still_block(now)],
        5: lambda: [rs.status(now, rssi)],
    }
    return builders.get(kind, lambda: [Step(now)])()


Raw = list[tuple[int, int, bool, float]]
events = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=6),
        st.integers(min_value=1, max_value=240),  # minutes since the previous step
        st.booleans(),
        st.sampled_from([-50.0, -95.0]),
    ),
    min_size=1,
    max_size=18,
)


def _stream(raw: Raw) -> list[Step]:
    steps: list[Step] = []
    at = timedelta(0)
    for kind, gap_min, flag, rssi in raw:
        at += timedelta(minutes=gap_min)
        steps += _step(kind, at, flag, rssi)
    return steps


MAKERS: list[Callable[[], Detector]] = [
    lambda: BedExitDetector(rs.utc_settings()),
    lambda: RoutineDetector(rs.utc_settings()),
    lambda: WanderingDetector(rs.utc_settings()),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=events, which=st.integers(min_value=0, max_value=2))
def test_any_stream_keeps_the_contract(raw: Raw, which: int) -> None:
    check_detector_contract(MAKERS[which], _stream(raw), min_detections=0)


@settings(max_examples=40, deadline=None)
@given(raw=events)
def test_raised_and_cleared_alternate_per_event_type(
    raw: list[tuple[int, int, bool, float]],
) -> None:
    for make in MAKERS:
        open_types: set[str] = set()
        for d in run_stream(make(), _stream(raw)):
            kind = d.event.type.value
            if d.event.status.value == "cleared":
                assert kind in open_types, f"{kind} cleared without being raised"
                open_types.discard(kind)
            else:
                assert kind not in open_types, f"{kind} raised twice without clearing"
                open_types.add(kind)
