"""Anomalies injected into copies of held-out real days, and whether they were caught.

See :mod:`silverguard.evaluation.routine` for what each anomaly is and its window.

Example:
    >>> from datetime import UTC, datetime
    >>> t = datetime(2011, 12, 5, 11, 0, tzinfo=UTC)
    >>> [r.reading.in_bed for r in every_minute(t, t + TICK * 2, in_bed=True)]
    [True, True, True]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.events import EventType
from contracts.readings import HomeSensorKind, HomeSensorReading, MattressVitals
from edge_agent.portrait.daytime import DayClock
from edge_agent.portrait.settings import RoutineSettings
from edge_agent.portrait.stats import quantile
from silverguard.evaluation.ordonez import BED_DEVICE, SensorRow, TimedReading, home_kind
from silverguard.evaluation.routine_replay import (
    TICK,
    minutes_between,
    replay,
    routine_detectors,
)

__all__ = ["ANOMALIES", "Injection", "Outcome", "every_minute", "plan_injections", "run_injections"]

ANOMALIES: dict[str, EventType] = {
    "not_up": EventType.NOT_UP_BY_USUAL_TIME,
    "bed_exit": EventType.BED_EXIT_NO_RETURN,
    "inactivity": EventType.PROLONGED_INACTIVITY,
    "night_leaving": EventType.POSSIBLE_WANDERING,
}
_EXIT_WINDOW = timedelta(minutes=60)
_INACTIVITY_WINDOW = timedelta(hours=8)
_COLLAPSE_AFTER_WAKE = timedelta(hours=3)
_NO_LIFE = frozenset({HomeSensorKind.SEAT, HomeSensorKind.ENTRANCE})
_DOOR_AFTER_EXIT = timedelta(minutes=5)
ENTRANCE_DEVICE = "ordonez-maindoor"


@dataclass(frozen=True, slots=True)
class Injection:
    """One anomaly put into a copy of a held-out day."""

    kind: str
    day: str
    start: datetime
    window_end: datetime
    readings: list[TimedReading]


@dataclass(slots=True)
class Outcome:
    """How the injections of one kind fared over the held-out days."""

    injected: int = 0
    caught: int = 0
    delays_min: list[float] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    not_injectable: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready figures: counts, delay median and max (minutes), missed days."""
        return {
            "injected": self.injected,
            "caught": self.caught,
            "delay_min": {
                "median": _round(quantile(self.delays_min, 0.5)),
                "max": _round(max(self.delays_min, default=None)),
            },
            "missed_days": self.missed,
            "not_injectable_days": self.not_injectable,
            "example": self.examples[0] if self.examples else None,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def every_minute(start: datetime, end: datetime, *, in_bed: bool) -> list[TimedReading]:
    """The mattress reporting ``in_bed`` once a minute from ``start`` to ``end``."""
    out = []
    t = start
    while t <= end:
        out.append(TimedReading(t, BED_DEVICE, MattressVitals(in_bed=in_bed)))
        t += TICK
    return out


def spans(
    rows: Sequence[SensorRow], kind: HomeSensorKind | None, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """Aware ``(start, end)`` of the rows of sensors of ``kind`` (``None``: the bed mat)."""
    out = []
    for r in rows:
        try:
            if home_kind(r.location, r.sensor_type) is kind:
                out.append((r.start.replace(tzinfo=zone), r.end.replace(tzinfo=zone)))
        except KeyError:
            continue
    return sorted(out)


def plan_injections(
    day: str,
    clock: DayClock,
    readings: Sequence[TimedReading],
    beds: Sequence[tuple[datetime, datetime]],
    seats: Sequence[tuple[datetime, datetime]],
) -> tuple[list[Injection], list[str]]:
    """The anomalies injectable into ``day`` and the kinds that are not (no sleep, …)."""
    start = clock.day_start(day)
    end = start + timedelta(days=1)
    todays = [b for b in beds if start <= b[0] < end]
    if not todays:
        return [], list(ANOMALIES)
    sleep_at, wake_at = max(todays, key=lambda b: b[1] - b[0])
    before = [r for r in readings if r.at < wake_at]
    out = [Injection("not_up", day, wake_at, end, before + every_minute(wake_at, end, in_bed=True))]
    exit_at = sleep_at + (wake_at - sleep_at) / 2
    exit_at -= timedelta(microseconds=exit_at.microsecond)
    out.append(
        Injection(
            "bed_exit",
            day,
            exit_at,
            exit_at + _EXIT_WINDOW,
            [r for r in readings if r.at < exit_at]
            + every_minute(exit_at, exit_at + _EXIT_WINDOW, in_bed=False),
        )
    )
    door_at = exit_at + _DOOR_AFTER_EXIT
    out.append(
        Injection(
            "night_leaving",
            day,
            exit_at,
            exit_at + _EXIT_WINDOW,
            sorted(
                [r for r in readings if r.at < exit_at]
                + every_minute(exit_at, exit_at + _EXIT_WINDOW, in_bed=False)
                + [
                    TimedReading(door_at, ENTRANCE_DEVICE, _door(active=True)),
                    TimedReading(door_at + timedelta(seconds=5), ENTRANCE_DEVICE, _door()),
                ],
                key=lambda r: r.at,
            ),
        )
    )
    missing: list[str] = []
    collapse = next(
        (
            r.at
            for r in readings
            if r.at >= wake_at + _COLLAPSE_AFTER_WAKE
            and r.at < end
            and isinstance(r.reading, HomeSensorReading)
            and r.reading.active
            and r.reading.sensor not in _NO_LIFE
            and not any(s <= r.at < e for s, e in seats)
        ),
        None,
    )
    if collapse is None:
        missing.append("inactivity")
    else:
        window_end = collapse + _INACTIVITY_WINDOW
        kept = [r for r in readings if r.at <= collapse]
        out.append(
            Injection(
                "inactivity",
                day,
                collapse,
                window_end,
                kept + every_minute(collapse + TICK, window_end, in_bed=False),
            )
        )
    return out, missing


def _door(*, active: bool = False) -> HomeSensorReading:
    return HomeSensorReading(sensor=HomeSensorKind.ENTRANCE, active=active)


def run_injections(
    held: Sequence[str],
    *,
    clock: DayClock,
    readings: Sequence[TimedReading],
    rows: Sequence[SensorRow],
    zone: ZoneInfo,
    settings: RoutineSettings,
    snapshots: dict[datetime, list[dict[str, object]]],
) -> dict[str, Outcome]:
    """Inject each anomaly into a copy of each held-out day, resumed from its snapshots."""
    beds = spans(rows, None, zone)
    seats = spans(rows, HomeSensorKind.SEAT, zone)
    outcomes = {kind: Outcome() for kind in ANOMALIES}
    for day in held:
        start = clock.day_start(day)
        state = snapshots.get(start) or []
        if not state:
            continue
        day_readings = [r for r in readings if start <= r.at < start + timedelta(days=1)]
        planned, missing = plan_injections(day, clock, day_readings, beds, seats)
        for kind in missing:
            outcomes[kind].not_injectable.append(day)
        for inj in planned:
            copies = routine_detectors(settings)
            for d, snap in zip(copies, state, strict=True):
                d.restore(snap)
            raised = replay(copies, inj.readings, start, inj.window_end)
            hits = [
                a
                for a in raised
                if a.type is ANOMALIES[inj.kind] and inj.start <= a.at <= inj.window_end
            ]
            outcome = outcomes[inj.kind]
            outcome.injected += 1
            if hits:
                outcome.caught += 1
                outcome.delays_min.append(minutes_between(inj.start, hits[0].at))
                outcome.examples.append(hits[0].summary)
            else:
                outcome.missed.append(day)
    return outcomes
