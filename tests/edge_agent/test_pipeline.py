"""The pipeline core: every reading to every detector, the telemetry policy, raw → vitals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts.config import MqttEndpoint
from contracts.events import EventBody, EventType, Evidence
from contracts.readings import DeviceReading, MattressRawBlock, MattressSource, MattressVitals
from edge_agent.config import EdgeSettings
from edge_agent.detectors.base import Detection
from edge_agent.detectors.fire import FireDetector
from edge_agent.errors import DetectorStateError
from edge_agent.outbox.store import OutboxLane
from edge_agent.pipeline import EdgePipeline
from firmware_sim.wristband import WristbandSim

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
BAND = "c8f09e3a11b2"


class SeenDetector:
    """Records what it is shown; raises an SOS event for a pressed SOS button."""

    name = "test.seen/v1"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.ticks = 0

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        self.seen.append((device_id, reading.kind))
        if getattr(reading, "sos_pressed", False):
            event = EventBody.of(EventType.SOS, Evidence(summary="sos"), detector=self.name)
            return [Detection(event, device_id)]
        return []

    def tick(self, now: datetime) -> list[Detection]:
        self.ticks += 1
        return []

    def snapshot(self) -> dict[str, object]:
        return {"version": 1, "seen": len(self.seen)}

    def restore(self, snapshot: dict[str, object]) -> None:
        if snapshot.get("version") != 1:
            raise DetectorStateError("bad")
        self.seen = [("restored", "x")] * int(snapshot["seen"])  # type: ignore[call-overload]


class BrokenDetector(SeenDetector):
    name = "test.broken/v1"

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        raise ZeroDivisionError("bug")

    def tick(self, now: datetime) -> list[Detection]:
        raise ZeroDivisionError("bug")


class HalfSecondVitals:
    """A stand-in RawMattressProcessor: one vitals reading per raw block."""

    def __init__(self, sample_rate_hz: float) -> None:
        self.sample_rate_hz = sample_rate_hz

    def push(self, block: MattressRawBlock, now: datetime) -> list[MattressVitals]:
        return [MattressVitals(source=MattressSource.EDGE, in_bed=True, heart_rate_bpm=60)]


def settings() -> EdgeSettings:
    return EdgeSettings(
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id="res-0001",
        home_broker=MqttEndpoint(),
        cloud_broker=MqttEndpoint(),
        outbox_path=Path("unused.db"),
        zigbee2mqtt={"smoke_sensors": {"smoke_kitchen": "smoke-0001"}},
        wristbands={"bands": {BAND: "band-0001"}},
    )


def test_every_detector_sees_every_reading_and_raw_signals_stay_home() -> None:
    seen = SeenDetector()
    pipeline = EdgePipeline(settings(), [FireDetector(), seen])
    band = WristbandSim(BAND)
    assert pipeline.on_message(f"wristband/{BAND}/accel", band.resting_block(0, 50), NOW) == []
    out = pipeline.on_message(f"wristband/{BAND}/status", band.status_payload(sos=True), NOW)
    out += pipeline.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": false}', NOW)
    assert seen.seen == [
        ("band-0001", "reading.wristband_accel"),
        ("band-0001", "reading.wristband_status"),
        ("smoke-0001", "reading.smoke"),
    ]
    assert [(o.lane, o.envelope.body.kind) for o in out] == [
        (OutboxLane.ALARM, "event"),
        (OutboxLane.TELEMETRY, "reading.wristband_status"),
        (OutboxLane.TELEMETRY, "reading.smoke"),
    ]
    assert sorted(pipeline.subscriptions()) == [
        "wristband/+/accel",
        "wristband/+/status",
        "zigbee2mqtt/+",
        "zigbee2mqtt/+/availability",
    ]


def test_raw_mattress_blocks_become_vitals_for_the_detectors() -> None:
    seen = SeenDetector()
    pipeline = EdgePipeline(settings(), [seen], raw_processor_factory=HalfSecondVitals)
    block = MattressRawBlock(sample_rate_hz=100, first_sample_seq=0, samples=[0.0] * 100)
    out = pipeline.on_reading("mat-0001", block, NOW)
    assert seen.seen == [
        ("mat-0001", "reading.mattress_raw"),
        ("mat-0001", "reading.mattress_vitals"),
    ]
    assert [o.envelope.body.kind for o in out] == ["reading.mattress_vitals"]  # raw stays home


def test_without_a_raw_processor_raw_blocks_still_reach_the_detectors() -> None:
    seen = SeenDetector()
    pipeline = EdgePipeline(settings(), [seen], raw_processor_factory=None)
    block = MattressRawBlock(sample_rate_hz=100, first_sample_seq=0, samples=[0.0])
    assert pipeline.on_reading("mat-0001", block, NOW) == []
    assert seen.seen == [("mat-0001", "reading.mattress_raw")]


def test_a_broken_detector_never_stops_fire_detection(caplog: pytest.LogCaptureFixture) -> None:
    pipeline = EdgePipeline(settings(), [BrokenDetector(), FireDetector()])
    out = pipeline.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": true}', NOW)
    out += pipeline.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": false}', NOW)
    assert pipeline.on_tick(NOW + timedelta(seconds=1)) == []
    fires = [o for o in out if isinstance(o.envelope.body, EventBody)]
    assert [f.envelope.body.type for f in fires] == [EventType.FIRE, EventType.FIRE]  # type: ignore[union-attr]
    assert pipeline.detector_errors == 3
    assert sum("test.broken/v1 failed" in r.message for r in caplog.records) == 1
    assert pipeline.health()["zigbee2mqtt"] == {"messages": 2, "malformed": 0}


def test_availability_goes_to_the_detectors_that_take_it() -> None:
    pipeline = EdgePipeline(settings(), [SeenDetector(), FireDetector()])
    out = pipeline.on_message("zigbee2mqtt/smoke_kitchen/availability", b'{"state":"offline"}', NOW)
    assert [o.envelope.body.type for o in out] == [EventType.DEVICE_OFFLINE]  # type: ignore[union-attr]


def test_snapshots_restore_and_a_bad_one_starts_blank() -> None:
    first = EdgePipeline(settings(), [FireDetector(), SeenDetector()])
    first.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": true}', NOW)
    snapshots: dict[str, dict[str, object] | None] = dict(first.snapshots())
    second = EdgePipeline(settings(), [FireDetector(), SeenDetector()])
    assert second.restore(snapshots) == ["edge.fire/v1", "test.seen/v1"]
    assert second.snapshots() == first.snapshots()
    # the restored fire detector knows the smoke is already on: no second fire
    assert second.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": true}', NOW)[0].lane is (
        OutboxLane.TELEMETRY
    )
    third = EdgePipeline(settings(), [FireDetector(), SeenDetector()])
    assert third.restore({"edge.fire/v1": {"version": 99}, "test.seen/v1": None}) == []


def test_malformed_payloads_are_handed_over_once() -> None:
    pipeline = EdgePipeline(settings(), [FireDetector()])
    pipeline.on_message(f"wristband/{BAND}/status", b"not json", NOW)
    pipeline.on_message("zigbee2mqtt/smoke_kitchen", b'{"smoke": "maybe"}', NOW)
    taken = pipeline.take_malformed()
    assert [(m.source, m.topic) for m in taken] == [
        ("zigbee2mqtt", "zigbee2mqtt/smoke_kitchen"),
        ("wristband", f"wristband/{BAND}/status"),
    ]
    assert pipeline.take_malformed() == []
    assert pipeline.health()["wristband"] == {"messages": 0, "malformed": 1}


def test_the_real_raw_processor_turns_bcg_into_edge_vitals_about_once_a_second() -> None:
    import numpy as np

    from edge_agent.pipeline import default_raw_processor_factory
    from silverguard.evaluation.bcg_synth import synthesize_bcg

    beats = np.arange(0.5, 40, 0.8)  # 75 bpm
    resp = np.sin(2 * np.pi * 0.25 * np.arange(0, 40, 0.04))
    bcg = synthesize_bcg(beats, resp, 25.0, duration_s=40, seed=2, movement_every_s=np.inf)
    seen = SeenDetector()
    pipeline = EdgePipeline(
        settings(), [seen], raw_processor_factory=default_raw_processor_factory()
    )
    vitals: list[MattressVitals] = []
    for second in range(40):
        block = MattressRawBlock(
            sample_rate_hz=100,
            first_sample_seq=100 * second,
            samples=bcg.samples[100 * second : 100 * (second + 1)].tolist(),
        )
        out = pipeline.on_reading("mat-0001", block, NOW + timedelta(seconds=second))
        vitals += [o.envelope.body for o in out if isinstance(o.envelope.body, MattressVitals)]
    assert 25 <= len(vitals) <= 32  # one a second once 10 s are buffered
    assert all(v.source is MattressSource.EDGE for v in vitals)
    rates = [v.heart_rate_bpm for v in vitals if v.heart_rate_bpm is not None]
    assert rates
    assert abs(sorted(rates)[len(rates) // 2] - 75) < 5
    assert seen.seen.count(("mat-0001", "reading.mattress_vitals")) == len(vitals)
