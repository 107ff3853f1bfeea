"""The mute stage (pure): inhibition, maintenance silences and away periods.

Fire and SOS are never muted, whatever a silence, an away period or an inhibition rule says.
The decision is a *reason* (:class:`MuteReason`), stored on the incident and logged, so "why
was nobody paged?" has an answer.

Example:
    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> rule = DEFAULT_INHIBIT_RULES[0]
    >>> fire = {"type": "fire", "home": "home-1"}
    >>> bed = {"type": "bed_exit_no_return", "home": "home-1"}
    >>> rule.inhibits(fire, bed), rule.inhibits(fire, {**bed, "home": "home-2"})
    (True, False)
    >>> s = SilenceRule(("home=home-1",), now, now.replace(hour=5))
    >>> mute_reason(bed, now=now, away=None, silences=[s], inhibited=False).value
    'silenced'
    >>> mute_reason(fire, now=now, away=None, silences=[s], inhibited=True) is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field

from alerting.directory.port import AwayPeriod
from alerting.routing.matchers import MatcherText, all_match
from contracts.config import ConfigModel
from contracts.events import EventType

NEVER_MUTED = frozenset({EventType.FIRE.value, EventType.SOS.value})
"""Types no silence, away period or inhibition may mute."""


class MuteReason(StrEnum):
    """Why an incident pages nobody."""

    INHIBITED = "inhibited"  # a more important incident in the same home (e.g. a fire)
    SILENCED = "silenced"  # a maintenance silence matched
    AWAY = "away"  # the resident is away, in hospital or in respite care


class InhibitRule(ConfigModel):
    """While a source incident is active, target incidents with equal labels are muted."""

    source_matchers: list[MatcherText] = Field(min_length=1)
    target_matchers: list[MatcherText] = Field(min_length=1)
    equal: list[str] = Field(default_factory=lambda: ["home"])

    def inhibits(self, source: Mapping[str, str], target: Mapping[str, str]) -> bool:
        """Whether an active incident with ``source`` labels mutes one with ``target`` labels."""
        return (
            target.get("type", "") not in NEVER_MUTED
            and all_match(self.source_matchers, source)
            and all_match(self.target_matchers, target)
            and all(source.get(n, "") == target.get(n, "") != "" for n in self.equal)
        )


DEFAULT_INHIBIT_RULES = [
    InhibitRule(
        source_matchers=["type=fire"],
        target_matchers=["type=~bed_exit_no_return|prolonged_inactivity|not_up_by_usual_time"],
    )
]
"""A fire in a home mutes that home's bed-absence and inactivity incidents."""


class SilenceSettings(ConfigModel):
    """A maintenance silence written in the config."""

    matchers: list[MatcherText] = Field(min_length=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    comment: str = Field(min_length=1, max_length=500)


@dataclass(frozen=True, slots=True)
class SilenceRule:
    """An active or future silence, from the config or the API."""

    matchers: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        """Whether this silence mutes ``labels`` at ``now``."""
        return self.starts_at <= now < self.ends_at and all_match(self.matchers, labels)


def mute_reason(
    labels: Mapping[str, str],
    *,
    now: datetime,
    away: AwayPeriod | None,
    silences: Sequence[SilenceRule],
    inhibited: bool,
) -> MuteReason | None:
    """Why ``labels`` should page nobody now, or ``None`` to page."""
    if labels.get("type", "") in NEVER_MUTED:
        return None
    if inhibited:
        return MuteReason.INHIBITED
    if away is not None:
        return MuteReason.AWAY
    if any(s.mutes(labels, now) for s in silences):
        return MuteReason.SILENCED
    return None
