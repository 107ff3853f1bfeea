"""The life portrait: day condensation, learning, summary, snapshots, local time."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from edge_agent.detectors.contract import run_stream
from edge_agent.errors import DetectorStateError
from edge_agent.portrait.day import DayRecord, main_sleep
from edge_agent.portrait.daytime import DayClock
from edge_agent.portrait.portrait import LifePortrait
from edge_agent.portrait.settings import PortraitSettings
from edge_agent.portrait.tracker import PortraitTracker
from tests.edge_agent.detectors import routine_streams as rs


def _tracker_after(days: int, **kwargs: object) -> PortraitTracker:
    from edge_agent.detectors.routine import RoutineDetector

    detector = RoutineDetector(rs.utc_settings())
    run_stream(detector, rs.learned_days(1, days, **kwargs))
    return detector.tracker


def test_main_sleep_joins_short_exits_and_ignores_a_nap() -> None:
    intervals = [(0.0, 30.0), (300.0, 400.0), (410.0, 700.0), (900.0, 990.0)]
    assert main_sleep(intervals) == (300.0, 700.0, (10.0,))
    assert main_sleep([(0.0, 60.0)]) is None


def test_the_portrait_learns_bedtime_wake_exits_and_activity() -> None:
    tracker = _tracker_after(8, bed_h=22.5, wake_h=6.5, exits=[(3.0, 7.0)])
    summary = tracker.portrait.summary()
    assert summary["days_learned"] == 8  # each night and the day after it, closed at 18:00
    assert summary["burned_in"] is True
    assert summary["usual_bedtime"] == {"median": "22:30", "p10": "22:30"}
    assert summary["usual_wake"] == {"median": "06:30", "p90": "06:30"}
    assert summary["night_exit_p90_min"] == 7.0
    assert summary["night_exits_per_night_median"] == 1.0
    shares = summary["activity_share_by_hour"]
    assert isinstance(shares, list)
    assert shares[10] == 1.0
    assert shares[4] == 0.0
    assert 10 in summary["active_hours"]  # type: ignore[operator]
    assert json.loads(json.dumps(summary)) == summary


def test_burn_in_needs_enough_days() -> None:
    assert not _tracker_after(5).portrait.burned_in


def test_a_flagged_or_empty_day_is_not_learned() -> None:
    portrait = LifePortrait()
    empty = DayRecord("2026-11-01", None, None, (), (0,) * 24, ())
    assert portrait.learn_one(empty) is False
    flagged = DayRecord("2026-11-02", 300.0, 800.0, (), (5,) * 24, (), flagged=True)
    assert portrait.learn_one(flagged) is False
    assert portrait.days_learned == 0


def test_the_window_forgets_old_days() -> None:
    portrait = LifePortrait(window_days=3)
    for i in range(5):
        portrait.learn_one(DayRecord(f"2026-11-0{i + 1}", 300.0, 700.0 + i, (), (5,) * 24, ()))
    assert portrait.days_learned == 3
    assert portrait.wake_quantile(0.0) == 702.0


def test_a_damaged_snapshot_is_refused() -> None:
    tracker = PortraitTracker(PortraitSettings(timezone="UTC"))
    with pytest.raises(DetectorStateError):
        tracker.restore({"portrait": {"days": [{"day": "x"}]}})
    with pytest.raises(DetectorStateError):
        LifePortrait().restore({"days": "nope"})


def test_local_time_follows_the_home_zone_across_dst() -> None:
    clock = DayClock("Europe/Madrid")
    summer = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)  # 03:00 CEST
    winter = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 03:00 CET
    assert clock.minute_of_day(summer) == clock.minute_of_day(winter) == 540.0
    with pytest.raises(ValueError, match="IANA"):
        DayClock("Mars/Olympus")


def test_an_unknown_zone_in_settings_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        PortraitSettings(timezone="Nowhere/Land")
