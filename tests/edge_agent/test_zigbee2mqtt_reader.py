"""Parsing Zigbee2MQTT messages of the configured smoke sensors."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from edge_agent.readers.zigbee2mqtt import AvailabilityUpdate, SmokeStateUpdate, Z2mSmokeReader
from firmware_sim.zigbee2mqtt import SmokeSensorSim

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def reader() -> Z2mSmokeReader:
    return Z2mSmokeReader("zigbee2mqtt", {"smoke_kitchen": "smoke-0001"}, keep_malformed=3)


def test_a_real_hs1sa_payload(reader: Z2mSmokeReader) -> None:
    payload = SmokeSensorSim("smoke_kitchen").apply({"smoke": True})
    update = reader.parse("zigbee2mqtt/smoke_kitchen", payload, NOW)
    assert isinstance(update, SmokeStateUpdate)
    assert update.device_id == "smoke-0001"
    assert update.reading.smoke is True
    assert update.reading.link_quality == 120
    assert update.device_time is None


@pytest.mark.parametrize(
    ("last_seen", "expected"),
    [
        ('"2026-11-24T02:59:58+00:00"', datetime(2026, 11, 24, 2, 59, 58, tzinfo=UTC)),
        ("1795489200000", datetime.fromtimestamp(1795489200, UTC)),
        ('"yesterday"', None),
    ],
)
def test_last_seen_becomes_device_time(
    reader: Z2mSmokeReader, last_seen: str, expected: datetime | None
) -> None:
    payload = f'{{"smoke": false, "last_seen": {last_seen}}}'.encode()
    update = reader.parse("zigbee2mqtt/smoke_kitchen", payload, NOW)
    assert isinstance(update, SmokeStateUpdate)
    assert update.device_time == expected


@pytest.mark.parametrize(
    ("payload", "online"),
    [(b'{"state": "online"}', True), (b'{"state": "offline"}', False), (b"offline", False)],
)
def test_availability(reader: Z2mSmokeReader, payload: bytes, online: bool) -> None:
    update = reader.parse("zigbee2mqtt/smoke_kitchen/availability", payload, NOW)
    assert update == AvailabilityUpdate("smoke-0001", "smoke_kitchen", online)


@pytest.mark.parametrize(
    "topic",
    ["zigbee2mqtt/hall_lamp", "zigbee2mqtt/bridge/state", "zigbee2mqtt/smoke_kitchen/set", "x/y"],
)
def test_foreign_topics_are_ignored(reader: Z2mSmokeReader, topic: str) -> None:
    assert reader.parse(topic, b'{"smoke": true}', NOW) is None
    assert reader.malformed_count == 0


def test_an_empty_retained_clear_is_ignored(reader: Z2mSmokeReader) -> None:
    assert reader.parse("zigbee2mqtt/smoke_kitchen", b"", NOW) is None
    assert reader.malformed_count == 0


def test_malformed_payloads_are_counted_kept_and_logged_once(
    reader: Z2mSmokeReader, caplog: pytest.LogCaptureFixture
) -> None:
    bad = [b"{not json", b"[1, 2]", b'{"smoke": "maybe"}', b'{"battery": 50}', b'{"state": 1}']
    with caplog.at_level(logging.WARNING):
        for payload in bad[:4]:
            assert reader.parse("zigbee2mqtt/smoke_kitchen", payload, NOW) is None
        assert reader.parse("zigbee2mqtt/smoke_kitchen/availability", bad[4], NOW) is None
    assert reader.malformed_count == 5
    assert [m.payload for m in reader.malformed] == bad[2:]  # the last 3 are kept
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 1
    # and a good message still goes through afterwards
    assert reader.parse("zigbee2mqtt/smoke_kitchen", b'{"smoke": false}', NOW) is not None


def test_absurdly_nested_json_is_malformed_not_fatal(reader: Z2mSmokeReader) -> None:
    assert reader.parse("zigbee2mqtt/smoke_kitchen", b"[" * 100_000, NOW) is None
    assert reader.malformed_count == 1
