"""Bed exit not back: true-positive and true-negative streams, learning, escalation."""

from __future__ import annotations

from datetime import timedelta

from contracts.events import EventStatus, EventType, Severity
from contracts.readings import HomeSensorKind, MattressVitals
from edge_agent.detectors.base import Detection
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.contract import Step, run_stream
from edge_agent.detectors.settings import DetectionSettings
from silverguard.demo.timings import demo_detection
from tests.edge_agent.detectors import routine_streams as rs


def _raised(detections: list[Detection]) -> list[Detection]:
    return [d for d in detections if d.event.status is EventStatus.RAISED]


def _night(day: int, exit_h: float, minutes: float, *extra: Step) -> list[Step]:
    steps = [*rs.bed(rs.at(day, 23.0), True), *rs.bed(rs.at(day + 1, exit_h), False), *extra]
    back = rs.at(day + 1, exit_h) + timedelta(minutes=minutes)
    steps += rs.ticks(rs.at(day + 1, exit_h), back)
    steps += rs.bed(back, True)
    return steps


def test_not_back_within_the_default_limit_raises_with_numbers() -> None:
    out = run_stream(BedExitDetector(rs.utc_settings()), _night(23, 2.0, 40))
    raised = _raised(out)
    assert len(raised) == 1
    event = raised[0].event
    assert event.type is EventType.BED_EXIT_NO_RETURN
    assert event.severity is Severity.HIGH
    assert event.evidence.values["limit_min"] == 30.0
    assert event.evidence.values["limit_basis"] == "default"
    assert "out of bed 30 min since 02:00" in event.evidence.summary
    assert out[-1].event.status is EventStatus.CLEARED
    assert "after 40 min out" in out[-1].event.evidence.summary


def test_a_short_toilet_trip_raises_nothing() -> None:
    assert run_stream(BedExitDetector(rs.utc_settings()), _night(23, 2.0, 12)) == []


def test_getting_up_in_the_morning_is_not_a_night_exit() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 7.0), False)]
    steps += rs.ticks(rs.at(24, 7.0), rs.at(24, 10.0))
    assert run_stream(BedExitDetector(rs.utc_settings()), steps) == []


def test_a_flickering_presence_flag_is_not_an_exit() -> None:
    t = rs.at(24, 2.0)
    steps = [*rs.bed(rs.at(23, 23.0), True)]
    for i in range(0, 3600, 60):  # every minute a 10 s dropout of the in-bed flag
        steps.append(Step(t + timedelta(seconds=i), rs.MAT, MattressVitals(in_bed=False)))
        steps.append(Step(t + timedelta(seconds=i + 10), rs.MAT, MattressVitals(in_bed=True)))
    detector = BedExitDetector(rs.utc_settings())
    assert run_stream(detector, steps) == []
    assert detector.tracker.in_bed is True


def test_up_and_about_in_the_home_is_not_a_no_return() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 4.0), False)]
    steps += [rs.home(rs.at(24, 4.0) + timedelta(minutes=m)) for m in (5, 15, 25)]
    steps += rs.ticks(rs.at(24, 4.0), rs.at(24, 5.0))
    assert run_stream(BedExitDetector(rs.utc_settings()), steps) == []


def test_a_still_wristband_escalates_to_critical() -> None:
    t = rs.at(24, 2.0)
    band = [rs.still_block(t + timedelta(minutes=m)) for m in range(0, 35, 1)]
    out = _raised(run_stream(BedExitDetector(rs.utc_settings()), _night(23, 2.0, 40, *band)))
    assert out[0].event.severity is Severity.CRITICAL
    assert out[0].event.evidence.values["wristband_still"] is True
    assert "wristband still" in out[0].event.evidence.summary


def test_a_moving_wristband_does_not_escalate() -> None:
    t = rs.at(24, 2.0)
    band = [rs.moving_block(t + timedelta(minutes=m)) for m in range(0, 35, 1)]
    out = _raised(run_stream(BedExitDetector(rs.utc_settings()), _night(23, 2.0, 40, *band)))
    assert out[0].event.severity is Severity.HIGH
    assert out[0].event.evidence.values["wristband_still"] is False


def test_the_learned_limit_comes_from_the_residents_own_exits() -> None:
    detector = BedExitDetector(rs.utc_settings())
    history = rs.learned_days(1, 8, exits=[(2.0, 6.0), (4.0, 8.0)])
    run_stream(detector, history)
    portrait = detector.tracker.portrait
    assert portrait.burned_in
    assert portrait.night_exit_quantile(0.95) == 8.0
    # 20 min out: fine for the 30 min default, but more than twice this resident's usual 8
    steps = _night(9, 2.0, 20)
    out = _raised(run_stream(detector, steps))
    assert len(out) == 1
    values = out[0].event.evidence.values
    assert values["limit_basis"] == "learned"
    assert values["usual_max_min"] == 8.0
    assert values["limit_min"] == 16.0
    assert "usual ≤ 8 min" in out[0].event.evidence.summary


def test_a_usual_exit_after_learning_raises_nothing() -> None:
    detector = BedExitDetector(rs.utc_settings())
    run_stream(detector, rs.learned_days(1, 8, exits=[(2.0, 6.0), (4.0, 8.0)]))
    assert _raised(run_stream(detector, _night(9, 2.0, 9))) == []


def test_the_night_of_an_alert_is_not_learned() -> None:
    detector = BedExitDetector(rs.utc_settings())
    run_stream(detector, _night(23, 2.0, 40))
    run_stream(detector, rs.ticks(rs.at(24, 17.0), rs.at(24, 19.0)))  # day boundary 18:00
    assert detector.tracker.portrait.days_learned == 0
    assert detector.tracker.portrait.night_exits() == []


def test_a_restart_mid_exit_keeps_the_running_clock() -> None:
    first = BedExitDetector(rs.utc_settings())
    run_stream(first, [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 2.0), False)])
    second = BedExitDetector(rs.utc_settings())
    second.restore(first.snapshot())
    out = second.tick(rs.at(24, 2.6))
    assert [d.event.type for d in out] == [EventType.BED_EXIT_NO_RETURN]
    assert out[0].event.evidence.values["out_of_bed_min"] == 36.0


def test_an_entrance_door_does_not_count_as_up_and_about() -> None:
    steps = [*rs.bed(rs.at(23, 23.0), True), *rs.bed(rs.at(24, 2.0), False)]
    steps.append(rs.home(rs.at(24, 2.45), HomeSensorKind.ENTRANCE, device=rs.DOOR))
    steps += rs.ticks(rs.at(24, 2.0), rs.at(24, 3.0))
    assert len(_raised(run_stream(BedExitDetector(rs.utc_settings()), steps))) == 1


def test_a_night_window_across_the_day_boundary_still_watches_exits() -> None:
    """Night 17:00-07:00 with the portrait day starting at 18:00: an exit at 17:30 counts
    (it used to be compared as start 1380 <= minute < end 780, which nothing satisfies)."""
    settings = rs.utc_settings(
        bed_exit={"default_night_start_hour": 17.0, "default_night_end_hour": 7.0}
    )
    steps = [*rs.bed(rs.at(24, 15.0), True), *rs.bed(rs.at(24, 17.5), False)]
    steps += rs.ticks(rs.at(24, 17.5), rs.at(24, 18.25))
    raised = _raised(run_stream(BedExitDetector(settings), steps))
    assert len(raised) == 1
    assert "since 17:30" in raised[0].event.evidence.summary


def test_the_demo_night_window_arms_whatever_the_hour() -> None:
    """The demo places the night window around the current hour; at 16-18 h local it used to
    straddle the 18:00 day boundary and the night-exit scenario never alerted (CI flake)."""
    base = DetectionSettings().model_copy(update={"routine": rs.utc_settings()})
    for hour in range(24):
        now = rs.at(24, hour + 0.5)
        routine = demo_detection(base, now=now).routine
        steps = [*rs.bed(now - timedelta(minutes=10), True), *rs.bed(now, False)]
        steps += rs.ticks(now, now + timedelta(minutes=1), every=timedelta(seconds=5))
        raised = _raised(run_stream(BedExitDetector(routine), steps))
        assert len(raised) == 1, f"no bed_exit_no_return for a demo run at {hour}:30"
