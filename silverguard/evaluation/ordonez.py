"""The UCI "ADLs Recognition Using Binary Sensors" recordings (Ordóñez, de Toledo & Sanchis,
2013) as Silverguard device readings.

Each row of ``Ordonez<house>_Sensors.txt`` is one activation of one binary sensor: start,
end, location, type, place, separated by runs of tabs. The times are the home's local wall
clock (no zone in the files; the houses are in Spain, so ``Europe/Madrid``).

Mapping (``BY_LOCATION``, then ``BY_TYPE``):
    * the ``Bed`` pressure mat → :class:`~contracts.readings.MattressVitals` ``in_bed`` once
      a minute over the whole recording plus one at every change (a real mattress reports
      about once a second; once a minute keeps the stream small and still lets the shared
      presence debounce confirm each change, dated to when it began);
    * ``Maindoor`` → ``HomeSensorReading(sensor=entrance)``;
    * by type: ``PIR`` → ``motion``, ``Magnetic`` → ``contact``, ``Flush`` → ``flush``,
      ``Electric`` → ``appliance``, any other ``Pressure`` mat → ``seat``;
    each home sensor is active at the row's start and inactive at its end. A row that cannot
    be read is counted and skipped, and a sensor type with no mapping is listed, never fatal.

Example:
    >>> rows, bad = parse_sensor_lines(["2011-11-28 02:27:59\\t\\t2011-11-28 10:18:11\\t\\t"
    ...                                 "Bed\\t\\t\\tPressure\\tBedroom", "garbage"])
    >>> rows[0].location, rows[0].sensor_type, rows[0].end.isoformat(), bad
    ('Bed', 'Pressure', '2011-11-28T10:18:11', 1)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from contracts.readings import DeviceReading, HomeSensorKind, HomeSensorReading, MattressVitals
from silverguard.evaluation.errors import EvaluationError

__all__ = [
    "BED_DEVICE",
    "BY_LOCATION",
    "BY_TYPE",
    "OrdonezDataError",
    "SensorRow",
    "TimedReading",
    "home_kind",
    "load_house",
    "parse_sensor_lines",
    "to_readings",
]

BED_DEVICE = "ordonez-bed"
BY_LOCATION: dict[str, HomeSensorKind | None] = {
    "Bed": None,  # the bed pressure mat: MattressVitals.in_bed
    "Maindoor": HomeSensorKind.ENTRANCE,
}
"""Locations with a meaning of their own (``None``: the bed mat → mattress presence)."""
BY_TYPE: dict[str, HomeSensorKind] = {
    "PIR": HomeSensorKind.MOTION,
    "Magnetic": HomeSensorKind.CONTACT,
    "Flush": HomeSensorKind.FLUSH,
    "Electric": HomeSensorKind.APPLIANCE,
    "Pressure": HomeSensorKind.SEAT,
}
"""Every other sensor by its type column (a pressure mat that is not the bed is a seat)."""


def home_kind(location: str, sensor_type: str) -> HomeSensorKind | None:
    """Our kind for a sensor (``None``: the bed mat, which becomes mattress presence).

    Raises:
        KeyError: neither the location nor the type has a mapping.

    >>> home_kind("Bed", "Pressure"), home_kind("Seat", "Pressure").value
    (None, 'seat')
    >>> home_kind("Door Kitchen", "PIR").value
    'motion'
    """
    if location in BY_LOCATION:
        return BY_LOCATION[location]
    return BY_TYPE[sensor_type]


_SPLIT = re.compile(r"\s*\t\s*")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class OrdonezDataError(EvaluationError):
    """The recordings cannot be found or read (the message says which file and what to do)."""


@dataclass(frozen=True, slots=True)
class SensorRow:
    """One activation of one sensor, in local wall-clock time (naive)."""

    start: datetime
    end: datetime
    location: str
    sensor_type: str = ""


@dataclass(frozen=True, slots=True)
class TimedReading:
    """A reading from ``device_id`` at ``at`` (aware)."""

    at: datetime
    device_id: str
    reading: DeviceReading


def parse_sensor_lines(lines: Iterable[str]) -> tuple[list[SensorRow], int]:
    """Rows from the file's lines (headers skipped) and how many data lines were unreadable."""
    rows: list[SensorRow] = []
    bad = 0
    for line in lines:
        fields = _SPLIT.split(line.strip())
        if len(fields) < 3 or not fields[0][:1].isdigit():
            if line.strip() and not line.startswith(("Start", "-")):
                bad += 1
            continue
        try:
            start = datetime.strptime(fields[0], _TIME_FORMAT)
            end = datetime.strptime(fields[1], _TIME_FORMAT)
        except ValueError:
            bad += 1
            continue
        if end < start:
            bad += 1
            continue
        rows.append(SensorRow(start, end, fields[2], fields[3] if len(fields) > 3 else ""))
    return sorted(rows, key=lambda r: (r.start, r.location)), bad


def load_house(directory: Path, house: str) -> tuple[list[SensorRow], int]:
    """Read ``Ordonez<house>_Sensors.txt`` from ``directory``.

    Raises:
        OrdonezDataError: the file is missing or unreadable.
    """
    path = directory / f"Ordonez{house}_Sensors.txt"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise OrdonezDataError(
            f"cannot read {path}: {exc.strerror}; pass --ordonez pointing at the folder with "
            f"Ordonez{house}_Sensors.txt (e.g. ../shared/data/ordonez) and the house letter"
        ) from exc
    return parse_sensor_lines(text.splitlines())


def to_readings(
    rows: Iterable[SensorRow], timezone: str, *, bed_every: timedelta = timedelta(minutes=1)
) -> tuple[list[TimedReading], set[str]]:
    """The device readings the rows stand for (see the module's mapping), in time order, and
    the locations that have no mapping (skipped)."""
    zone = ZoneInfo(timezone)
    out: list[TimedReading] = []
    unmapped: set[str] = set()
    beds: list[tuple[datetime, datetime]] = []
    all_rows = list(rows)
    for row in all_rows:
        try:
            kind = home_kind(row.location, row.sensor_type)
        except KeyError:
            unmapped.add(f"{row.location} ({row.sensor_type})")
            continue
        start, end = row.start.replace(tzinfo=zone), row.end.replace(tzinfo=zone)
        if kind is None:
            beds.append((start, end))
            continue
        device = "ordonez-" + "-".join(row.location.lower().split())
        out.append(TimedReading(start, device, HomeSensorReading(sensor=kind, active=True)))
        out.append(TimedReading(end, device, HomeSensorReading(sensor=kind, active=False)))
    if all_rows:
        first = min(r.start for r in all_rows).replace(tzinfo=zone)
        last = max(r.end for r in all_rows).replace(tzinfo=zone)
        out.extend(_mattress(beds, first, last, bed_every))
    out.sort(key=lambda r: r.at)
    return out, unmapped


def _mattress(
    beds: list[tuple[datetime, datetime]], first: datetime, last: datetime, every: timedelta
) -> list[TimedReading]:
    beds = sorted(beds)
    changes = [t for span in beds for t in span]
    times = sorted({*changes, *_grid(first, last, every)})
    out: list[TimedReading] = []
    i = 0
    for t in times:
        while i < len(beds) and beds[i][1] <= t:
            i += 1
        in_bed = i < len(beds) and beds[i][0] <= t < beds[i][1]
        out.append(TimedReading(t, BED_DEVICE, MattressVitals(in_bed=in_bed)))
    return out


def _grid(first: datetime, last: datetime, every: timedelta) -> list[datetime]:
    out = []
    t = first
    while t <= last:
        out.append(t)
        t += every
    return out
