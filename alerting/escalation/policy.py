"""Escalation policies: timed steps, repeat-until-accepted, ack timeout, critical fan-out.

Each step waits ``after_s`` after the previous one (the first step after the incident opened,
normally 0). After the last step the chain starts over every ``repeat_interval_s`` up to
``repeat_max`` times, until someone accepts. An accepted incident without "contact made"
within ``ack_timeout_s`` is re-opened and escalated again from the first step. For the
``fan_out_types`` (fire and SOS by default) the first step pages everyone the policy names.

Example:
    >>> p = EscalationPolicy.model_validate({"name": "standard", "steps": [
    ...     {"after_s": 0, "notify": ["primary"]},
    ...     {"after_s": 300, "notify": ["backup", "team_lead"]},
    ...     {"after_s": 600, "notify": ["family"]}],
    ...     "repeat_interval_s": 900, "repeat_max": 1})
    >>> first_step_targets(p, fan_out=False), first_step_targets(p, fan_out=True)
    (('primary',), ('primary', 'backup', 'team_lead', 'family'))
    >>> after_step(p, 0, 0)
    (1, 0, datetime.timedelta(seconds=300))
    >>> after_step(p, 2, 0)
    (0, 1, datetime.timedelta(seconds=900))
    >>> after_step(p, 2, 1) is None
    True
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from contracts.config import ConfigModel
from contracts.events import EventType

ROLE_TARGETS = ("primary", "backup", "team_lead", "family", "on_duty", "receiver")
"""Targets resolved per incident: the resident's people, the team's on-duty roster, or the
receiver(s) of the matched route."""
_NAMED = re.compile(r"^(receiver|roster|person):(.+)$")


def _target(text: str) -> str:
    if text in ROLE_TARGETS or _NAMED.match(text):
        return text
    raise ValueError(
        f"escalation target {text!r} is not one of {', '.join(ROLE_TARGETS)}, "
        "receiver:NAME, roster:NAME or person:ID"
    )


TargetText = Annotated[str, AfterValidator(_target)]


def named_target(text: str) -> tuple[str, str] | None:
    """``("roster", "north")`` for ``roster:north``; ``None`` for a role target.

    >>> named_target("roster:north"), named_target("primary")
    (('roster', 'north'), None)
    """
    found = _NAMED.match(text)
    return (found.group(1), found.group(2)) if found else None


class EscalationStep(ConfigModel):
    """Who to page, and how long after the previous step."""

    after_s: float = Field(default=0, ge=0)
    notify: list[TargetText] = Field(min_length=1)


class EscalationPolicy(ConfigModel):
    """A named escalation chain."""

    name: str = Field(min_length=1, max_length=100)
    steps: list[EscalationStep] = Field(min_length=1)
    repeat_interval_s: float | None = Field(default=None, gt=0)
    repeat_max: int = Field(default=0, ge=0, le=100)
    ack_timeout_s: float | None = Field(default=None, gt=0)
    fan_out_types: list[EventType] = Field(default_factory=lambda: [EventType.FIRE, EventType.SOS])


DEFAULT_POLICY = EscalationPolicy(name="default", steps=[EscalationStep(notify=["receiver"])])
"""Used by routes without an escalation policy: page the route's receiver once."""


def first_step_targets(policy: EscalationPolicy, *, fan_out: bool) -> tuple[str, ...]:
    """The targets of step 1; with ``fan_out`` everyone named in any step."""
    if not fan_out:
        return tuple(policy.steps[0].notify)
    seen: list[str] = []
    for step in policy.steps:
        seen.extend(t for t in step.notify if t not in seen)
    return tuple(seen)


def step_targets(policy: EscalationPolicy, step_index: int, *, fan_out: bool) -> tuple[str, ...]:
    """The targets of step ``step_index`` (0-based)."""
    if step_index == 0:
        return first_step_targets(policy, fan_out=fan_out)
    return tuple(policy.steps[step_index].notify)


def after_step(
    policy: EscalationPolicy, step_index: int, round_: int
) -> tuple[int, int, timedelta] | None:
    """The next (step, round, delay) after firing ``step_index`` in ``round_``; ``None`` when
    the chain is exhausted."""
    if step_index + 1 < len(policy.steps):
        return step_index + 1, round_, timedelta(seconds=policy.steps[step_index + 1].after_s)
    if policy.repeat_interval_s is not None and round_ < policy.repeat_max:
        return 0, round_ + 1, timedelta(seconds=policy.repeat_interval_s)
    return None
