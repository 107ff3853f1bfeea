"""Pure: which time-series points a gateway message gives, as InfluxDB line protocol.

Vitals and device health become points (names from :mod:`contracts.series`); raw signal
blocks and events do not (raw signals stay on the gateway; events live in the database).
A point's time is the message's ``gateway_time`` in milliseconds, so a message sent again
gives the very same point, which the server overwrites instead of doubling.

Example:
    >>> from datetime import UTC, datetime
    >>> from contracts.envelope import Envelope
    >>> from contracts.readings import MattressVitals
    >>> env = Envelope(message_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", org_id="org-a",
    ...     gateway_id="gw-1", resident_id="res-1", device_id="bed-1",
    ...     gateway_time=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    ...     body=MattressVitals(in_bed=True, heart_rate_bpm=61.5))
    >>> series, fields, millis = points_of(env)[0].split(" ")
    >>> series.split(",")
    ['sg_vitals', 'device_id=bed-1', 'device_kind=mattress', 'gateway_id=gw-1', 'org_id=org-a',
     'resident_id=res-1', 'source=firmware']
    >>> fields, millis
    ('heart_rate_bpm=61.5,in_bed=1', '1795489200000')
"""

from __future__ import annotations

from collections.abc import Mapping

from influxdb_client.client.write.point import Point
from influxdb_client.domain.write_precision import WritePrecision

from contracts.envelope import Envelope
from contracts.readings import HomeSensorReading, MattressVitals, SmokeReading, WristbandStatus
from contracts.series import (
    DEVICE_HEALTH,
    VITALS,
    DeviceHealthField,
    DeviceKind,
    SeriesTag,
    VitalsField,
)
from contracts.status import GatewayState, GatewayStatusBody

_Value = float | int | bool | None


def points_of(envelope: Envelope) -> list[str]:
    """The line-protocol points of one message (empty for events and raw blocks)."""
    body = envelope.body
    if isinstance(body, MattressVitals):
        return _lines(
            envelope,
            VITALS,
            DeviceKind.MATTRESS,
            {
                VitalsField.IN_BED: body.in_bed,
                VitalsField.HEART_RATE_BPM: body.heart_rate_bpm,
                VitalsField.RESP_RATE_BR_MIN: body.resp_rate_br_min,
                VitalsField.MOVEMENT_INDEX: body.movement_index,
                VitalsField.SIGNAL_QUALITY: body.signal_quality,
            },
            source=body.source.value,
        )
    if isinstance(body, WristbandStatus):
        return _lines(
            envelope,
            VITALS,
            DeviceKind.WRISTBAND,
            {VitalsField.HEART_RATE_BPM: body.heart_rate_bpm},
        ) + _lines(
            envelope,
            DEVICE_HEALTH,
            DeviceKind.WRISTBAND,
            {
                DeviceHealthField.BATTERY_PCT: body.battery_pct,
                DeviceHealthField.ON_WRIST: body.on_wrist,
                DeviceHealthField.RSSI_DBM: body.rssi_dbm,
            },
        )
    if isinstance(body, SmokeReading):
        return _lines(
            envelope,
            DEVICE_HEALTH,
            DeviceKind.SMOKE,
            {
                DeviceHealthField.SMOKE: body.smoke,
                DeviceHealthField.BATTERY_PCT: body.battery_pct,
                DeviceHealthField.BATTERY_LOW: body.battery_low,
                DeviceHealthField.TAMPER: body.tamper,
                DeviceHealthField.LINK_QUALITY: body.link_quality,
            },
        )
    if isinstance(body, HomeSensorReading):
        fields = {DeviceHealthField.BATTERY_PCT: body.battery_pct}
        return _lines(envelope, DEVICE_HEALTH, DeviceKind.HOME_SENSOR, fields)
    if isinstance(body, GatewayStatusBody):
        return _lines(
            envelope,
            DEVICE_HEALTH,
            DeviceKind.GATEWAY,
            {
                DeviceHealthField.ONLINE: body.state is GatewayState.ONLINE,
                DeviceHealthField.OUTBOX_DEPTH: body.outbox_depth,
                DeviceHealthField.OLDEST_UNSENT_AGE_S: body.oldest_unsent_age_s,
                **_outbox_disk(body),
            },
        )
    return []


def _outbox_disk(body: GatewayStatusBody) -> dict[DeviceHealthField, _Value]:
    """The outbox's disk health a heartbeat reports among its reader health (``outbox``:
    ``disk_full``, ``held_alarms``, ``dropped_telemetry``); fields missing or not numbers are
    left out (older agents send none)."""
    outbox = (body.readers or {}).get("outbox") or {}
    fields = {
        DeviceHealthField.OUTBOX_DISK_FULL: outbox.get("disk_full"),
        DeviceHealthField.OUTBOX_HELD_ALARMS: outbox.get("held_alarms"),
        DeviceHealthField.OUTBOX_DROPPED_TELEMETRY: outbox.get("dropped_telemetry"),
    }
    return {name: value for name, value in fields.items() if isinstance(value, int | float | bool)}


def _lines(
    envelope: Envelope,
    measurement: str,
    kind: DeviceKind,
    fields: Mapping[VitalsField, _Value] | Mapping[DeviceHealthField, _Value],
    *,
    source: str | None = None,
) -> list[str]:
    present = {name: value for name, value in fields.items() if value is not None}
    if not present:
        return []
    point = Point(measurement)
    tags = {
        SeriesTag.ORG_ID: envelope.org_id,
        SeriesTag.GATEWAY_ID: envelope.gateway_id,
        SeriesTag.HOME_ID: envelope.home_id,
        SeriesTag.RESIDENT_ID: envelope.resident_id,
        SeriesTag.DEVICE_ID: envelope.device_id,
        SeriesTag.DEVICE_KIND: kind.value,
        SeriesTag.SOURCE: source,
    }
    for tag, tag_value in tags.items():
        if tag_value is not None:
            point.tag(tag.value, tag_value)
    for name, value in present.items():
        point.field(name.value, float(value))  # one type per field, whatever the source
    millis = int(envelope.gateway_time.timestamp() * 1000)
    point.time(millis, WritePrecision.MS)
    line: str = point.to_line_protocol()
    return [line]
