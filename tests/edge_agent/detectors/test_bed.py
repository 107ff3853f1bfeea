"""BedPresenceDetector: debounced presence from either in-bed flag; a silent mattress."""

from __future__ import annotations

from contracts.events import EventStatus, EventType
from contracts.readings import MattressRawBlock, MattressSource, MattressVitals
from edge_agent.detectors.bed import BedPresenceDetector, BedSettings, PresenceSource
from edge_agent.detectors.presence import PresenceState
from tests.edge_agent.detectors.vitals_streams import MAT, at

FW, EDGE = MattressSource.FIRMWARE, MattressSource.EDGE


def _flag(in_bed: bool, source: MattressSource = FW) -> MattressVitals:
    return MattressVitals(in_bed=in_bed, source=source)


def _feed(
    d: BedPresenceDetector, flags: list[bool], start: int = 0, source: MattressSource = FW
) -> None:
    for i, f in enumerate(flags):
        assert d.observe(MAT, _flag(f, source), at(start + i)) == []


def test_exit_is_confirmed_after_20_s_and_dated_from_when_it_began() -> None:
    d = BedPresenceDetector()
    _feed(d, [True] * 60 + [False] * 20)  # 60..79 s: 19 s out so far
    assert d.presence(MAT)[0] is PresenceState.IN_BED
    _feed(d, [False], start=80)
    assert d.presence(MAT) == (PresenceState.OUT_OF_BED, at(60))


def test_turning_over_and_sitting_on_the_edge_change_nothing() -> None:
    d = BedPresenceDetector()
    _feed(d, [True] * 30 + ([False] * 12 + [True] * 20) * 5)
    assert d.presence(MAT) == (PresenceState.IN_BED, at(0))
    sitting = BedPresenceDetector()
    _feed(sitting, [False] * 30 + ([True] * 8 + [False] * 10) * 5)
    assert sitting.presence(MAT) == (PresenceState.OUT_OF_BED, at(0))


def test_auto_prefers_the_firmware_flag_once_seen() -> None:
    d = BedPresenceDetector()
    _feed(d, [True] * 15, source=EDGE)
    assert d.presence(MAT)[0] is PresenceState.IN_BED  # edge only so far: it counts
    for i in range(15, 60):  # firmware says in bed, a confused edge estimate says out
        d.observe(MAT, _flag(True, FW), at(i))
        d.observe(MAT, _flag(False, EDGE), at(i))
    assert d.presence(MAT) == (PresenceState.IN_BED, at(0))


def test_source_edge_ignores_the_firmware_flag() -> None:
    d = BedPresenceDetector(BedSettings(source=PresenceSource.EDGE))
    _feed(d, [True] * 30, source=FW)
    assert d.presence(MAT) == (PresenceState.UNKNOWN, None)
    _feed(d, [True] * 11, start=30, source=EDGE)
    assert d.presence(MAT)[0] is PresenceState.IN_BED


def test_a_silent_mattress_is_device_offline_once_and_cleared_when_heard() -> None:
    d = BedPresenceDetector()
    raw = MattressRawBlock(sample_rate_hz=100, first_sample_seq=0, samples=[0.0] * 100)
    assert d.observe(MAT, raw, at(0)) == []
    assert d.tick(at(100)) == []
    (offline,) = d.tick(at(121))
    assert offline.device_id == MAT
    assert offline.event.type is EventType.DEVICE_OFFLINE
    assert offline.event.evidence.values == {"silent_s": 121.0}
    assert d.tick(at(500)) == []
    (back,) = d.observe(MAT, _flag(True), at(501))
    assert back.event.status is EventStatus.CLEARED


def test_other_readings_and_unknown_beds() -> None:
    from contracts.readings import SmokeReading

    d = BedPresenceDetector()
    assert d.observe("smoke-1", SmokeReading(smoke=True), at(0)) == []
    assert d.tick(at(10_000)) == []
    assert d.presence("mat-9") == (PresenceState.UNKNOWN, None)
