"""Line protocol built by hand matches influxdb-client's ``Point`` (the reference encoder),
for every body that gives points and for ids that need escaping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from influxdb_client.client.write.point import Point
from influxdb_client.domain.write_precision import WritePrecision

from cloud_ingest.tsdb import points_of
from contracts.envelope import Envelope
from contracts.readings import HomeSensorReading, MattressVitals, SmokeReading, WristbandStatus
from contracts.status import GatewayState, GatewayStatusBody
from tests.cloud_ingest.support import vitals_envelope

AT = datetime(2026, 11, 24, 3, 0, 0, 123_000, tzinfo=UTC)


def _reference(line: str) -> str:
    """``line`` parsed back into a ``Point`` and encoded by influxdb-client."""
    series, fields, millis = _split_unescaped(line)
    measurement, *tags = _split_escaped(series, ",")
    point = Point(measurement)
    for tag in tags:
        key, value = _split_escaped(tag, "=")
        point.tag(_unescape(key), _unescape(value.removesuffix(" ")))
    for field in _split_escaped(fields, ","):
        key, value = _split_escaped(field, "=")
        point.field(_unescape(key), float(value))
    point.time(int(millis), WritePrecision.MS)
    encoded: str = point.to_line_protocol()
    return encoded


def _split_escaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in text:
        if char == separator and not escaped:
            parts.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    return [*parts, current]


def _split_unescaped(line: str) -> tuple[str, str, str]:
    series, fields, millis = _split_escaped(line, " ")
    return series, fields, millis


def _unescape(text: str) -> str:
    out, escaped = "", False
    for char in text:
        if escaped:
            out += {"n": "\n", "t": "\t", "r": "\r"}.get(char, char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out += char
    return out + ("\\" if escaped else "")


def _envelope(body: object, **ids: str | None) -> Envelope:
    envelope = vitals_envelope(at=AT)
    return envelope.model_copy(update={"body": body, **ids})


BODIES = [
    MattressVitals(in_bed=True, heart_rate_bpm=61.5, resp_rate_br_min=14.0, signal_quality=0.1),
    WristbandStatus(heart_rate_bpm=70, battery_pct=80, on_wrist=False, rssi_dbm=-61),
    SmokeReading(smoke=False, battery_pct=99.5, battery_low=False, tamper=True),
    HomeSensorReading.model_validate({"sensor": "contact", "active": True, "battery_pct": 40}),
    GatewayStatusBody(
        state=GatewayState.ONLINE,
        outbox_depth=3,
        readers={"outbox": {"disk_full": False, "held_alarms": 2, "dropped_telemetry": 1e-7}},
    ),
]


@pytest.mark.parametrize("body", BODIES, ids=lambda body: type(body).__name__)
def test_each_body_encodes_as_influxdb_client_does(body: object) -> None:
    lines = points_of(_envelope(body))
    assert lines
    assert [_reference(line) for line in lines] == lines


@pytest.mark.parametrize(
    "ids",
    [
        {"device_id": "bed 1,a=b"},
        {"resident_id": "trailing\\"},
        {"home_id": "tab\there\nline"},
        {"home_id": "", "resident_id": None},
    ],
)
def test_ids_are_escaped_as_influxdb_client_escapes_them(ids: dict[str, str | None]) -> None:
    [line] = points_of(_envelope(BODIES[0], **ids))
    assert _reference(line) == line
    assert line.endswith(f" {int(AT.timestamp() * 1000)}")
