"""Per-resident detection settings (the ``detection:`` block of the agent's config).

Each detector family adds its own sub-model here, with clinical or documented defaults, so
an installer only writes what differs for this resident.

Example:
    >>> DetectionSettings.model_validate({}) == DetectionSettings()  # every field has a default
    True
    >>> DetectionSettings().fall.cancel_window_s
    30.0
"""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel
from edge_agent.detectors.bed import BedSettings
from edge_agent.detectors.fall import FallSettings
from edge_agent.detectors.sos import SosSettings
from edge_agent.detectors.vitals_limits import VitalsSettings
from edge_agent.detectors.wristband_health import WristbandHealthSettings
from edge_agent.portrait.settings import RoutineSettings

__all__ = ["DetectionSettings"]


class DetectionSettings(ConfigModel):
    """Limits and windows for this home's detectors; every field has a default."""

    routine: RoutineSettings = Field(default_factory=RoutineSettings)
    """Life portrait, bed exit, wake, inactivity and wandering (edge_agent.portrait)."""
    fall: FallSettings = Field(default_factory=FallSettings)
    """Wrist falls: impact model, "I'm OK" cancel window, mattress corroboration."""
    sos: SosSettings = Field(default_factory=SosSettings)
    """The SOS button (how long a held "I'm OK" press takes to become an SOS)."""
    wristband_health: WristbandHealthSettings = Field(default_factory=WristbandHealthSettings)
    """Off-wrist, low battery and silent-band limits (operator events)."""
    bed: BedSettings = Field(default_factory=BedSettings)
    """Bed presence debounce (in/out) and the silent-mattress limit."""
    vitals: VitalsSettings = Field(default_factory=VitalsSettings)
    """Heart and breathing rate limits, how long they must hold, and apnea (clinical defaults)."""
