"""Possible wandering: true positives (link lost, weak signal), true negatives, dementia."""

from __future__ import annotations

from datetime import timedelta

from contracts.events import EventStatus, EventType, Severity
from contracts.readings import HomeSensorKind
from edge_agent.detectors.base import Detection
from edge_agent.detectors.contract import Step, run_stream
from edge_agent.detectors.wandering import WanderingDetector
from tests.edge_agent.detectors import routine_streams as rs


def _raised(detections: list[Detection]) -> list[Detection]:
    return [d for d in detections if d.event.status is EventStatus.RAISED]


def _exit_with_band(band: list[Step], until_h: float = 3.0) -> list[Step]:
    steps = [*rs.bed(rs.at(23, 23.0), True), rs.status(rs.at(24, 1.9)), *band]
    steps += rs.bed(rs.at(24, 2.0), False) + rs.ticks(rs.at(24, 2.0), rs.at(24, until_h))
    return sorted(steps, key=lambda s: s.now)


def test_night_exit_with_the_wristband_link_lost_raises() -> None:
    steps = _exit_with_band([rs.home(rs.at(24, 2.05), HomeSensorKind.ENTRANCE, device=rs.DOOR)])
    raised = _raised(run_stream(WanderingDetector(rs.utc_settings()), steps))
    assert len(raised) == 1
    event = raised[0].event
    assert event.type is EventType.POSSIBLE_WANDERING
    assert event.severity is Severity.HIGH
    assert "wristband not heard" in event.evidence.summary
    assert event.evidence.values["entrance_at_local"] == "02:03"
    assert event.evidence.values["out_of_bed_min"] == 10.0


def test_dementia_raises_the_severity_to_critical() -> None:
    settings = rs.utc_settings(wandering={"dementia": True})
    raised = _raised(run_stream(WanderingDetector(settings), _exit_with_band([])))
    assert raised[0].event.severity is Severity.CRITICAL
    assert raised[0].event.evidence.values["dementia"] is True


def test_a_weak_signal_counts_as_leaving_reach() -> None:
    band = [rs.status(rs.at(24, 2.0) + timedelta(seconds=s), -97.0) for s in range(0, 3600, 60)]
    raised = _raised(run_stream(WanderingDetector(rs.utc_settings()), _exit_with_band(band)))
    assert len(raised) == 1
    assert "signal weak (-97 dBm)" in raised[0].event.evidence.summary


def test_a_wristband_in_reach_raises_nothing() -> None:
    band = [rs.status(rs.at(24, 2.0) + timedelta(seconds=s), -60.0) for s in range(0, 3600, 60)]
    assert run_stream(WanderingDetector(rs.utc_settings()), _exit_with_band(band)) == []


def test_without_a_wristband_nothing_can_be_told() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 2.0), False)]
    steps += rs.ticks(rs.at(24, 2.0), rs.at(24, 4.0))
    assert run_stream(WanderingDetector(rs.utc_settings()), steps) == []


def test_a_daytime_outing_is_not_wandering() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), rs.status(rs.at(24, 9.9))]
    steps += rs.bed(rs.at(24, 10.0), False) + rs.ticks(rs.at(24, 10.0), rs.at(24, 12.0))
    assert run_stream(WanderingDetector(rs.utc_settings()), steps) == []


def test_back_in_reach_clears() -> None:
    steps = _exit_with_band([rs.status(rs.at(24, 2.5), -55.0)], until_h=2.6)
    out = run_stream(WanderingDetector(rs.utc_settings()), steps)
    assert [d.event.status for d in out] == [EventStatus.RAISED, EventStatus.CLEARED]
    assert out[1].event.evidence.summary == "back home: wristband in reach or a sign of life"


def test_the_entrance_door_at_night_without_a_wristband_raises_then_a_sign_of_life_clears() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 2.0), False)]
    steps.append(rs.home(rs.at(24, 2.05), HomeSensorKind.ENTRANCE, device=rs.DOOR))
    steps += rs.ticks(rs.at(24, 2.0), rs.at(24, 2.5))
    steps.append(rs.home(rs.at(24, 2.6)))
    out = run_stream(WanderingDetector(rs.utc_settings()), steps)
    assert [d.event.status for d in out] == [EventStatus.RAISED, EventStatus.CLEARED]
    assert "entrance door at 02:03, no sign of life at home since" in (
        out[0].event.evidence.summary
    )


def test_a_door_opened_before_the_exit_is_not_leaving() -> None:
    steps = [rs.home(rs.at(23, 22.0), HomeSensorKind.ENTRANCE, device=rs.DOOR)]
    steps += [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 2.0), False)]
    steps += rs.ticks(rs.at(24, 2.0), rs.at(24, 3.0))
    assert run_stream(WanderingDetector(rs.utc_settings()), steps) == []


def test_an_outing_hours_after_an_early_rise_is_not_wandering() -> None:
    """Up at 05:00 (inside the 22:00–06:00 night window), out of the front door at 09:00."""
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 5.0), False)]
    steps += [rs.home(rs.at(24, 5.0) + timedelta(minutes=m)) for m in range(5, 230, 30)]
    steps.append(rs.home(rs.at(24, 9.0), HomeSensorKind.ENTRANCE, device=rs.DOOR))
    steps += rs.ticks(rs.at(24, 9.0), rs.at(24, 11.0))
    assert run_stream(WanderingDetector(rs.utc_settings()), steps) == []
