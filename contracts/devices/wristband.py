"""The wristband's JSON on the home broker (a BLE→MQTT bridge publishes it for each band).

Topics, one pair per band (``<band>`` is the band's id, e.g. its BLE MAC without colons)::

    wristband/<band>/accel    accelerometer blocks, ~50 Hz samples, one block about every second
    wristband/<band>/status   heart rate, SOS button, battery, on-wrist, RSSI, the band's fall flag

``wristband/<band>/accel`` (QoS 0 or 1, not retained)::

    {"ts": 1795489200000,          # device time of the first sample, epoch milliseconds (optional)
     "seq": 1234,                  # block counter, wraps (optional)
     "rate_hz": 50,                # nominal sample rate
     "unit": "g",                  # "g" (default) or "m/s2"
     "xyz": [[0.01, -0.02, 0.99], ...],   # samples, gravity included
     "dt_ms": [0, 20, 40, ...]}    # optional per-sample offsets (irregular sampling)

``wristband/<band>/status`` (QoS 1; on change and at least once a minute)::

    {"ts": 1795489200000, "hr": 72, "sos": false, "battery": 81, "on_wrist": true,
     "rssi": -67, "fall": false}

Every field but ``xyz``/``rate_hz`` is optional; unknown fields are ignored (a new band firmware
must never break the home). ``hr`` 0 means "no reading" on most bands and becomes ``None``.

Example:
    >>> block = WristbandAccelPayload.parse_payload(
    ...     b'{"ts": 1795489200000, "rate_hz": 50, "xyz": [[0, 0, 1], [0, 0.5, 1]], "fw": "2.1"}')
    >>> r = block.to_reading()
    >>> r.t_offsets_s, r.z_m_s2
    ([0.0, 0.02], [9.80665, 9.80665])
    >>> block.device_time().isoformat()
    '2026-11-24T03:00:00+00:00'
    >>> WristbandStatusPayload.parse_payload(b'{"hr": 0, "sos": true}').to_reading().heart_rate_bpm
    >>> parse_wristband_topic("wristband/c8f09e3a11b2/status")
    ('c8f09e3a11b2', <WristbandTopicKind.STATUS: 'status'>)
    >>> parse_wristband_topic("wristband/c8f09e3a11b2/set") is None
    True
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from contracts.base import DeviceModel
from contracts.readings import WristbandAccelBlock, WristbandStatus

WRISTBAND_BASE_TOPIC = "wristband"
STANDARD_GRAVITY_M_S2 = 9.80665
MAX_BLOCK_SAMPLES = 10_000


class WristbandTopicKind(StrEnum):
    """What a wristband topic carries."""

    ACCEL = "accel"
    STATUS = "status"


def _epoch_ms_to_datetime(ts_ms: int | None) -> datetime | None:
    if ts_ms is None:
        return None
    try:
        return datetime.fromtimestamp(ts_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


class WristbandAccelPayload(DeviceModel):
    """One accelerometer block as the band's bridge publishes it."""

    ts: int | None = Field(default=None, ge=0, description="epoch ms of the first sample")
    seq: int | None = Field(default=None, ge=0)
    rate_hz: float = Field(gt=0, le=1000)
    unit: Literal["g", "m/s2"] = "g"
    xyz: list[tuple[float, float, float]] = Field(min_length=1, max_length=MAX_BLOCK_SAMPLES)
    dt_ms: list[float] | None = None

    @model_validator(mode="after")
    def _offsets_match(self) -> Self:
        if self.dt_ms is not None and len(self.dt_ms) != len(self.xyz):
            raise ValueError("dt_ms must have one offset per sample in xyz")
        return self

    def device_time(self) -> datetime | None:
        """The band's time of the first sample, if it sent one."""
        return _epoch_ms_to_datetime(self.ts)

    def to_reading(self) -> WristbandAccelBlock:
        """The device-neutral block (m/s², offsets in seconds from the first sample)."""
        scale = STANDARD_GRAVITY_M_S2 if self.unit == "g" else 1.0
        if self.dt_ms is not None:
            offsets = [(dt - self.dt_ms[0]) / 1000 for dt in self.dt_ms]
        else:
            offsets = [i / self.rate_hz for i in range(len(self.xyz))]
        return WristbandAccelBlock(
            sample_rate_hz=self.rate_hz,
            t_offsets_s=offsets,
            x_m_s2=[x * scale for x, _, _ in self.xyz],
            y_m_s2=[y * scale for _, y, _ in self.xyz],
            z_m_s2=[z * scale for _, _, z in self.xyz],
        )


class WristbandStatusPayload(DeviceModel):
    """The band's status message."""

    ts: int | None = Field(default=None, ge=0, description="epoch ms")
    hr: float | None = Field(default=None, ge=0, le=300, description="bpm; 0 = no reading")
    sos: bool = False
    battery: float | None = Field(default=None, ge=0, le=100)
    on_wrist: bool | None = None
    rssi: float | None = Field(default=None, ge=-150, le=0, description="dBm at the bridge")
    fall: bool = False

    def device_time(self) -> datetime | None:
        """The band's time of this status, if it sent one."""
        return _epoch_ms_to_datetime(self.ts)

    def to_reading(self) -> WristbandStatus:
        """The device-neutral status reading."""
        return WristbandStatus(
            heart_rate_bpm=self.hr or None,
            sos_pressed=self.sos,
            battery_pct=self.battery,
            on_wrist=self.on_wrist,
            band_fall_flag=self.fall,
            rssi_dbm=self.rssi,
        )


def wristband_topic(
    band_id: str, kind: WristbandTopicKind, base: str = WRISTBAND_BASE_TOPIC
) -> str:
    """The accel or status topic of one band."""
    return f"{base}/{band_id}/{kind.value}"


def parse_wristband_topic(
    topic: str, base: str = WRISTBAND_BASE_TOPIC
) -> tuple[str, WristbandTopicKind] | None:
    """(band_id, kind) of a wristband topic; None for anything else."""
    if not topic.startswith(base + "/"):
        return None
    rest = topic[len(base) + 1 :].split("/")
    if len(rest) != 2 or not rest[0]:
        return None
    try:
        return rest[0], WristbandTopicKind(rest[1])
    except ValueError:
        return None
