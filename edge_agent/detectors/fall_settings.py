"""The fall detector's settings (the ``detection.fall`` block of the agent's config).

Example:
    >>> FallSettings().cancel_window_s, FallSettings(cancel_window_s=60).min_peak_g
    (30.0, 2.0)
"""

from __future__ import annotations

from pydantic import Field

from contracts.config import ConfigModel

__all__ = ["FallSettings"]


class FallSettings(ConfigModel):
    """Fall detection settings (the ``detection.fall`` block)."""

    cancel_window_s: float = Field(default=30.0, ge=0, le=300)
    """How long a suspected fall is held for an "I'm OK" press before it is raised."""
    min_peak_g: float = Field(default=2.0, ge=1.2, le=16)
    """The smallest acceleration peak examined as an impact (falls here peak at 3.8–7 g)."""
    threshold: float | None = Field(default=None, gt=0, lt=1)
    """Fall probability from which an impact is suspected (default: the model's own)."""
    band_flag_threshold: float = Field(default=0.2, gt=0, lt=1)
    """The lower probability that suffices when the band itself flagged a fall."""
    band_flag_alone_after_s: float = Field(default=30.0, gt=0)
    """A band flag is taken on its own when no accelerometer data came for this long."""
    refractory_s: float = Field(default=10.0, ge=0)
    """Impacts this soon after a suspected one belong to the same fall."""
    stale_after_s: float = Field(default=3.0, gt=0)
    """A band silent this long is judged on the data it sent (at least 1 s after impact)."""
    mattress_fresh_s: float = Field(default=10.0, gt=0)
    """A mattress reading older than this at the end of the window does not count as in bed."""
