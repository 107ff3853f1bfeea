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
   * ``night_leaving``: as ``bed_exit``, and 5 min later the entrance door opens and closes
     (the resident leaves the home at night, no wristband); window: exit → exit + 60 min.
   Each copy starts from the detectors' own snapshots taken at the start of that day on the
   real replay, so it sees exactly what the portrait had learned by then. An anomaly is
   caught when its event is raised inside its window; the delay is from the anomaly's start.

Example:
    >>> sorted(ANOMALIES)
    ['bed_exit', 'inactivity', 'night_leaving', 'not_up']
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from edge_agent.detectors.routine import RoutineDetector
from edge_agent.portrait.daytime import DayClock
from edge_agent.portrait.settings import PortraitSettings, RoutineSettings
from silverguard.evaluation.ordonez import (
    BY_LOCATION,
    BY_TYPE,
    OrdonezDataError,
    load_house,
    to_readings,
)
from silverguard.evaluation.routine_inject import ANOMALIES, run_injections
from silverguard.evaluation.routine_replay import RaisedAlert, replay, routine_detectors

__all__ = ["ANOMALIES", "GOALS", "evaluate_routine"]

GOALS = {
    "false_alarms_on_real_days": "0",
    "injected_anomalies_caught": "100 %",
}
CITATION = (
    "Ordóñez, de Toledo & Sanchis (2013), Activity recognition using hybrid "
    "generative/discriminative models on home environments using binary sensors; UCI "
    "'Activities of Daily Living (ADLs) Recognition Using Binary Sensors'"
)


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
    detectors = routine_detectors(settings)
    alerts = replay(detectors, readings, first, last, snapshots)
    held_set = set(held)
    false_alarms = [a for a in alerts if clock.day_of(a.at) in held_set]
    burn_in = [a for a in alerts if clock.day_of(a.at) not in held_set]

    outcomes = run_injections(
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


def _alert_dict(alert: RaisedAlert, clock: DayClock) -> dict[str, str]:
    return {
        "day": clock.day_of(alert.at),
        "at_local": clock.local(alert.at).strftime("%Y-%m-%d %H:%M"),
        "type": alert.type.value,
        "summary": alert.summary,
    }
