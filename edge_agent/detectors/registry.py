"""Which detectors a home runs, built from its settings (the one place that lists them).

Example:
    >>> from edge_agent.detectors.settings import DetectionSettings
    >>> [d.name for d in build_detectors(DetectionSettings())]  # doctest: +NORMALIZE_WHITESPACE
    ['edge.fire/v1', 'edge.bed_exit/v1', 'edge.routine/v1', 'edge.wandering/v1',
     'edge.fall/v1', 'edge.sos/v1', 'edge.wristband_health/v1', 'edge.bed/v1',
     'edge.vitals/v1']
"""

from __future__ import annotations

from edge_agent.detectors.base import Detector
from edge_agent.detectors.bed import BedPresenceDetector
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.fall import FallDetector
from edge_agent.detectors.fire import FireDetector
from edge_agent.detectors.routine import RoutineDetector
from edge_agent.detectors.settings import DetectionSettings
from edge_agent.detectors.sos import SosDetector
from edge_agent.detectors.vitals import VitalsDetector
from edge_agent.detectors.wandering import WanderingDetector
from edge_agent.detectors.wristband_health import WristbandHealthDetector

__all__ = ["build_detectors"]


def build_detectors(settings: DetectionSettings) -> list[Detector]:
    """A fresh instance of every detector, in the order the pipeline shows them readings."""
    home_tz = settings.routine.portrait.timezone
    fall = FallDetector(settings.fall, timezone=home_tz)
    return [
        FireDetector(),
        BedExitDetector(settings.routine),
        RoutineDetector(settings.routine),
        WanderingDetector(settings.routine),
        fall,
        # a press that cancels a suspected fall ("I'm OK") is not an SOS
        SosDetector(settings.sos, im_ok=fall, timezone=home_tz),
        WristbandHealthDetector(settings.wristband_health),
        BedPresenceDetector(settings.bed),
        VitalsDetector(settings.vitals, timezone=home_tz),
    ]
