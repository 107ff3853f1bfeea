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
    >>> fingerprint("org-demo", "res-0001", "fire")
    'org-demo/res-0001/fire'
"""

from __future__ import annotations

from alerting.store.models import FeedOutcome
from contracts.events import Audience, EventBody, EventStatus


def fingerprint(org_id: str, resident_id: str, event_type: str) -> str:
    """The grouping key: one active incident per organisation, resident and event type."""
    return f"{org_id}/{resident_id}/{event_type}"


def decide(event: EventBody, *, resident_id: str | None, has_active_incident: bool) -> FeedOutcome:
    """What to do with ``event`` given whether its fingerprint has an active incident."""
    if event.audience is Audience.OPERATOR:
        return FeedOutcome.OPERATOR_ONLY
    if resident_id is None:
        return FeedOutcome.NOT_CARE_RELEVANT
    if event.status is EventStatus.CLEARED:
        return FeedOutcome.CLEARED if has_active_incident else FeedOutcome.CLEARED_NO_INCIDENT
    return FeedOutcome.REPEAT if has_active_incident else FeedOutcome.OPENED
