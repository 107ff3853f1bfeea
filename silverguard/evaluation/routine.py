"""``silverguard eval routine``: the routine detectors on a real home's days (Ordóñez house).

1. The house's binary sensors become device readings (see :mod:`.ordonez` for the mapping)
   and are replayed, with a ``tick`` every minute, through the home's routine detectors
   (bed exit, routine, wandering) in the house's time zone.
2. The first ``learn_days`` portrait days (18:00 to 18:00 local) are the burn-in the portrait
   learns from; every alert raised on the remaining real days counts as a false alarm (the
   recordings are of ordinary days), per event type.
3. Into a copy of every held-out day the evaluation injects, deterministically, each of:
   * ``not_up``: the resident stays in bed from their real wake-up time (the mattress keeps
     reporting in bed, nothing else happens); window: wake-up → end of the day (18:00);
   * ``bed_exit``: the resident leaves bed halfway through the night's sleep and nothing
     else happens (mattress empty); window: exit → exit + 60 min;
   * ``inactivity``: from the first home-sensor activation at least 3 h after the real
     wake-up while not seated, nothing else happens; window: that moment → + 8 h.
   Each copy starts from the detectors' own snapshots taken at the start of that day on the
   real replay, so it sees exactly what the portrait had learned by then. An anomaly is
   caught when its event is raised inside its window; the delay is from the anomaly's start.

Example:
    >>> from datetime import UTC, datetime
    >>> minutes_between(datetime(2026, 1, 1, 3, tzinfo=UTC), datetime(2026, 1, 1, 3, 30,
    ...                 tzinfo=UTC))
    30.0
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from contracts.events import EventStatus, EventType
from contracts.readings import HomeSensorKind, HomeSensorReading, MattressVitals
from edge_agent.detectors.base import Detection, Detector
from edge_agent.detectors.bed_exit import BedExitDetector
from edge_agent.detectors.routine import RoutineDetector
from edge_agent.detectors.wandering import WanderingDetector
from edge_agent.portrait.daytime import DayClock
from edge_agent.portrait.settings import PortraitSettings, RoutineSettings
from edge_agent.portrait.stats import quantile
from silverguard.evaluation.ordonez import (
    BED_DEVICE,
    BY_LOCATION,
    BY_TYPE,
    OrdonezDataError,
    SensorRow,
    TimedReading,
    home_kind,
    load_house,
    to_readings,
)

__all__ = ["ANOMALIES", "GOALS", "RaisedAlert", "evaluate_routine", "minutes_between"]

GOALS = {
    "false_alarms_on_real_days": "0",
    "injected_anomalies_caught": "100 %",
}
ANOMALIES: dict[str, EventType] = {
    "not_up": EventType.NOT_UP_BY_USUAL_TIME,
    "bed_exit": EventType.BED_EXIT_NO_RETURN,
    "inactivity": EventType.PROLONGED_INACTIVITY,
}
CITATION = (
    "Ordóñez, de Toledo & Sanchis (2013), Activity recognition using hybrid "
    "generative/discriminative models on home environments using binary sensors; UCI "
    "'Activities of Daily Living (ADLs) Recognition Using Binary Sensors'"
)
TICK = timedelta(minutes=1)
_EXIT_WINDOW = timedelta(minutes=60)
_INACTIVITY_WINDOW = timedelta(hours=8)
_COLLAPSE_AFTER_WAKE = timedelta(hours=3)
_NO_LIFE = frozenset({HomeSensorKind.SEAT, HomeSensorKind.ENTRANCE})


def minutes_between(a: datetime, b: datetime) -> float:
    """Minutes from ``a`` to ``b``."""
    return (b - a).total_seconds() / 60


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    """An alert a detector raised during a replay."""

    at: datetime
    type: EventType
    summary: str


@dataclass(frozen=True, slots=True)
class Injection:
    """One anomaly put into a copy of a held-out day."""

    kind: str
    day: str
    start: datetime
    window_end: datetime
    readings: list[TimedReading]


@dataclass(slots=True)
class _Outcome:
    injected: int = 0
    caught: int = 0
    delays_min: list[float] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    not_injectable: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
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


def _detectors(settings: RoutineSettings) -> list[Detector]:
    return [BedExitDetector(settings), RoutineDetector(settings), WanderingDetector(settings)]


def _raised(at: datetime, detections: Sequence[Detection]) -> list[RaisedAlert]:
    return [
        RaisedAlert(at, d.event.type, d.event.evidence.summary)
        for d in detections
        if d.event.status is EventStatus.RAISED
    ]


def _replay(
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


def _every_minute(start: datetime, end: datetime, in_bed: bool) -> list[TimedReading]:
    out = []
    t = start
    while t <= end:
        out.append(TimedReading(t, BED_DEVICE, MattressVitals(in_bed=in_bed)))
        t += TICK
    return out


def _spans(
    rows: Sequence[SensorRow], location_kind: HomeSensorKind | None, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    spans = []
    for r in rows:
        try:
            if home_kind(r.location, r.sensor_type) is location_kind:
                spans.append((r.start.replace(tzinfo=zone), r.end.replace(tzinfo=zone)))
        except KeyError:
            continue
    return sorted(spans)


def _injections(
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
        return [], ["not_up", "bed_exit", "inactivity"]
    sleep_at, wake_at = max(todays, key=lambda b: b[1] - b[0])
    before = [r for r in readings if r.at < wake_at]
    out = [
        Injection("not_up", day, wake_at, end, before + _every_minute(wake_at, end, in_bed=True))
    ]
    exit_at = sleep_at + (wake_at - sleep_at) / 2
    exit_at -= timedelta(microseconds=exit_at.microsecond)
    out.append(
        Injection(
            "bed_exit",
            day,
            exit_at,
            exit_at + _EXIT_WINDOW,
            [r for r in readings if r.at < exit_at]
            + _every_minute(exit_at, exit_at + _EXIT_WINDOW, in_bed=False),
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
        kept = [r for r in readings if r.at <= collapse and r.device_id != BED_DEVICE]
        kept += [r for r in readings if r.at <= collapse and r.device_id == BED_DEVICE]
        kept.sort(key=lambda r: r.at)
        out.append(
            Injection(
                "inactivity",
                day,
                collapse,
                window_end,
                kept + _every_minute(collapse + TICK, window_end, in_bed=False),
            )
        )
    return out, missing


def evaluate_routine(
    directory: Path,
    house: str,
    *,
    timezone: str = "Europe/Madrid",
    learn_days: int = 7,
    max_days: float | None = None,
) -> dict[str, object]:
    """Replay the house, count false alarms on held-out real days, inject and catch anomalies.

    Raises:
        OrdonezDataError: the recordings are missing, unreadable or too short.
    """
    if learn_days < 1:
        raise OrdonezDataError(f"--learn-days must be at least 1, not {learn_days}")
    try:
        settings = RoutineSettings(
            portrait=PortraitSettings(timezone=timezone, burn_in_days=learn_days)
        )
    except ValidationError as exc:
        raise OrdonezDataError(f"--timezone/--learn-days: {exc.errors()[0]['msg']}") from exc
    rows, bad = load_house(directory, house)
    if not rows:
        raise OrdonezDataError(f"no readable sensor rows for house {house} in {directory}")
    if max_days is not None:
        cut = min(r.start for r in rows) + timedelta(days=max_days)
        rows = [r for r in rows if r.start < cut]
    zone = ZoneInfo(timezone)
    readings, unmapped = to_readings(rows, timezone)
    clock = DayClock(timezone, boundary_hour=settings.portrait.day_boundary_hour)
    days = sorted({clock.day_of(r.at) for r in readings})
    learning, held = days[:learn_days], days[learn_days:]
    if not held:
        raise OrdonezDataError(
            f"house {house} has {len(days)} days: more than --learn-days {learn_days} are "
            "needed to keep some for evaluation"
        )
    first = readings[0].at.replace(second=0, microsecond=0)
    last = readings[-1].at
    snapshots: dict[datetime, list[dict[str, object]]] = {clock.day_start(d): [] for d in held}
    detectors = _detectors(settings)
    alerts = _replay(detectors, readings, first, last, snapshots)
    held_set = set(held)
    false_alarms = [a for a in alerts if clock.day_of(a.at) in held_set]
    burn_in = [a for a in alerts if clock.day_of(a.at) not in held_set]

    outcomes = _run_injections(
        held,
        clock=clock,
        readings=readings,
        rows=rows,
        zone=zone,
        settings=settings,
        snapshots=snapshots,
    )
    injected = sum(o.injected for o in outcomes.values())
    caught = sum(o.caught for o in outcomes.values())
    portrait = detectors[1]
    assert isinstance(portrait, RoutineDetector)
    return {
        "dataset": CITATION,
        "house": house,
        "timezone": timezone,
        "sensor_rows": len(rows),
        "unreadable_rows": bad,
        "unmapped_locations": sorted(unmapped),
        "mapping": {
            **{f"type {k}": v.value for k, v in BY_TYPE.items()},
            **{k: (v.value if v else "mattress.in_bed") for k, v in BY_LOCATION.items()},
        },
        "learning_days": learning,
        "evaluation_days": held,
        "false_alarms": {
            "total": len(false_alarms),
            "per_type": {
                t.value: n for t, n in sorted(Counter(a.type for a in false_alarms).items())
            },
            "alarms": [_alert_dict(a, clock) for a in false_alarms],
        },
        "burn_in_alerts": [_alert_dict(a, clock) for a in burn_in],
        "injected": {
            kind: {"event_type": ANOMALIES[kind].value, **o.to_dict()}
            for kind, o in outcomes.items()
        },
        "injected_total": injected,
        "caught_total": caught,
        "portrait": portrait.tracker.portrait.summary(),
        "not_evaluated": "possible_wandering: the recordings have no wristband",
        "goals": GOALS,
        "goals_met": {
            "false_alarms_on_real_days": not false_alarms,
            "injected_anomalies_caught": injected > 0 and caught == injected,
        },
    }


def _run_injections(
    held: Sequence[str],
    *,
    clock: DayClock,
    readings: Sequence[TimedReading],
    rows: Sequence[SensorRow],
    zone: ZoneInfo,
    settings: RoutineSettings,
    snapshots: dict[datetime, list[dict[str, object]]],
) -> dict[str, _Outcome]:
    """Inject each anomaly into a copy of each held-out day, resumed from its snapshots."""
    beds = _spans(rows, None, zone)
    seats = _spans(rows, HomeSensorKind.SEAT, zone)
    outcomes = {kind: _Outcome() for kind in ANOMALIES}
    for day in held:
        start = clock.day_start(day)
        state = snapshots.get(start) or []
        if not state:
            continue
        day_readings = [r for r in readings if start <= r.at < start + timedelta(days=1)]
        injections, missing = _injections(day, clock, day_readings, beds, seats)
        for kind in missing:
            outcomes[kind].not_injectable.append(day)
        for inj in injections:
            copies = _detectors(settings)
            for d, snap in zip(copies, state, strict=True):
                d.restore(snap)
            raised = _replay(copies, inj.readings, start, inj.window_end)
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


def _alert_dict(alert: RaisedAlert, clock: DayClock) -> dict[str, str]:
    return {
        "day": clock.day_of(alert.at),
        "at_local": clock.local(alert.at).strftime("%Y-%m-%d %H:%M"),
        "type": alert.type.value,
        "summary": alert.summary,
    }
