"""PresenceTracker: debounced in/out of bed, dated from the first reading that showed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from edge_agent.detectors.presence import PresenceState, PresenceTracker
from edge_agent.errors import DetectorStateError

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _play(tracker: PresenceTracker, flags: list[bool]) -> list[tuple[int, str, int]]:
    """One reading a second; (second, new state, seconds since start of the change)."""
    out = []
    for s, flag in enumerate(flags):
        change = tracker.update(flag, T0 + timedelta(seconds=s))
        if change:
            out.append((s, change.state.value, int((change.since - T0).total_seconds())))
    return out


def test_getting_in_and_out_is_confirmed_after_the_debounce_and_dated_from_its_start() -> None:
    flags = [False] * 30 + [True] * 60 + [False] * 40
    assert _play(PresenceTracker(), flags) == [
        (20, "out_of_bed", 0),
        (40, "in_bed", 30),
        (110, "out_of_bed", 90),
    ]


def test_flicker_shorter_than_the_debounce_changes_nothing() -> None:
    flags = [True] * 15 + ([False] * 19 + [True] * 3) * 5 + ([True] * 9 + [False] * 2) * 4
    tracker = PresenceTracker()
    assert _play(tracker, flags) == [(10, "in_bed", 0)]
    assert tracker.state is PresenceState.IN_BED


def test_custom_debounce() -> None:
    tracker = PresenceTracker(enter_after=timedelta(seconds=2), exit_after=timedelta(seconds=5))
    assert _play(tracker, [True] * 3 + [False] * 6) == [(2, "in_bed", 0), (8, "out_of_bed", 3)]


def test_snapshot_mid_debounce_resumes_exactly() -> None:
    flags = [True] * 15 + [False] * 30
    whole = PresenceTracker()
    expected = _play(whole, flags)
    first = PresenceTracker()
    for s, flag in enumerate(flags[:25]):
        first.update(flag, T0 + timedelta(seconds=s))
    second = PresenceTracker.from_snapshot(first.snapshot())
    rest = []
    for s, flag in enumerate(flags[25:], start=25):
        change = second.update(flag, T0 + timedelta(seconds=s))
        if change:
            rest.append((s, change.state.value, int((change.since - T0).total_seconds())))
    assert rest == expected[1:]


def test_a_damaged_snapshot_is_refused() -> None:
    with pytest.raises(DetectorStateError):
        PresenceTracker.from_snapshot({"state": "sideways"})
