"""Vital-sign limits for one resident, with clinical defaults and where they come from.

Defaults (an installer overrides them per resident, e.g. for a resident on beta-blockers):
    * ``hr_high_bpm`` 120 and ``hr_low_bpm`` 40: NEWS2 (Royal College of Physicians, National
      Early Warning Score 2, 2017) scores a heart rate ≤ 40 or ≥ 131 bpm 3 ("urgent") and
      111–130 bpm 2; a resting, sleeping older adult above 120 bpm for minutes, or below 40,
      warrants a call.
    * ``rr_high_br_min`` 30 and ``rr_low_br_min`` 8: NEWS2 scores ≤ 8 and ≥ 25 breaths/min
      3; 30 is kept as the high limit because a mattress estimate can read a few breaths high
      during restless sleep and a night-time page must be worth waking someone for.
    * ``sustain_s`` 120: a value must be out of range for 2 minutes (80 % of the good readings
      in the window) — brief surges when turning over or dreaming are normal.
    * Hysteresis: an alert clears only when 80 % of the window is back inside the limit by a
      margin (10 bpm, 3 breaths/min), so a value hovering at the limit does not flap.
    * ``apnea_s`` 20: the AASM scoring manual (Berry et al., AASM Manual for the Scoring of
      Sleep and Associated Events, v2.6, 2020) counts a breathing pause ≥ 10 s as an apnea;
      pauses of 10–20 s are common in older sleepers, so 20 s with no breathing detected
      (while in bed with a clear heartbeat) is the default for a critical alert.
    * ``min_signal_quality`` 0.4: below it a mattress reading is not trusted either way.

Example:
    >>> v = VitalsSettings(hr_high_bpm=110)
    >>> v.hr_high_bpm, v.hr_clear_high_bpm, v.rr_low_br_min
    (110.0, 100.0, 8.0)
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from contracts.config import ConfigModel

__all__ = ["VitalsSettings"]


class VitalsSettings(ConfigModel):
    """Limits and timings of the vitals detector (``detection.vitals``)."""

    hr_high_bpm: float = Field(default=120.0, gt=0, le=300)
    hr_low_bpm: float = Field(default=40.0, gt=0, le=300)
    rr_high_br_min: float = Field(default=30.0, gt=0, le=80)
    rr_low_br_min: float = Field(default=8.0, gt=0, le=80)
    hr_hysteresis_bpm: float = Field(default=10.0, ge=0)
    rr_hysteresis_br_min: float = Field(default=3.0, ge=0)
    sustain_s: float = Field(default=120.0, gt=0, le=3600)
    sustain_share: float = Field(default=0.8, gt=0.5, le=1.0)
    min_readings: int = Field(default=10, ge=1, description="good readings needed in a window")
    max_gap_s: float = Field(
        default=30.0, gt=0, description="a longer gap between good readings restarts a window"
    )
    apnea_s: float = Field(default=20.0, gt=0, le=600)
    min_signal_quality: float = Field(default=0.4, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.hr_clear_low_bpm >= self.hr_clear_high_bpm:
            raise ValueError("hr_low_bpm + hysteresis must stay below hr_high_bpm - hysteresis")
        if self.rr_clear_low_br_min >= self.rr_clear_high_br_min:
            raise ValueError(
                "rr_low_br_min + hysteresis must stay below rr_high_br_min - hysteresis"
            )
        return self

    @property
    def hr_clear_high_bpm(self) -> float:
        """A high heart rate clears below this."""
        return self.hr_high_bpm - self.hr_hysteresis_bpm

    @property
    def hr_clear_low_bpm(self) -> float:
        """A low heart rate clears above this."""
        return self.hr_low_bpm + self.hr_hysteresis_bpm

    @property
    def rr_clear_high_br_min(self) -> float:
        """A high breathing rate clears below this."""
        return self.rr_high_br_min - self.rr_hysteresis_br_min

    @property
    def rr_clear_low_br_min(self) -> float:
        """A low breathing rate clears above this."""
        return self.rr_low_br_min + self.rr_hysteresis_br_min
