"""Per-resident detection settings (the ``detection:`` block of the agent's config).

Each detector family adds its own sub-model here, with clinical or documented defaults, so
an installer only writes what differs for this resident.

Example:
    >>> DetectionSettings().model_dump()
    {}
"""

from __future__ import annotations

from contracts.config import ConfigModel

__all__ = ["DetectionSettings"]


class DetectionSettings(ConfigModel):
    """Limits and windows for this home's detectors; every field has a default."""
