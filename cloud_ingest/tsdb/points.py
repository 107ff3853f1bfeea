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

import math
from collections.abc import Mapping

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
    present = sorted(
        (name.value, float(value))  # one type per field, whatever the source
        for name, value in fields.items()
        if value is not None and math.isfinite(value)
    )
    if not present:
        return []
    tags = sorted(
        (tag.value, tag_value)
        for tag, tag_value in (
            (SeriesTag.ORG_ID, envelope.org_id),
            (SeriesTag.GATEWAY_ID, envelope.gateway_id),
            (SeriesTag.HOME_ID, envelope.home_id),
            (SeriesTag.RESIDENT_ID, envelope.resident_id),
            (SeriesTag.DEVICE_ID, envelope.device_id),
            (SeriesTag.DEVICE_KIND, kind.value),
            (SeriesTag.SOURCE, source),
        )
        if tag_value
    )
    series = ",".join(
        [measurement.translate(_ESCAPE_MEASUREMENT)]
        + [f"{_escaped(tag)}={_escaped_tag_value(value)}" for tag, value in tags]
    )
    values = ",".join(f"{_escaped(name)}={_number(value)}" for name, value in present)
    millis = int(envelope.gateway_time.timestamp() * 1000)
    return [f"{series} {values} {millis}"]


_ESCAPE_MEASUREMENT = str.maketrans({",": r"\,", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"})
_ESCAPE_KEY = str.maketrans(
    {",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)


def _escaped(key: str) -> str:
    r"""A tag or field key in line protocol (as influxdb-client's ``Point`` escapes it).

    >>> _escaped("a b,c=d")
    'a\\ b\\,c\\=d'
    """
    return key.translate(_ESCAPE_KEY)


def _escaped_tag_value(value: str) -> str:
    r"""A tag value: a key's escaping, and a trailing backslash kept from escaping the space.

    >>> _escaped_tag_value("bed 1\\")
    'bed\\ 1\\ '
    """
    escaped = value.translate(_ESCAPE_KEY)
    return escaped + " " if escaped.endswith("\\") else escaped


def _number(value: float) -> str:
    """A float field value, without the ``.0`` of whole numbers.

    >>> _number(61.0), _number(61.5), _number(1e-07)
    ('61', '61.5', '1e-07')
    """
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text
