"""Which detectors a home runs, built from its settings (the one place that lists them).

Example:
    >>> from edge_agent.detectors.settings import DetectionSettings
    >>> [d.name for d in build_detectors(DetectionSettings())]
    ['edge.fire/v1', 'edge.bed_exit/v1', 'edge.routine/v1', 'edge.wandering/v1']
"""

from __future__ import annotations

from edge_agent.detectors.base import Detector
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.fire import FireDetector
from edge_agent.detectors.routine import RoutineDetector
from edge_agent.detectors.settings import DetectionSettings
from edge_agent.detectors.wandering import WanderingDetector

__all__ = ["build_detectors"]


def build_detectors(settings: DetectionSettings) -> list[Detector]:
    """A fresh instance of every detector, in the order the pipeline shows them readings."""
    return [
        FireDetector(),
        BedExitDetector(settings.routine),
        RoutineDetector(settings.routine),
        WanderingDetector(settings.routine),
    ]
