"""The pure grouping decision: what one stored event does to the incidents.

Like Alertmanager's dedup stage, the decision is a *reason* (:class:`FeedOutcome`) that the
feed stores with the event and logs, so "why did nobody get paged?" has an answer.

Example:
    >>> from contracts.events import EventBody, EventStatus, EventType, Evidence
    >>> fire = EventBody.of(EventType.FIRE, Evidence(summary="smoke detected"))
    >>> decide(fire, resident_id="res-0001", has_active_incident=False).value
    'opened'
    >>> decide(fire, resident_id="res-0001", has_active_incident=True).value
    'repeat'
    >>> test = EventBody.of(EventType.SMOKE_TEST, Evidence(summary="test button"))
    >>> decide(test, resident_id="res-0001", has_active_incident=False).value
    'operator_only'
    >>> cleared = EventBody.of(EventType.FIRE, Evidence(summary="clear"),
    ...                        status=EventStatus.CLEARED)
    >>> decide(cleared, resident_id="res-0001", has_active_incident=False).value
    'cleared_no_incident'
    >>> decide(test, resident_id=None, has_active_incident=False, operator_paged=True).value
    'operator_opened'
    >>> fingerprint("org-demo", "res-0001", "fire")
    'org-demo/res-0001/fire'
"""

from __future__ import annotations

from alerting.store.models import FeedOutcome
from contracts.events import Audience, EventBody, EventStatus


def fingerprint(org_id: str, resident_id: str, event_type: str) -> str:
    """The grouping key: one active incident per organisation, resident and event type."""
    return f"{org_id}/{resident_id}/{event_type}"


def decide(
    event: EventBody,
    *,
    resident_id: str | None,
    has_active_incident: bool,
    operator_paged: bool = False,
) -> FeedOutcome:
    """What to do with ``event`` given whether its fingerprint has an active incident.

    Device-health (operator) events open incidents for the operator receiver when one is
    configured (``operator_paged``) and are only recorded otherwise; they never reach care
    workers.
    """
    operator = event.audience is Audience.OPERATOR
    if operator and not operator_paged:
        return FeedOutcome.OPERATOR_ONLY
    if resident_id is None and not operator:
        return FeedOutcome.NOT_CARE_RELEVANT
    if event.status is EventStatus.CLEARED:
        return FeedOutcome.CLEARED if has_active_incident else FeedOutcome.CLEARED_NO_INCIDENT
    if has_active_incident:
        return FeedOutcome.REPEAT
    return FeedOutcome.OPERATOR_OPENED if operator else FeedOutcome.OPENED


RESOLVE_ON_CLEAR_EXCLUDED = frozenset(
    {"fire", "fall", "sos", "possible_wandering", "fraud_warning"}
)
"""Types a person must look into even if the source clears (smoke gone is not "all is well")."""


def resolves_on_clear(event_type: str) -> bool:
    """Whether a cleared event resolves an incident nobody has accepted yet.

    >>> resolves_on_clear("bed_exit_no_return"), resolves_on_clear("fire")
    (True, False)
    """
    return event_type not in RESOLVE_ON_CLEAR_EXCLUDED


def operator_fingerprint(org_id: str, where: str, device_id: str | None, event_type: str) -> str:
    """The grouping key of a device-health incident (per home or gateway, device and type).

    >>> operator_fingerprint("org-demo", "home-0001", "band-1", "low_battery")
    'org-demo/op/home-0001/band-1/low_battery'
    """
    return f"{org_id}/op/{where}/{device_id or '-'}/{event_type}"
