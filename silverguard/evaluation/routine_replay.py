"""Replaying device readings through the routine detectors, a tick every minute.

Example:
    >>> from datetime import UTC, datetime
    >>> minutes_between(datetime(2026, 1, 1, 3, tzinfo=UTC), datetime(2026, 1, 1, 3, 30,
    ...                 tzinfo=UTC))
    30.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.events import EventStatus, EventType
from edge_agent.detectors.base import Detection, Detector
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.routine import RoutineDetector
from edge_agent.detectors.wandering import WanderingDetector
from edge_agent.portrait.settings import RoutineSettings
from silverguard.evaluation.ordonez import TimedReading

__all__ = ["TICK", "RaisedAlert", "minutes_between", "replay", "routine_detectors"]

TICK = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    """An alert a detector raised during a replay."""

    at: datetime
    type: EventType
    summary: str


def minutes_between(a: datetime, b: datetime) -> float:
    """Minutes from ``a`` to ``b``."""
    return (b - a).total_seconds() / 60


def routine_detectors(settings: RoutineSettings) -> list[Detector]:
    return [BedExitDetector(settings), RoutineDetector(settings), WanderingDetector(settings)]


def _raised(at: datetime, detections: Sequence[Detection]) -> list[RaisedAlert]:
    return [
        RaisedAlert(at, d.event.type, d.event.evidence.summary)
        for d in detections
        if d.event.status is EventStatus.RAISED
    ]


def replay(
    detectors: Sequence[Detector],
    readings: Sequence[TimedReading],
    start: datetime,
    end: datetime,
    snapshot_at: dict[datetime, list[dict[str, object]]] | None = None,
) -> list[RaisedAlert]:
    """Readings in order with a tick every minute from ``start`` to ``end``; the detectors'
    snapshots are stored in ``snapshot_at`` for each of its keys (taken before readings at
    that instant)."""
    out: list[RaisedAlert] = []
    i = 0
    now = start
    while now <= end:
        while i < len(readings) and readings[i].at < now:
            out.extend(_observe(detectors, readings[i]))
            i += 1
        if snapshot_at is not None and now in snapshot_at:
            snapshot_at[now] = [d.snapshot() for d in detectors]
        while i < len(readings) and readings[i].at == now:
            out.extend(_observe(detectors, readings[i]))
            i += 1
        for d in detectors:
            out.extend(_raised(now, d.tick(now)))
        now += TICK
    return out


def _observe(detectors: Sequence[Detector], r: TimedReading) -> list[RaisedAlert]:
    out: list[RaisedAlert] = []
    for d in detectors:
        out.extend(_raised(r.at, d.observe(r.device_id, r.reading, r.at)))
    return out
