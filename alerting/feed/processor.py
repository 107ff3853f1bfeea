"""Processing one stored event, in one transaction (the sync core of the feed).

Idempotent: ``incident_events.message_id`` is unique, so an event processed by another router
(or earlier by this one) is skipped, and a race ends in a rolled-back transaction, never in a
second page. The unique index on an incident's active fingerprint does the same for two events
of one resident and type arriving at two routers at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.config import AlertingSettings
from alerting.errors import StoreError
from alerting.feed.source import EventRow
from alerting.incidents.grouping import decide, fingerprint
from alerting.store.models import (
    FeedOutcome,
    Incident,
    IncidentEvent,
    IncidentLog,
    IncidentStatus,
    LogAction,
    Notification,
    NotificationStatus,
)
from contracts.envelope import Envelope, decode_envelope
from contracts.errors import PayloadValidationError
from contracts.events import EventBody
from contracts.ids import new_message_id

log = logging.getLogger(__name__)

ROUTER_ACTOR = "router"


def _already_recorded(engine: Engine, message_id: str) -> bool:
    """Whether another router (or an earlier poll) has recorded this event."""
    with Session(engine) as session:
        found = session.scalar(
            select(IncidentEvent.message_id).where(IncidentEvent.message_id == message_id)
        )
    return found is not None


@dataclass(frozen=True, slots=True)
class ProcessedEvent:
    """What processing one row did."""

    message_id: str
    outcome: FeedOutcome
    incident_id: str | None


def process_event_row(
    engine: Engine, settings: AlertingSettings, row: EventRow, now: datetime
) -> ProcessedEvent | None:
    """Process ``row`` in one transaction; ``None`` if it was (or just got) processed elsewhere."""
    try:
        with Session(engine) as session, session.begin():
            if session.scalar(select(IncidentEvent.id).filter_by(message_id=row.message_id)):
                return None
            result = _process(session, settings, row, now)
            session.add(
                IncidentEvent(
                    incident_id=result.incident_id,
                    message_id=row.message_id,
                    seq=row.seq,
                    outcome=result.outcome,
                    processed_at=now,
                    detail=result.detail,
                )
            )
    except IntegrityError as exc:
        if _already_recorded(engine, row.message_id):
            log.debug("event %s was processed concurrently; skipped", row.message_id)
            return None
        # not a race: a real constraint failure; retry the poll rather than lose the event
        raise StoreError(f"cannot record event {row.message_id}: {exc}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record event {row.message_id}: {exc}") from exc
    return ProcessedEvent(row.message_id, result.outcome, result.incident_id)


@dataclass(frozen=True, slots=True)
class _Result:
    outcome: FeedOutcome
    incident_id: str | None = None
    detail: str | None = None


def _process(session: Session, settings: AlertingSettings, row: EventRow, now: datetime) -> _Result:
    try:
        envelope = decode_envelope(row.envelope_json)
    except PayloadValidationError as exc:
        log.warning(
            "event seq %d (%s) does not decode, kept as is: %s", row.seq, row.message_id, exc
        )
        return _Result(FeedOutcome.MALFORMED, detail=str(exc)[:2000])
    body = envelope.body
    if not isinstance(body, EventBody):
        return _Result(FeedOutcome.NOT_CARE_RELEVANT, detail=f"body kind {body.kind}")
    active = None
    if envelope.resident_id is not None:
        key = fingerprint(envelope.org_id, envelope.resident_id, body.type.value)
        active = session.scalar(
            select(Incident).where(
                Incident.fingerprint == key, Incident.status != IncidentStatus.RESOLVED
            )
        )
    outcome = decide(body, resident_id=envelope.resident_id, has_active_incident=active is not None)
    if outcome is FeedOutcome.OPENED:
        incident = _open_incident(session, settings, envelope, body, now)
        return _Result(outcome, incident.id)
    if active is None:
        return _Result(outcome)
    if outcome is FeedOutcome.REPEAT:
        active.event_count += 1
        active.last_event_at = max(active.last_event_at, envelope.gateway_time)
        _log(session, active.id, now, LogAction.EVENT_ATTACHED, f"event {envelope.message_id}")
    elif outcome is FeedOutcome.CLEARED:
        _log(session, active.id, now, LogAction.CLEARED_EVENT, f"event {envelope.message_id}")
        log.info("incident %s: condition cleared (left open for the care worker)", active.id)
    return _Result(outcome, active.id)


def _open_incident(
    session: Session,
    settings: AlertingSettings,
    envelope: Envelope,
    body: EventBody,
    now: datetime,
) -> Incident:
    assert envelope.resident_id is not None
    incident = Incident(
        id=new_message_id(now),
        org_id=envelope.org_id,
        fingerprint=fingerprint(envelope.org_id, envelope.resident_id, body.type.value),
        resident_id=envelope.resident_id,
        home_id=envelope.home_id,
        type=body.type.value,
        warning_class=body.warning_class.value,
        severity=body.severity.value,
        status=IncidentStatus.OPEN,
        summary=body.evidence.summary,
        opened_at=now,
        last_event_at=envelope.gateway_time,
        event_count=1,
    )
    session.add(incident)
    session.flush()  # the active-fingerprint unique index fails here if another router won
    receiver = settings.receiver(settings.route.receiver)
    pages = 0
    for person_id in receiver.people:
        for contact in settings.person(person_id).contacts:
            session.add(
                Notification(
                    incident_id=incident.id,
                    person_id=person_id,
                    channel=contact.channel.value,
                    target=contact.target,
                    status=NotificationStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            pages += 1
    _log(
        session,
        incident.id,
        now,
        LogAction.OPENED,
        f"event {envelope.message_id}; receiver {receiver.name}; {pages} notification(s)",
    )
    log.info(
        "incident %s opened: %s for %s, paging receiver %s",
        incident.id,
        incident.type,
        incident.resident_id,
        receiver.name,
    )
    return incident


def _log(session: Session, incident_id: str, at: datetime, action: LogAction, detail: str) -> None:
    session.add(
        IncidentLog(
            incident_id=incident_id, at=at, actor=ROUTER_ACTOR, action=action, detail=detail
        )
    )
