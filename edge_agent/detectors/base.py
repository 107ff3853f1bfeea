"""The one shape every detector has: readings and ``tick(now)`` in, detections out.

A detector is a pure core (see ../shared/CONVENTIONS.md): no asyncio, no I/O, no wall clock.
The pipeline shows every device reading to every detector (each ignores what it does not
use, so a fall detector can also watch the mattress to corroborate), calls ``tick`` about
once a second so "nothing happened for 20 minutes" fires without new data, and checkpoints
``snapshot()`` in the same transaction as the events it produced.

Example:
    >>> from datetime import UTC, datetime
    >>> from contracts.readings import SmokeReading
    >>> from edge_agent.detectors.fire import FireDetector
    >>> d: Detector = FireDetector()
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> [(x.device_id, x.event.type.value) for x in
    ...  d.observe("smoke-0001", SmokeReading(smoke=True), now)]
    [('smoke-0001', 'fire')]
    >>> d.tick(now)
    []
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from contracts.events import EventBody
from contracts.readings import DeviceReading

__all__ = ["Detection", "Detector", "DeviceReading"]


@dataclass(frozen=True, slots=True)
class Detection:
    """An event a detector raised or cleared, and the device it is about (``None``: the
    resident or the home as a whole, such as "not up by the usual time")."""

    event: EventBody
    device_id: str | None = None


@runtime_checkable
class Detector(Protocol):
    """What the pipeline, the trace replay and the shared contract test rely on."""

    name: str
    """Versioned detector name put in each event's ``detector`` field, e.g. ``edge.fire/v1``."""

    def observe(self, device_id: str, reading: DeviceReading, now: datetime) -> list[Detection]:
        """Take one reading from ``device_id`` received at ``now``; never mutate it."""
        ...

    def tick(self, now: datetime) -> list[Detection]:
        """Raise or clear what the passing of time alone decides (timers, silence)."""
        ...

    def snapshot(self) -> dict[str, object]:
        """The whole state as JSON-ready data; ``restore`` of it resumes exactly."""
        ...

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with a snapshot; raise ``DetectorStateError`` if it is unusable."""
        ...
