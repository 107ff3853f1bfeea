"""Resolving escalation targets to person ids for one incident, now (pure).

``primary`` is the resident's primary care worker when on duty; if their team keeps a roster
and they are off duty, the team's on-duty people are paged instead. A step whose targets name
nobody falls back to the route's receivers, so no incident is ever paged to no one.

Example:
    >>> from datetime import UTC, datetime
    >>> from alerting.directory.port import ResidentEntry, TeamEntry
    >>> ctx = TargetContext(
    ...     resident=ResidentEntry("res-0001", "org-demo", "t-1", None, "cw-1", "cw-2",
    ...                            ("fam-1",)),
    ...     team=TeamEntry("t-1", "org-demo", "tl-1"), route_receivers=("duty",),
    ...     receivers={"duty": ("op-1",)}, rosters={}, timezone="Asia/Shanghai",
    ...     now=datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    >>> resolve_targets(("primary", "backup", "team_lead"), ctx)
    ['cw-1', 'cw-2', 'tl-1']
    >>> resolve_targets(("family", "receiver"), ctx)
    ['fam-1', 'op-1']
    >>> resolve_targets(("on_duty",), ctx)  # no roster: nobody → the route's receivers
    ['op-1']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from alerting.directory.port import ResidentEntry, TeamEntry
from alerting.escalation.policy import named_target
from alerting.rosters import RosterSettings, on_duty


@dataclass(frozen=True, slots=True)
class TargetContext:
    """What target resolution needs to know about one incident."""

    resident: ResidentEntry | None
    team: TeamEntry | None
    route_receivers: tuple[str, ...]
    receivers: Mapping[str, Sequence[str]]
    rosters: Mapping[str, RosterSettings]
    timezone: str
    now: datetime

    def roster_on_duty(self, name: str | None) -> list[str] | None:
        """On-duty people of roster ``name``; ``None`` if there is no such roster."""
        roster = self.rosters.get(name) if name else None
        return None if roster is None else on_duty(roster, self.now, self.timezone)


def _primary(ctx: TargetContext, team_duty: list[str] | None) -> list[str]:
    primary = ctx.resident.primary_id if ctx.resident else None
    if primary and (team_duty is None or primary in team_duty):
        return [primary]
    return team_duty or ([primary] if primary else [])


def _one(target: str, ctx: TargetContext) -> Iterable[str]:
    named = named_target(target)
    if named is not None:
        kind, name = named
        if kind == "person":
            return [name]
        if kind == "receiver":
            return ctx.receivers.get(name, ())
        return ctx.roster_on_duty(name) or []
    resident, team = ctx.resident, ctx.team
    team_duty = ctx.roster_on_duty(team.roster) if team else None
    roles: dict[str, Iterable[str]] = {
        "backup": [resident.backup_id] if resident and resident.backup_id else [],
        "team_lead": [team.lead_id] if team and team.lead_id else [],
        "family": resident.family_ids if resident else (),
        "on_duty": team_duty or [],
    }
    if target == "primary":
        return _primary(ctx, team_duty)
    if target in roles:
        return roles[target]
    return [p for name in ctx.route_receivers for p in ctx.receivers.get(name, ())]


def resolve_targets(targets: Sequence[str], ctx: TargetContext) -> list[str]:
    """Person ids to page for ``targets``, in order, without repeats (never empty if the
    route's receivers name anyone)."""
    people: list[str] = []
    for target in targets:
        people.extend(p for p in _one(target, ctx) if p not in people)
    if not people:
        people.extend(p for p in _one("receiver", ctx) if p not in people)
    return people
