"""The ``Directory`` port: what the router needs to know about residents and care teams.

The domain tables (organisations, teams, residents, …) belong to the ingest's REST side; the
router only reads them, through this port, so it never keeps a second writable copy.

Example:
    >>> from datetime import UTC, datetime
    >>> away = AwayPeriod(AwayKind.HOSPITAL, datetime(2026, 11, 20, tzinfo=UTC), None)
    >>> away.covers(datetime(2026, 11, 24, tzinfo=UTC))
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class AwayKind(StrEnum):
    """Why a resident is not at home (their home's sensors then say nothing about them)."""

    AWAY = "away"
    HOSPITAL = "hospital"
    RESPITE = "respite"


@dataclass(frozen=True, slots=True)
class AwayPeriod:
    """A period the resident is not at home; ``end`` ``None`` means until further notice."""

    kind: AwayKind
    start: datetime
    end: datetime | None

    def covers(self, at: datetime) -> bool:
        """Whether ``at`` falls inside the period."""
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True, slots=True)
class ResidentEntry:
    """A resident and the people around them (person ids only)."""

    resident_id: str
    org_id: str
    team_id: str | None = None
    home_id: str | None = None
    primary_id: str | None = None
    backup_id: str | None = None
    family_ids: tuple[str, ...] = ()
    away: tuple[AwayPeriod, ...] = field(default=())

    def away_at(self, at: datetime) -> AwayPeriod | None:
        """The away period covering ``at``, if any."""
        return next((p for p in self.away if p.covers(at)), None)


@dataclass(frozen=True, slots=True)
class TeamEntry:
    """A care team: its lead and the roster deciding who of it is on duty."""

    team_id: str
    org_id: str
    lead_id: str | None = None
    roster: str | None = None


class Directory(Protocol):
    """Read-only lookups of residents and teams."""

    def resident(self, resident_id: str) -> ResidentEntry | None:
        """The resident, or ``None`` if the directory does not know them."""
        ...

    def team(self, team_id: str) -> TeamEntry | None:
        """The team, or ``None`` if unknown."""
        ...

    def contacts(self, person_id: str) -> list[tuple[str, str]]:
        """``(channel, target)`` pairs the directory knows for a person (besides the config)."""
        ...
