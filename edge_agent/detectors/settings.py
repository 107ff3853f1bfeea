"""Per-resident detection settings (the ``detection:`` block of the agent's config).

Each detector family adds its own sub-model here, with clinical or documented defaults, so
an installer only writes what differs for this resident.

Example:
    >>> DetectionSettings.model_validate({}) == DetectionSettings()  # every field has a default
    True
"""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel
from edge_agent.portrait.settings import RoutineSettings

__all__ = ["DetectionSettings"]


class DetectionSettings(ConfigModel):
    """Limits and windows for this home's detectors; every field has a default."""

    routine: RoutineSettings = Field(default_factory=RoutineSettings)
    """Life portrait, bed exit, wake, inactivity and wandering (edge_agent.portrait)."""
