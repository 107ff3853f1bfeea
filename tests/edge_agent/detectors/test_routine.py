"""Not up by usual time and prolonged inactivity: true positives, true negatives, learning."""

from __future__ import annotations

import json
from datetime import timedelta

from contracts.events import EventStatus, EventType
from contracts.readings import HomeSensorKind
from edge_agent.detectors.base import Detection
from edge_agent.detectors.contract import Step, run_stream
from edge_agent.detectors.routine import RoutineDetector
from tests.edge_agent.detectors import routine_streams as rs


def _raised(detections: list[Detection], type_: EventType) -> list[Detection]:
    return [d for d in detections if d.event.status is EventStatus.RAISED and d.event.type is type_]


NOT_UP = EventType.NOT_UP_BY_USUAL_TIME
INACTIVE = EventType.PROLONGED_INACTIVITY


def test_still_in_bed_at_the_default_limit_raises_then_clears_when_up() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.ticks(rs.at(24, 6.0), rs.at(24, 14.0))]
    steps += rs.bed(rs.at(24, 14.2), False)
    out = run_stream(RoutineDetector(rs.utc_settings()), steps)
    raised = _raised(out, NOT_UP)
    assert len(raised) == 1
    assert raised[0].event.evidence.values["limit_local"] == "13:00"
    assert "in bed since 23:00" in raised[0].event.evidence.summary
    cleared = [d for d in out if d.event.status is EventStatus.CLEARED]
    assert len(cleared) == 1
    assert "up at 14:12" in cleared[0].event.evidence.summary


def test_up_in_the_morning_raises_nothing() -> None:
    steps = rs.normal_day(23, wake_h=9.0) + rs.ticks(rs.at(24, 6.0), rs.at(24, 23.0))
    assert run_stream(RoutineDetector(rs.utc_settings()), steps) == []


def test_a_nap_after_getting_up_is_not_not_up() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 7.0), False)]
    steps += [rs.home(rs.at(24, h)) for h in (7.5, 8.5, 9.5, 10.5, 11.5)]
    steps += rs.bed(rs.at(24, 12.0), True) + rs.ticks(rs.at(24, 12.0), rs.at(24, 15.0))
    assert _raised(run_stream(RoutineDetector(rs.utc_settings()), steps), NOT_UP) == []


def test_the_learned_wake_limit_catches_a_late_morning_the_default_would_miss() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, rs.learned_days(1, 8, wake_h=7.0))
    assert detector.tracker.portrait.burned_in
    steps = [*rs.bed(rs.at(9, 23.0), True), *rs.ticks(rs.at(10, 6.0), rs.at(10, 10.0))]
    raised = _raised(run_stream(detector, steps), NOT_UP)
    assert len(raised) == 1
    values = raised[0].event.evidence.values
    assert values["limit_basis"] == "learned"
    assert values["usual_wake_local"] == "07:00"
    assert values["limit_local"] == "08:00"
    assert "usually up by 07:00" in raised[0].event.evidence.summary


def test_a_usual_morning_after_learning_raises_nothing() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, rs.learned_days(1, 8, wake_h=7.0))
    steps = rs.normal_day(9, wake_h=7.5) + rs.ticks(rs.at(10, 6.0), rs.at(10, 17.0))
    assert run_stream(detector, steps) == []


def test_a_day_that_raised_is_not_learned() -> None:
    detector = RoutineDetector(rs.utc_settings())
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.ticks(rs.at(24, 12.0), rs.at(24, 13.5))]
    steps += rs.bed(rs.at(24, 15.0), False) + rs.ticks(rs.at(24, 15.0), rs.at(24, 19.0))
    run_stream(detector, steps)
    assert detector.tracker.portrait.days_learned == 0


def test_no_sign_of_life_in_active_hours_raises_then_clears() -> None:
    steps = rs.bed(rs.at(23, 23.0), True) + rs.bed(rs.at(24, 8.0), False)
    steps += [rs.home(rs.at(24, 9.0)), *rs.ticks(rs.at(24, 9.0), rs.at(24, 14.0))]
    steps.append(rs.home(rs.at(24, 14.5)))
    out = run_stream(RoutineDetector(rs.utc_settings()), steps)
    raised = _raised(out, INACTIVE)
    assert len(raised) == 1
    assert raised[0].event.evidence.values["last_sign_of_life_local"] == "09:00"
    assert raised[0].event.evidence.values["quiet_h"] == 4.0
    assert out[-1].event.status is EventStatus.CLEARED


def test_sitting_in_the_chair_is_resting_not_inactivity() -> None:
    steps = rs.bed(rs.at(23, 23.0), True) + rs.bed(rs.at(24, 8.0), False)
    steps.append(rs.home(rs.at(24, 9.0), HomeSensorKind.SEAT, True, rs.SEAT))
    steps += rs.ticks(rs.at(24, 9.0), rs.at(24, 16.0))
    assert run_stream(RoutineDetector(rs.utc_settings()), steps) == []


def test_gone_out_of_the_front_door_is_away_not_inactive() -> None:
    steps = rs.bed(rs.at(23, 23.0), True) + rs.bed(rs.at(24, 8.0), False)
    steps.append(rs.home(rs.at(24, 9.0), HomeSensorKind.ENTRANCE, device=rs.DOOR))
    steps += rs.ticks(rs.at(24, 9.0), rs.at(24, 16.0))
    assert run_stream(RoutineDetector(rs.utc_settings()), steps) == []


def test_quiet_outside_active_hours_raises_nothing() -> None:
    steps = [rs.home(rs.at(23, 22.5)), *rs.ticks(rs.at(23, 22.5), rs.at(24, 7.9))]
    assert run_stream(RoutineDetector(rs.utc_settings()), steps) == []


def test_the_learned_inactivity_limit_is_shorter_for_a_busy_resident() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, rs.learned_days(1, 8, wake_h=7.0))
    steps = rs.bed(rs.at(9, 23.0), True) + rs.bed(rs.at(10, 7.0), False)
    steps += [rs.home(rs.at(10, 8.0)), *rs.ticks(rs.at(10, 8.0), rs.at(10, 11.0))]
    raised = _raised(run_stream(detector, steps), INACTIVE)
    assert len(raised) == 1
    values = raised[0].event.evidence.values
    assert values["limit_basis"] == "learned"
    assert values["limit_h"] == 1.5  # usual longest quiet 0.5 h x 1.5, clamped up to 90 min
    assert raised[0].event.evidence.values["last_sign_of_life_local"] == "08:00"


def test_a_restart_keeps_the_portrait() -> None:
    first = RoutineDetector(rs.utc_settings())
    run_stream(first, rs.learned_days(1, 8, wake_h=7.0))
    second = RoutineDetector(rs.utc_settings())
    second.restore(first.snapshot())
    assert second.tracker.portrait.summary() == first.tracker.portrait.summary()
    steps = [*rs.bed(rs.at(9, 23.0), True), Step(rs.at(10, 8.5))]
    assert [d.event.type for d in run_stream(second, steps)] == [NOT_UP]
    assert second.snapshot()["tracker"] != first.snapshot()["tracker"]


def test_gone_out_with_the_wristband_is_away_not_inactive() -> None:
    """No entrance sensor in this home: the wristband leaving the gateway's reach says it."""
    steps = rs.bed(rs.at(23, 23.0), True) + rs.bed(rs.at(24, 8.0), False)
    steps += [rs.status(rs.at(24, 8.0) + timedelta(minutes=m)) for m in range(0, 61, 1)]
    steps += [rs.home(rs.at(24, 9.0)), *rs.ticks(rs.at(24, 9.0), rs.at(24, 16.0))]
    assert run_stream(RoutineDetector(rs.utc_settings()), steps) == []


def test_coming_home_with_the_wristband_is_a_sign_of_life() -> None:
    steps = rs.bed(rs.at(23, 23.0), True) + rs.bed(rs.at(24, 8.0), False)
    steps += [rs.status(rs.at(24, 8.0) + timedelta(minutes=m)) for m in range(0, 61, 1)]
    back = rs.at(24, 14.0)  # 5 h out of reach, then heard again (still, not yet moving)
    steps += [rs.status(back + timedelta(minutes=m)) for m in range(0, 61, 1)]
    steps += rs.ticks(back, back + timedelta(hours=1))
    detector = RoutineDetector(rs.utc_settings())
    assert run_stream(detector, steps) == []
    assert detector.tracker.last_activity == back


def test_a_day_snapshot_stays_small() -> None:
    """The pipeline checkpoints every few seconds: the state must not grow with readings."""
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, rs.learned_days(1, 29))
    steps = [rs.home(rs.at(30, 23.0) + timedelta(seconds=s)) for s in range(0, 3600, 5)]
    run_stream(detector, steps)
    assert detector.tracker.portrait.days_learned == 28  # the window
    assert len(json.dumps(detector.snapshot())) < 30_000


def _days_without_bed(n: int) -> list[Step]:
    return [s for day in range(1, n + 1) for s in rs.day_without_bed(day)]


def test_without_a_bed_sensor_the_rise_time_is_learned() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, _days_without_bed(9))
    summary = detector.tracker.portrait.summary()
    assert summary["usual_first_up"] == {"median": "07:00", "p90": "07:00"}
    assert summary["usual_wake"] == {"median": None, "p90": None}


def test_without_a_bed_sensor_no_sign_of_life_by_the_learned_time_raises() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, _days_without_bed(9))
    out = run_stream(detector, rs.ticks(rs.at(10, 6.0), rs.at(10, 9.0)))
    raised = _raised(out, NOT_UP)
    assert len(raised) == 1
    event = raised[0].event
    assert event.evidence.values["bed_sensor"] is False
    assert event.evidence.values["limit_local"] == "08:00"
    assert "no sign of life by 08:00 since 22:00 (no bed sensor)" in event.evidence.summary
    assert "usually up by 07:00" in event.evidence.summary
    cleared = run_stream(detector, [rs.home(rs.at(10, 9.5))])
    assert [d.event.status for d in cleared] == [EventStatus.CLEARED]


def test_without_a_bed_sensor_an_ordinary_morning_raises_nothing() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, _days_without_bed(9))
    steps = rs.day_without_bed(10, first_h=7.5) + rs.ticks(rs.at(10, 6.0), rs.at(10, 12.0))
    steps.sort(key=lambda s: s.now)
    assert run_stream(detector, steps) == []  # and the night's silence is no inactivity


def test_without_a_bed_sensor_inactivity_after_getting_up_raises() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, _days_without_bed(9))
    steps = [rs.home(rs.at(10, 7.0)), rs.home(rs.at(10, 9.0))]
    steps += rs.ticks(rs.at(10, 9.0), rs.at(10, 12.0))
    raised = _raised(run_stream(detector, steps), INACTIVE)
    assert len(raised) == 1
    assert raised[0].event.evidence.values["last_sign_of_life_local"] == "09:00"
    assert raised[0].event.evidence.values["quiet_h"] == 1.5


def test_without_a_bed_sensor_gone_out_the_evening_before_is_not_not_up() -> None:
    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, _days_without_bed(9))
    steps = [rs.home(rs.at(9, 22.5), HomeSensorKind.ENTRANCE, device=rs.DOOR)]
    steps += rs.ticks(rs.at(10, 6.0), rs.at(10, 14.0))
    assert run_stream(detector, steps) == []
