"""Gateway and device liveness: a pure assessment and the sweep that records its events."""

from cloud_ingest.liveness.core import Change, Watched, assess
from cloud_ingest.liveness.sweep import LivenessSweep

__all__ = ["Change", "LivenessSweep", "Watched", "assess"]
