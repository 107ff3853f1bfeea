"""Names of the time series the cloud ingest writes (InfluxDB line protocol).

The one place these names live: the ingest writes them, dashboards and APIs query them. A
point is ``<measurement>,<tags> <field>=<value>,... <time>``; servers that map line protocol
to flat metric names (VictoriaMetrics, Prometheus remote storage) name a series
``<measurement>_<field>``, see :func:`flat_name`. Booleans are written as 0/1 numbers so every
field can be graphed and averaged.

Example:
    >>> flat_name(VITALS, VitalsField.HEART_RATE_BPM)
    'sg_vitals_heart_rate_bpm'
    >>> [t.value for t in SeriesTag][:3]
    ['org_id', 'gateway_id', 'home_id']
"""

from __future__ import annotations

from enum import StrEnum

VITALS = "sg_vitals"
"""Measurement of a resident's vital signs (mattress vitals, wristband heart rate)."""
DEVICE_HEALTH = "sg_device_health"
"""Measurement of devices' and gateways' health (battery, signal, outbox depth, online)."""


class SeriesTag(StrEnum):
    """Tags (labels) of every point; ids are pseudonymous, absent ones are left out."""

    ORG_ID = "org_id"
    GATEWAY_ID = "gateway_id"
    HOME_ID = "home_id"
    RESIDENT_ID = "resident_id"
    DEVICE_ID = "device_id"
    DEVICE_KIND = "device_kind"
    """What the point is about: a :class:`DeviceKind` value."""
    SOURCE = "source"
    """Vitals only: ``firmware`` or ``edge`` (who computed a mattress figure)."""


class DeviceKind(StrEnum):
    """Kinds of things whose series and liveness the cloud tracks."""

    MATTRESS = "mattress"
    WRISTBAND = "wristband"
    SMOKE = "smoke"
    HOME_SENSOR = "home_sensor"
    GATEWAY = "gateway"


class VitalsField(StrEnum):
    """Fields of :data:`VITALS`."""

    IN_BED = "in_bed"
    HEART_RATE_BPM = "heart_rate_bpm"
    RESP_RATE_BR_MIN = "resp_rate_br_min"
    MOVEMENT_INDEX = "movement_index"
    SIGNAL_QUALITY = "signal_quality"


class DeviceHealthField(StrEnum):
    """Fields of :data:`DEVICE_HEALTH`."""

    BATTERY_PCT = "battery_pct"
    BATTERY_LOW = "battery_low"
    TAMPER = "tamper"
    LINK_QUALITY = "link_quality"
    RSSI_DBM = "rssi_dbm"
    ON_WRIST = "on_wrist"
    SMOKE = "smoke"
    ONLINE = "online"
    OUTBOX_DEPTH = "outbox_depth"
    OLDEST_UNSENT_AGE_S = "oldest_unsent_age_s"
    """Gateway heartbeats: age of the oldest item its outbox has not yet sent."""
    OUTBOX_DISK_FULL = "outbox_disk_full"
    """Gateway heartbeats: 1 while the outbox's disk is full (its reserve holds the alarms)."""
    OUTBOX_HELD_ALARMS = "outbox_held_alarms"
    """Gateway heartbeats: alarms waiting in memory (even the reserve used up; a power cut
    would lose them)."""
    OUTBOX_DROPPED_TELEMETRY = "outbox_dropped_telemetry"
    """Gateway heartbeats: telemetry dropped on a full disk since the agent started."""


def flat_name(measurement: str, field: StrEnum) -> str:
    """The metric name a line-protocol field gets on VictoriaMetrics / Prometheus."""
    return f"{measurement}_{field.value}"


_KIND_PREFIXES = (
    ("reading.mattress", DeviceKind.MATTRESS),
    ("reading.wristband", DeviceKind.WRISTBAND),
    ("reading.smoke", DeviceKind.SMOKE),
    ("reading.home_sensor", DeviceKind.HOME_SENSOR),
)


def device_kind_of(body_kind: str) -> DeviceKind | None:
    """The kind of device a reading body (by its ``kind`` field) comes from.

    >>> device_kind_of("reading.wristband_status"), device_kind_of("event")
    (<DeviceKind.WRISTBAND: 'wristband'>, None)
    """
    for prefix, kind in _KIND_PREFIXES:
        if body_kind.startswith(prefix):
            return kind
    return None
