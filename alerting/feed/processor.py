"""Processing one stored event, in one transaction (the sync core of the feed).

Idempotent: ``incident_events.message_id`` is unique, so an event processed by another router
(or earlier by this one) is skipped, and a race ends in a rolled-back transaction, never in a
second page. The unique index on an incident's active fingerprint does the same for two events
of one resident and type arriving at two routers at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.dispatch.claims import Claimed, claim_new_pages
from alerting.errors import StoreError
from alerting.escalation.context import RouterContext
from alerting.escalation.engine import add_log
from alerting.feed.source import EventRow
from alerting.incidents.grouping import decide, fingerprint, operator_fingerprint, resolves_on_clear
from alerting.incidents.opening import ROUTER_ACTOR, open_incident, resolve_cleared
from alerting.store.models import (
    TERMINAL_STATUSES,
    FeedOutcome,
    Incident,
    IncidentEvent,
    IncidentStatus,
    LogAction,
)
from contracts.envelope import Envelope, decode_envelope
from contracts.errors import PayloadValidationError
from contracts.events import Audience, EventBody

log = logging.getLogger(__name__)


def _already_recorded(engine: Engine, message_id: str) -> bool:
    """Whether another router (or an earlier poll) has recorded this event."""
    with Session(engine) as session:
        found = session.scalar(
            select(IncidentEvent.message_id).where(IncidentEvent.message_id == message_id)
        )
    return found is not None


@dataclass(frozen=True, slots=True)
class ProcessedEvent:
    """What processing one row did; ``claimed``: the new incident's pages this router owns
    and must send now (only when asked to claim them, see :func:`process_event_row`)."""

    message_id: str
    outcome: FeedOutcome
    incident_id: str | None
    claimed: tuple[Claimed, ...] = ()


def process_event_row(
    engine: Engine,
    ctx: RouterContext,
    row: EventRow,
    now: datetime,
    *,
    claim_lease: timedelta | None = None,
) -> ProcessedEvent | None:
    """Process ``row`` in one transaction; ``None`` if it was (or just got) processed elsewhere.

    With ``claim_lease``, the first pages of an incident it opens are claimed in the same
    transaction (:func:`~alerting.dispatch.claims.claim_new_pages`) and returned, so the
    caller's dispatcher sends them the moment the transaction commits.
    """
    claimed: list[Claimed] = []
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            if session.scalar(select(IncidentEvent.id).filter_by(message_id=row.message_id)):
                return None
            result = _process(session, ctx, row, now)
            if claim_lease is not None and result.opened is not None:
                claimed = claim_new_pages(session, result.opened, now, claim_lease)
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
    return ProcessedEvent(row.message_id, result.outcome, result.incident_id, tuple(claimed))


@dataclass(frozen=True, slots=True)
class _Result:
    outcome: FeedOutcome
    incident_id: str | None = None
    detail: str | None = None
    opened: Incident | None = None
    """The incident just opened and paged (not muted)."""


def _process(session: Session, ctx: RouterContext, row: EventRow, now: datetime) -> _Result:
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
    operator_paged = ctx.settings.device_receiver(body.type) is not None
    key = _fingerprint(envelope, body)
    active = None
    if key is not None:
        active = session.scalar(
            select(Incident)
            .where(Incident.fingerprint == key, Incident.status.not_in(TERMINAL_STATUSES))
            .with_for_update()
        )
    outcome = decide(
        body,
        resident_id=envelope.resident_id,
        has_active_incident=active is not None,
        operator_paged=operator_paged,
    )
    if outcome in (FeedOutcome.OPENED, FeedOutcome.OPERATOR_OPENED):
        assert key is not None
        incident = open_incident(session, ctx, envelope, body, key=key, now=now)
        muted = incident.muted_reason is not None
        return _Result(
            FeedOutcome.MUTED if muted else outcome,
            incident.id,
            opened=None if muted else incident,
        )
    if active is None:
        return _Result(outcome)
    if outcome is FeedOutcome.REPEAT:
        active.event_count += 1
        active.last_event_at = max(active.last_event_at, envelope.gateway_time)
        add_log(
            session,
            active.id,
            now,
            LogAction.EVENT_ATTACHED,
            f"event {envelope.message_id}",
            actor=ROUTER_ACTOR,
        )
    elif outcome is FeedOutcome.CLEARED:
        if active.status is IncidentStatus.OPEN and (
            active.muted_reason is not None or resolves_on_clear(active.type)
        ):
            resolve_cleared(session, active, envelope.message_id, now)
            return _Result(FeedOutcome.RESOLVED, active.id)
        add_log(
            session,
            active.id,
            now,
            LogAction.CLEARED_EVENT,
            f"event {envelope.message_id}",
            actor=ROUTER_ACTOR,
        )
        log.info("incident %s: condition cleared (left open for the care worker)", active.id)
    return _Result(outcome, active.id)


def _fingerprint(envelope: Envelope, body: EventBody) -> str | None:
    if body.audience is Audience.OPERATOR:
        where = envelope.home_id or envelope.gateway_id
        return operator_fingerprint(envelope.org_id, where, envelope.device_id, body.type.value)
    if envelope.resident_id is None:
        return None
    return fingerprint(envelope.org_id, envelope.resident_id, body.type.value)
