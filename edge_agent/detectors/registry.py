"""Which detectors a home runs, built from its settings (the one place that lists them).

Example:
    >>> from edge_agent.detectors.settings import DetectionSettings
    >>> [d.name for d in build_detectors(DetectionSettings())]
    ['edge.fire/v1']
"""

from __future__ import annotations

from edge_agent.detectors.base import Detector
from edge_agent.detectors.fire import FireDetector
from edge_agent.detectors.settings import DetectionSettings

__all__ = ["build_detectors"]


def build_detectors(settings: DetectionSettings) -> list[Detector]:
    """A fresh instance of every detector, in the order the pipeline shows them readings."""
    del settings  # each detector family reads its own sub-model once it has one
    return [FireDetector()]
