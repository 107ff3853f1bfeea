"""Reading streams of a resident's days, shared by the routine detectors' tests.

Times are UTC and the settings use the UTC zone, so "02:00" in a test is 02:00 local.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from contracts.readings import (
    HomeSensorKind,
    HomeSensorReading,
    MattressVitals,
    WristbandAccelBlock,
    WristbandStatus,
)
from edge_agent.detectors.contract import Step
from edge_agent.portrait.settings import PortraitSettings, RoutineSettings

MAT = "mat-0001"
BAND = "band-0001"
PIR = "pir-kitchen"
SEAT = "seat-living"
DOOR = "door-entrance"


def utc_settings(**kwargs: object) -> RoutineSettings:
    """Default routine settings in the UTC zone, with overrides per sub-model."""
    return RoutineSettings.model_validate({"portrait": PortraitSettings(timezone="UTC"), **kwargs})


def at(day: int, hour: float) -> datetime:
    """``hour`` (may exceed 24) on November ``day``, 2026, UTC."""
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour)


def bed(now: datetime, in_bed: bool) -> list[Step]:
    """A presence change, confirmed by a second reading 30 s later (the debounce)."""
    return [
        Step(now, MAT, MattressVitals(in_bed=in_bed)),
        Step(now + timedelta(seconds=30), MAT, MattressVitals(in_bed=in_bed)),
    ]


def home(
    now: datetime,
    sensor: HomeSensorKind = HomeSensorKind.MOTION,
    active: bool = True,
    device: str = PIR,
) -> Step:
    """A home sensor change."""
    return Step(now, device, HomeSensorReading(sensor=sensor, active=active))


def still_block(now: datetime) -> Step:
    """A wristband accelerometer block lying still."""
    return Step(
        now,
        BAND,
        WristbandAccelBlock(
            sample_rate_hz=50,
            t_offsets_s=[0.0, 0.02],
            x_m_s2=[0.0, 0.0],
            y_m_s2=[0.1, 0.1],
            z_m_s2=[9.8, 9.8],
        ),
    )


def moving_block(now: datetime) -> Step:
    """A wristband accelerometer block of an arm moving."""
    return Step(
        now,
        BAND,
        WristbandAccelBlock(
            sample_rate_hz=50,
            t_offsets_s=[0.0, 0.02, 0.04],
            x_m_s2=[0.0, 4.0, -3.0],
            y_m_s2=[0.0, 1.0, 0.0],
            z_m_s2=[9.8, 7.0, 11.0],
        ),
    )


def status(now: datetime, rssi_dbm: float = -60.0) -> Step:
    """A wristband status report."""
    return Step(now, BAND, WristbandStatus(rssi_dbm=rssi_dbm, on_wrist=True))


def ticks(start: datetime, end: datetime, every: timedelta = timedelta(minutes=5)) -> list[Step]:
    """Bare ticks from ``start`` to ``end`` inclusive."""
    out = []
    now = start
    while now <= end:
        out.append(Step(now))
        now += every
    return out


def normal_day(
    day: int, *, bed_h: float = 23.0, wake_h: float = 7.0, exits: Iterable[tuple[float, float]] = ()
) -> list[Step]:
    """Bed at ``bed_h`` on ``day``, night exits ``(start hour, minutes)``, up at ``wake_h`` the
    next day (hours after midnight of ``day``+1), then home activity every 30 min until
    21:00 and a seat from 19:00 to 22:30."""
    steps = bed(at(day, bed_h), True)
    for start_h, minutes in exits:
        steps += bed(at(day + 1, start_h), False)
        steps.append(
            home(at(day + 1, start_h) + timedelta(minutes=1), HomeSensorKind.FLUSH, device="flush")
        )
        steps += bed(at(day + 1, start_h) + timedelta(minutes=minutes), True)
    steps += bed(at(day + 1, wake_h), False)
    hour = wake_h + 0.25
    while hour < 19.0:
        steps.append(home(at(day + 1, hour)))
        hour += 0.5
    steps.append(home(at(day + 1, 19.0), HomeSensorKind.SEAT, True, SEAT))
    steps.append(home(at(day + 1, 22.5), HomeSensorKind.SEAT, False, SEAT))
    return steps


def learned_days(first: int, n: int, **kwargs: object) -> list[Step]:
    """``n`` normal days from November ``first`` (nights from ``first`` on)."""
    steps: list[Step] = []
    for i in range(n):
        steps += normal_day(first + i, **kwargs)  # type: ignore[arg-type]
    return steps


def bed_exit_contract_stream() -> list[Step]:
    """A night exit not back within 30 min with a still wristband, then back to bed."""
    return [
        *bed(at(23, 23.0), True),
        status(at(24, 1.9)),
        *bed(at(24, 2.0), False),
        still_block(at(24, 2.3)),
        still_block(at(24, 2.45)),
        still_block(at(24, 2.54)),
        Step(at(24, 2.55)),
        *bed(at(24, 2.7), True),
    ]


def routine_contract_stream() -> list[Step]:
    """Not up by 13:00 (then up), then quiet from 14:00 past the 4 h default (then a sign)."""
    return [
        *bed(at(23, 23.0), True),
        Step(at(24, 13.0)),
        *bed(at(24, 13.5), False),
        home(at(24, 14.0)),
        Step(at(24, 18.1)),
        home(at(24, 18.5)),
    ]


def wandering_contract_stream() -> list[Step]:
    """A night exit, the wristband link lost, then back in bed."""
    return [
        *bed(at(23, 23.0), True),
        status(at(24, 1.95)),
        *bed(at(24, 2.0), False),
        Step(at(24, 2.25)),
        *bed(at(24, 2.5), True),
    ]


def day_without_bed(day: int, *, first_h: float = 7.0, last_h: float = 22.0) -> list[Step]:
    """A home without a bed sensor: home activity every 30 min from ``first_h`` to ``last_h``
    on November ``day`` (no seat)."""
    steps = []
    hour = first_h
    while hour <= last_h:
        steps.append(home(at(day, hour)))
        hour += 0.5
    return steps
