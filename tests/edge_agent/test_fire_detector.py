"""The fire detector: edges, test presses, device health, snapshots, purity."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from contracts.events import EventBody, EventStatus, EventType, Severity
from contracts.readings import SmokeReading
from edge_agent.detectors.fire import FireDetector
from edge_agent.errors import DetectorStateError

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
DEV = "smoke-0001"


def kinds(events: list[EventBody]) -> list[tuple[str, str]]:
    return [(e.type.value, e.status.value) for e in events]


def reading(**fields: object) -> SmokeReading:
    base: dict[str, object] = {"smoke": False, "battery_pct": 92, "link_quality": 120}
    base.update(fields)
    return SmokeReading.model_validate(base)


def test_smoke_rising_edge_raises_a_critical_fire_with_evidence() -> None:
    d = FireDetector()
    assert d.update(DEV, reading(), T0) == []
    events = d.update(DEV, reading(smoke=True), T0)
    assert kinds(events) == [("fire", "raised")]
    fire = events[0]
    assert fire.severity is Severity.CRITICAL
    assert "smoke" in fire.evidence.summary
    assert fire.evidence.values["battery_pct"] == 92
    assert fire.evidence.values["link_quality"] == 120


def test_first_report_with_smoke_raises_fire_at_once() -> None:
    assert kinds(FireDetector().update(DEV, reading(smoke=True), T0)) == [("fire", "raised")]


def test_repeated_states_raise_nothing() -> None:
    d = FireDetector()
    d.update(DEV, reading(smoke=True, tamper=True, battery_low=True), T0)
    for i in range(3):
        later = T0 + timedelta(minutes=i)
        assert d.update(DEV, reading(smoke=True, tamper=True, battery_low=True), later) == []


def test_smoke_falling_after_a_fire_clears_it() -> None:
    d = FireDetector()
    d.update(DEV, reading(smoke=True), T0)
    assert kinds(d.update(DEV, reading(smoke=False), T0)) == [("fire", "cleared")]
    assert d.update(DEV, reading(smoke=False), T0) == []


def test_a_test_press_is_never_a_fire() -> None:
    d = FireDetector()
    d.update(DEV, reading(), T0)
    assert kinds(d.update(DEV, reading(smoke=True, test=True), T0)) == [("smoke_test", "raised")]
    assert d.update(DEV, reading(smoke=True, test=True), T0) == []
    assert d.update(DEV, reading(smoke=False, test=False), T0) == []
    # a real fire after the test still raises
    assert kinds(d.update(DEV, reading(smoke=True), T0)) == [("fire", "raised")]


def test_tamper_and_low_battery_are_device_health() -> None:
    d = FireDetector()
    d.update(DEV, reading(), T0)
    events = d.update(DEV, reading(tamper=True, battery_low=True), T0)
    assert kinds(events) == [("device_tamper", "raised"), ("low_battery", "raised")]
    assert all(e.severity is not Severity.CRITICAL for e in events)
    assert kinds(d.update(DEV, reading(), T0)) == [
        ("device_tamper", "cleared"),
        ("low_battery", "cleared"),
    ]


def test_offline_availability_and_back() -> None:
    d = FireDetector()
    assert d.availability(DEV, True, T0) == []
    assert kinds(d.availability(DEV, False, T0)) == [("device_offline", "raised")]
    assert d.availability(DEV, False, T0) == []
    assert kinds(d.availability(DEV, True, T0)) == [("device_offline", "cleared")]


def test_a_silent_sensor_goes_offline_from_tick_and_back_with_a_reading() -> None:
    d = FireDetector(silent_after=timedelta(hours=25))
    d.update(DEV, reading(), T0)
    assert d.tick(T0 + timedelta(hours=24)) == []
    detections = d.tick(T0 + timedelta(hours=26))
    assert [x.device_id for x in detections] == [DEV]
    events = [x.event for x in detections]
    assert kinds(events) == [("device_offline", "raised")]
    assert events[0].evidence.values["silent_h"] == 26
    assert d.tick(T0 + timedelta(hours=27)) == []
    later = T0 + timedelta(hours=28)
    assert kinds(d.update(DEV, reading(), later)) == [("device_offline", "cleared")]


def test_snapshot_round_trip_resumes_a_running_fire() -> None:
    d = FireDetector()
    d.update(DEV, reading(smoke=True, tamper=True), T0)
    d.availability("smoke-0002", False, T0)
    snap = d.snapshot()
    restored = FireDetector.from_snapshot(copy.deepcopy(snap))
    assert restored.snapshot() == snap
    assert restored.update(DEV, reading(smoke=True, tamper=True), T0) == []
    assert kinds(restored.update(DEV, reading(tamper=True), T0)) == [("fire", "cleared")]


def test_restore_rejects_a_damaged_snapshot() -> None:
    with pytest.raises(DetectorStateError, match="version"):
        FireDetector().restore({"version": 99, "sensors": {}})
    with pytest.raises(DetectorStateError, match="damaged"):
        FireDetector().restore({"version": 1, "sensors": {DEV: {"no_such_field": True}}})


def test_input_not_mutated_and_deterministic() -> None:
    inputs = [reading(), reading(smoke=True), reading(smoke=True, test=True), reading(tamper=True)]
    frozen = [r.model_dump() for r in inputs]
    snapshot_in = {"version": 1, "sensors": {}}

    def run() -> list[list[EventBody]]:
        d = FireDetector.from_snapshot(snapshot_in)
        return [d.update(DEV, r, T0 + timedelta(seconds=i)) for i, r in enumerate(inputs)]

    assert run() == run()
    assert [r.model_dump() for r in inputs] == frozen
    assert snapshot_in == {"version": 1, "sensors": {}}


def test_every_event_is_attributed_to_the_detector() -> None:
    d = FireDetector()
    events = d.update(DEV, reading(smoke=True, tamper=True), T0)
    assert {e.detector for e in events} == {"edge.fire/v1"}
    assert all(e.status is EventStatus.RAISED for e in events)
    assert {e.type for e in events} == {EventType.FIRE, EventType.DEVICE_TAMPER}
