"""Readings from the home's devices, as the gateway forwards them (units in field names).

Example:
    >>> r = SmokeReading(smoke=True, battery_pct=92, battery_low=False, tamper=False, test=False)
    >>> r.kind, r.smoke
    ('reading.smoke', True)
    >>> b = WristbandAccelBlock(sample_rate_hz=50, t_offsets_s=[0.0, 0.02], x_m_s2=[0.1, 0.2],
    ...                         y_m_s2=[0.0, 0.0], z_m_s2=[9.8, 9.7])
    >>> len(b.x_m_s2)
    2
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from contracts.base import ContractModel


class MattressSource(StrEnum):
    """Where a mattress figure came from."""

    FIRMWARE = "firmware"
    """Computed by the mattress's own firmware (1 Hz frames)."""
    EDGE = "edge"
    """Computed by the edge agent from the raw signal."""


class MattressVitals(ContractModel):
    """Presence, heart rate, breathing rate and movement, about once a second."""

    kind: Literal["reading.mattress_vitals"] = "reading.mattress_vitals"
    source: MattressSource = MattressSource.FIRMWARE
    in_bed: bool
    heart_rate_bpm: float | None = Field(default=None, ge=0, le=300)
    resp_rate_br_min: float | None = Field(default=None, ge=0, le=80)
    movement_index: float | None = Field(default=None, ge=0)
    signal_quality: float | None = Field(default=None, ge=0, le=1)
    breathing_detected: bool | None = Field(
        default=None,
        description="False: in bed with a clear heartbeat but no breathing movement (an apnea "
        "candidate); True: breathing seen; None: not judged (movement, poor signal, or a "
        "source that does not say)",
    )


class MattressRawBlock(ContractModel):
    """A block of raw pressure / ballistocardiogram samples (raw signals stay on the gateway
    unless an alert needs them as evidence)."""

    kind: Literal["reading.mattress_raw"] = "reading.mattress_raw"
    channel: Literal["bcg", "pressure"] = "bcg"
    sample_rate_hz: float = Field(gt=0, le=2000)
    first_sample_seq: int = Field(ge=0)
    samples: list[float] = Field(min_length=1, max_length=20_000)


class SmokeReading(ContractModel):
    """A smoke sensor's state (decoded from the IAS zone status bits by Zigbee2MQTT)."""

    kind: Literal["reading.smoke"] = "reading.smoke"
    smoke: bool
    test: bool = False
    tamper: bool = False
    battery_low: bool = False
    battery_pct: float | None = Field(default=None, ge=0, le=100)
    link_quality: int | None = Field(default=None, ge=0, le=255)


class WristbandAccelBlock(ContractModel):
    """A block of accelerometer samples in m/s² with gravity, possibly irregularly spaced."""

    kind: Literal["reading.wristband_accel"] = "reading.wristband_accel"
    sample_rate_hz: float = Field(gt=0, le=1000, description="nominal rate")
    t_offsets_s: list[float] = Field(min_length=1, max_length=10_000)
    x_m_s2: list[float]
    y_m_s2: list[float]
    z_m_s2: list[float]

    @model_validator(mode="after")
    def _same_lengths(self) -> Self:
        n = len(self.t_offsets_s)
        if not len(self.x_m_s2) == len(self.y_m_s2) == len(self.z_m_s2) == n:
            raise ValueError("t_offsets_s, x_m_s2, y_m_s2 and z_m_s2 must have the same length")
        if any(b < a for a, b in zip(self.t_offsets_s, self.t_offsets_s[1:], strict=False)):
            raise ValueError("t_offsets_s must not decrease")
        return self


class WristbandStatus(ContractModel):
    """The wristband's heart rate, SOS button, battery and on-wrist state."""

    kind: Literal["reading.wristband_status"] = "reading.wristband_status"
    heart_rate_bpm: float | None = Field(default=None, ge=0, le=300)
    sos_pressed: bool = False
    battery_pct: float | None = Field(default=None, ge=0, le=100)
    on_wrist: bool | None = None
    band_fall_flag: bool = False
    rssi_dbm: float | None = Field(
        default=None, ge=-150, le=0, description="signal strength at the gateway's receiver"
    )


class HomeSensorKind(StrEnum):
    """What an ambient binary sensor in the home watches (each change is a sign of life)."""

    MOTION = "motion"
    """A passive-infrared motion sensor (occupancy)."""
    CONTACT = "contact"
    """A door or drawer contact inside the home (fridge, cupboard, cabinet)."""
    ENTRANCE = "entrance"
    """The home's entrance door contact: the resident may have gone out."""
    FLUSH = "flush"
    """A toilet flush sensor."""
    APPLIANCE = "appliance"
    """An appliance's power switching (kettle, microwave, toaster)."""
    SEAT = "seat"
    """A chair or sofa pressure mat: the resident is sitting (resting, present)."""


class HomeSensorReading(ContractModel):
    """An ambient binary sensor's state (PIR, contact, flush, appliance, seat pressure), as
    Zigbee2MQTT reports it; ``active`` is occupancy / open / flushing / on / occupied."""

    kind: Literal["reading.home_sensor"] = "reading.home_sensor"
    sensor: HomeSensorKind
    active: bool
    battery_pct: float | None = Field(default=None, ge=0, le=100)


DeviceReading = (
    SmokeReading
    | MattressVitals
    | MattressRawBlock
    | WristbandAccelBlock
    | WristbandStatus
    | HomeSensorReading
)
"""Any reading from a home device (what detectors observe)."""
