"""Parsing the wristband bridge's JSON (contracts.devices.wristband) for configured bands."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contracts.devices.wristband import STANDARD_GRAVITY_M_S2
from contracts.readings import WristbandAccelBlock, WristbandStatus
from edge_agent.readers.wristband import WristbandReader
from firmware_sim.wristband import WristbandSim

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
BAND = "c8f09e3a11b2"
ACCEL = f"wristband/{BAND}/accel"
STATUS = f"wristband/{BAND}/status"


@pytest.fixture
def reader() -> WristbandReader:
    return WristbandReader("wristband", {BAND: "band-0001"}, keep_malformed=3)


def test_an_emulated_block_becomes_m_s2_with_device_time(reader: WristbandReader) -> None:
    payload = WristbandSim(BAND, seed=3).resting_block(1795489200000, 50)
    update = reader.parse(ACCEL, payload, NOW)
    assert update is not None
    assert update.device_id == "band-0001"
    assert update.device_time == NOW
    block = update.reading
    assert isinstance(block, WristbandAccelBlock)
    assert len(block.x_m_s2) == 50
    assert block.t_offsets_s[-1] == pytest.approx(49 / 50)
    assert sum(block.z_m_s2) / 50 == pytest.approx(STANDARD_GRAVITY_M_S2, rel=0.02)


def test_m_s2_blocks_and_irregular_offsets(reader: WristbandReader) -> None:
    payload = {
        "rate_hz": 50,
        "unit": "m/s2",
        "xyz": [[0, 0, 9.8], [0, 0, 9.7], [1, 0, 9.6]],
        "dt_ms": [100, 121, 140],
    }
    update = reader.parse(ACCEL, json.dumps(payload).encode(), NOW)
    assert update is not None
    assert isinstance(update.reading, WristbandAccelBlock)
    assert update.reading.t_offsets_s == pytest.approx([0.0, 0.021, 0.04])
    assert update.reading.z_m_s2 == [9.8, 9.7, 9.6]
    assert update.device_time is None


def test_status_with_unknown_fields_and_no_heart_rate(reader: WristbandReader) -> None:
    payload = b'{"hr": 0, "sos": true, "battery": 12, "on_wrist": false, "fall": true, "gps": {}}'
    update = reader.parse(STATUS, payload, NOW)
    assert update is not None
    assert update.reading == WristbandStatus(
        heart_rate_bpm=None, sos_pressed=True, battery_pct=12, on_wrist=False, band_fall_flag=True
    )


@pytest.mark.parametrize(
    "payload",
    [
        b"{",
        b"[1, 2]",
        b'{"rate_hz": 50, "xyz": []}',
        b'{"rate_hz": 50, "xyz": [[0, 0]]}',
        b'{"rate_hz": 50, "xyz": [[0, 0, 1]], "dt_ms": [0, 20]}',
        b'{"rate_hz": 50, "xyz": [[0, 0, 1], [0, 0, 1]], "dt_ms": [20, 0]}',
        b'{"rate_hz": -1, "xyz": [[0, 0, 1]]}',
        b'{"rate_hz": 50, "xyz": [[0, 0, "up"]]}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_accel_is_counted_and_kept_never_fatal(
    reader: WristbandReader, payload: bytes
) -> None:
    assert reader.parse(ACCEL, payload, NOW) is None
    assert reader.malformed_count == 1
    assert reader.malformed[-1].payload == payload
    assert reader.malformed[-1].source == "wristband"
    assert reader.malformed[-1].topic == ACCEL


def test_malformed_status_and_only_the_last_few_are_kept(reader: WristbandReader) -> None:
    for hr in range(5):
        assert reader.parse(STATUS, json.dumps({"hr": 400 + hr}).encode(), NOW) is None
    assert reader.malformed_count == 5
    assert [m.payload for m in reader.malformed] == [
        json.dumps({"hr": 400 + hr}).encode() for hr in (2, 3, 4)
    ]


@pytest.mark.parametrize(
    "topic",
    ["wristband/unknown-band/status", "wristband/c8f09e3a11b2/set", "wristband/x/y/z", "other/t"],
)
def test_foreign_topics_and_bands_are_ignored(reader: WristbandReader, topic: str) -> None:
    assert reader.parse(topic, b'{"sos": true}', NOW) is None
    assert reader.malformed_count == 0


def test_an_empty_retained_clear_is_ignored(reader: WristbandReader) -> None:
    assert reader.parse(STATUS, b"", NOW) is None
    assert reader.malformed_count == 0
