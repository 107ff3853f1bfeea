"""Settings of the life portrait and of the routine detectors built on it.

Defaults are documented choices, not fitted to any recording: the 30 min "out of bed" limit
is what telecare bed sensors use; the others are stated next to each field.

Example:
    >>> s = RoutineSettings()
    >>> s.portrait.burn_in_days, s.bed_exit.default_limit_min, s.wandering.dementia
    (7, 30.0, False)
"""

from __future__ import annotations

from pydantic import Field, field_validator

from contracts.config import ConfigModel
from edge_agent.portrait.daytime import DayClock

__all__ = [
    "BedExitSettings",
    "InactivitySettings",
    "PortraitSettings",
    "RoutineSettings",
    "WakeSettings",
    "WanderingSettings",
]


class PortraitSettings(ConfigModel):
    """How the resident's routine is learned."""

    timezone: str = Field(default="Asia/Shanghai", description="IANA zone of the home")
    day_boundary_hour: int = Field(
        default=18, ge=0, le=23, description="local hour a portrait day starts (mid-evening)"
    )
    burn_in_days: int = Field(default=7, ge=1, le=60, description="days before learned limits")
    window_days: int = Field(default=28, ge=3, le=120, description="days the portrait keeps")
    wristband_movement_m_s2: float = Field(
        default=0.5, gt=0, description="std of |acceleration| in a block above which it moves"
    )
    wristband_link_lost_s: float = Field(
        default=120.0, gt=0, description="no reading this long: the wristband is out of reach"
    )
    quiet_record_min: float = Field(
        default=30.0, gt=0, description="quiet spells at least this long are learned"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        DayClock(value)  # raises ValueError with advice
        return value


class BedExitSettings(ConfigModel):
    """ "Out of bed and not back" inside the night window."""

    default_limit_min: float = Field(
        default=30.0, gt=0, description="limit until learned (telecare bed sensors use ~30 min)"
    )
    learned_quantile: float = Field(default=0.95, gt=0, lt=1)
    learned_factor: float = Field(default=2.0, ge=1, description="limit = quantile × factor")
    min_limit_min: float = Field(default=10.0, gt=0)
    max_limit_min: float = Field(default=45.0, gt=0)
    min_learned_exits: int = Field(default=5, ge=1, description="exits needed to learn a limit")
    default_night_start_hour: float = Field(default=22.0, ge=0, lt=24)
    default_night_end_hour: float = Field(default=6.0, ge=0, lt=24)
    up_and_about_min: float = Field(
        default=10.0, ge=0, description="home sensor activity this recent: resident is up"
    )
    wristband_still_min: float = Field(
        default=5.0, gt=0, description="worn wristband without movement this long escalates"
    )


class WakeSettings(ConfigModel):
    """ "Not up by the usual time + margin"."""

    hard_limit_hour: float = Field(
        default=13.0, ge=0, lt=24, description="still in bed at this local hour (burn-in)"
    )
    wake_quantile: float = Field(default=0.9, gt=0, lt=1, description="'usual' latest wake")
    margin_min: float = Field(default=60.0, ge=0, description="at least this after it")
    spread_factor: float = Field(
        default=0.5, ge=0, description="margin also ≥ factor × (p90 − p10) of wake times"
    )


class InactivitySettings(ConfigModel):
    """ "Prolonged inactivity in usual active hours" (at home, out of bed, not seated)."""

    hard_limit_min: float = Field(default=240.0, gt=0, description="limit until learned")
    default_active_from_hour: int = Field(default=8, ge=0, le=23)
    default_active_to_hour: int = Field(default=21, ge=0, le=23)
    learned_quantile: float = Field(default=0.9, gt=0, lt=1)
    learned_factor: float = Field(default=1.5, ge=1)
    min_limit_min: float = Field(default=90.0, gt=0)
    max_limit_min: float = Field(default=360.0, gt=0)
    active_share: float = Field(
        default=0.5, gt=0, le=1, description="an hour is 'usually active' on this share of days"
    )


class WanderingSettings(ConfigModel):
    """Possible wandering (走失): a night exit and the wristband out of the gateway's reach."""

    weak_rssi_dbm: float = Field(default=-90.0, le=0, description="this weak counts as leaving")
    limit_min: float = Field(default=10.0, gt=0, description="no return within this")
    dementia: bool = Field(default=False, description="raises the severity to critical")


class RoutineSettings(ConfigModel):
    """The life portrait and the detectors that use it."""

    portrait: PortraitSettings = Field(default_factory=PortraitSettings)
    bed_exit: BedExitSettings = Field(default_factory=BedExitSettings)
    wake: WakeSettings = Field(default_factory=WakeSettings)
    inactivity: InactivitySettings = Field(default_factory=InactivitySettings)
    wandering: WanderingSettings = Field(default_factory=WanderingSettings)
