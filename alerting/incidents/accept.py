"""Accepting an incident: the first accept wins, escalation stops, pending pages are cancelled."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.errors import StoreError
from alerting.escalation.engine import add_log, cancel_pending
from alerting.store.models import Incident, IncidentStatus, LogAction

log = logging.getLogger(__name__)


class AcceptOutcome(StrEnum):
    """What an accept request did."""

    ACCEPTED = "accepted"
    ALREADY_YOURS = "already_yours"  # idempotent repeat by the same person
    TAKEN = "taken"  # someone else accepted first
    RESOLVED = "resolved"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class AcceptResult:
    """The outcome and who holds the incident now."""

    outcome: AcceptOutcome
    accepted_by: str | None = None
    accepted_at: datetime | None = None


def accept_incident(
    engine: Engine,
    incident_id: str,
    person_id: str,
    now: datetime,
    *,
    ack_timeout_s: Callable[[str | None], float | None] | None = None,
    via: str = "link",
) -> AcceptResult:
    """Let ``person_id`` accept ``incident_id``; only the first accept wins.

    Escalation stops, pending pages to others are cancelled, and if the incident's policy has
    an ack timeout (``ack_timeout_s(policy_name)``) its deadline for "contact made" starts.
    """
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            incident = session.scalar(
                select(Incident).where(Incident.id == incident_id).with_for_update()
            )
            if incident is not None and incident.status is IncidentStatus.OPEN:
                timeout = ack_timeout_s(incident.escalation_policy) if ack_timeout_s else None
                incident.status = IncidentStatus.ACCEPTED
                incident.accepted_by, incident.accepted_at = person_id, now
                incident.next_escalation_at = None
                incident.muted_reason = None
                incident.ack_deadline_at = now + timedelta(seconds=timeout) if timeout else None
                if incident.time_to_accept_s is None:
                    incident.time_to_accept_s = (now - incident.opened_at).total_seconds()
                add_log(
                    session,
                    incident_id,
                    now,
                    LogAction.ACCEPTED,
                    f"accepted via {via}",
                    actor=person_id,
                )
                cancel_pending(session, incident_id, now, f"accepted by {person_id}", person_id)
                log.info("incident %s accepted by %s", incident_id, person_id)
                return AcceptResult(AcceptOutcome.ACCEPTED, person_id, now)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record the acceptance of {incident_id}: {exc}") from exc
    if incident is None:
        return AcceptResult(AcceptOutcome.NOT_FOUND)
    if incident.accepted_by == person_id:
        return AcceptResult(AcceptOutcome.ALREADY_YOURS, person_id, incident.accepted_at)
    if incident.accepted_by is not None:
        return AcceptResult(AcceptOutcome.TAKEN, incident.accepted_by, incident.accepted_at)
    return AcceptResult(AcceptOutcome.RESOLVED)
