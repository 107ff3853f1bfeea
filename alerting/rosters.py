"""Rosters: who is on duty now, from weekly shifts in a local time zone (Asia/Shanghai default).

A shift whose ``end`` is not after its ``start`` runs past midnight (``20:00``–``08:00``) and
belongs to the day it starts on.

Example:
    >>> from datetime import UTC, datetime
    >>> roster = RosterSettings.model_validate({"name": "north", "shifts": [
    ...     {"start": "08:00", "end": "20:00", "people": ["cw-0001"]},
    ...     {"start": "20:00", "end": "08:00", "people": ["cw-0002"]}]})
    >>> on_duty(roster, datetime(2026, 11, 24, 3, 0, tzinfo=UTC), "Asia/Shanghai")  # 11:00
    ['cw-0001']
    >>> on_duty(roster, datetime(2026, 11, 24, 18, 0, tzinfo=UTC), "Asia/Shanghai")  # 02:00
    ['cw-0002']
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from contracts.config import ConfigModel
from contracts.ids import Identifier

ALL_DAYS = [1, 2, 3, 4, 5, 6, 7]


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone, else a ``ValueError`` saying what to write.

    >>> check_timezone("Asia/Shanghai")
    'Asia/Shanghai'
    """
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"time zone {name!r} is unknown: use an IANA name such as Asia/Shanghai"
        ) from exc
    return name


class ShiftSettings(ConfigModel):
    """People on duty between ``start`` and ``end`` on the given ISO weekdays (1 = Monday)."""

    days: list[int] = Field(default_factory=lambda: list(ALL_DAYS))
    start: time
    end: time
    people: list[Identifier] = Field(min_length=1)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[int]) -> list[int]:
        if not days or any(d not in ALL_DAYS for d in days):
            raise ValueError("days are ISO weekdays 1 (Monday) … 7 (Sunday)")
        return days


class RosterSettings(ConfigModel):
    """A named weekly roster."""

    name: str = Field(min_length=1, max_length=100)
    timezone: str | None = Field(default=None, description="defaults to the router's timezone")
    shifts: list[ShiftSettings] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


def _in_shift(shift: ShiftSettings, local: datetime) -> bool:
    today = local.isoweekday()
    clock = local.time()
    if shift.start < shift.end:
        return today in shift.days and shift.start <= clock < shift.end
    # overnight: today's evening part, or the morning part of a shift that began yesterday
    yesterday = (local - timedelta(days=1)).isoweekday()
    return (today in shift.days and clock >= shift.start) or (
        yesterday in shift.days and clock < shift.end
    )


def on_duty(roster: RosterSettings, now: datetime, default_timezone: str) -> list[str]:
    """Who is on duty at ``now`` (in roster order, without repeats)."""
    local = now.astimezone(ZoneInfo(roster.timezone or default_timezone))
    people: list[str] = []
    for shift in roster.shifts:
        if _in_shift(shift, local):
            people.extend(p for p in shift.people if p not in people)
    return people
