"""The directory written in the alerting YAML (tests, the demo, small pilots).

Example:
    >>> settings = DirectorySettings.model_validate({
    ...     "teams": [{"id": "t-north", "lead": "tl-0001", "roster": "north"}],
    ...     "residents": [{"id": "res-0001", "team": "t-north", "primary": "cw-0001",
    ...                    "backup": "cw-0002", "family": ["fam-0001"],
    ...                    "away": [{"kind": "hospital", "start": "2026-11-20T00:00:00+08:00"}]}]})
    >>> d = YamlDirectory(settings, org_id="org-demo")
    >>> d.resident("res-0001").family_ids, d.team("t-north").lead_id
    (('fam-0001',), 'tl-0001')
    >>> d.resident("res-9999") is None
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pydantic import AwareDatetime, Field

from alerting.directory.port import AwayKind, AwayPeriod, ResidentEntry, TeamEntry
from contracts.config import ConfigModel
from contracts.ids import Identifier


class AwaySettings(ConfigModel):
    """An away, hospital or respite period."""

    kind: AwayKind
    start: AwareDatetime
    end: AwareDatetime | None = None


class TeamSettings(ConfigModel):
    """A care team."""

    id: Identifier
    lead: Identifier | None = None
    roster: str | None = None


class ResidentSettings(ConfigModel):
    """A resident and who cares for them."""

    id: Identifier
    team: Identifier | None = None
    home: Identifier | None = None
    primary: Identifier | None = None
    backup: Identifier | None = None
    family: list[Identifier] = Field(default_factory=list)
    away: list[AwaySettings] = Field(default_factory=list)


class DirectorySettings(ConfigModel):
    """Teams and residents, for a router without the domain tables."""

    teams: list[TeamSettings] = Field(default_factory=list)
    residents: list[ResidentSettings] = Field(default_factory=list)

    def person_refs(self) -> Iterator[tuple[str, str]]:
        """``(where, person id)`` of every person named, for reference checks."""
        for team in self.teams:
            if team.lead:
                yield f"directory team {team.id} lead", team.lead
        for r in self.residents:
            for role, pid in (("primary", r.primary), ("backup", r.backup)):
                if pid:
                    yield f"directory resident {r.id} {role}", pid
            for pid in r.family:
                yield f"directory resident {r.id} family", pid


class YamlDirectory:
    """A :class:`~alerting.directory.port.Directory` over :class:`DirectorySettings`."""

    def __init__(self, settings: DirectorySettings, *, org_id: str) -> None:
        self._teams = {t.id: TeamEntry(t.id, org_id, t.lead, t.roster) for t in settings.teams}
        self._residents = {r.id: _resident(r, org_id) for r in settings.residents}

    def resident(self, resident_id: str) -> ResidentEntry | None:
        """The resident, or ``None``."""
        return self._residents.get(resident_id)

    def team(self, team_id: str) -> TeamEntry | None:
        """The team, or ``None``."""
        return self._teams.get(team_id)

    def contacts(self, _person_id: str) -> list[tuple[str, str]]:
        """None: in the YAML setup, people's contacts are under ``people``."""
        return []


def _resident(r: ResidentSettings, org_id: str) -> ResidentEntry:
    def period(a: AwaySettings) -> AwayPeriod:
        end: datetime | None = a.end
        return AwayPeriod(a.kind, a.start, end)

    return ResidentEntry(
        resident_id=r.id,
        org_id=org_id,
        team_id=r.team,
        home_id=r.home,
        primary_id=r.primary,
        backup_id=r.backup,
        family_ids=tuple(r.family),
        away=tuple(period(a) for a in r.away),
    )
