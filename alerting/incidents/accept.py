"""Accepting an incident: the status-guarded transition and the incident's read model."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.errors import StoreError
from alerting.store.models import Incident, IncidentLog, IncidentStatus, LogAction, Notification

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
    engine: Engine, incident_id: str, person_id: str, now: datetime
) -> AcceptResult:
    """Let ``person_id`` accept ``incident_id``; only the first accept wins."""
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            won = _rowcount(
                session.execute(
                    update(Incident)
                    .where(Incident.id == incident_id, Incident.status == IncidentStatus.OPEN)
                    .values(status=IncidentStatus.ACCEPTED, accepted_by=person_id, accepted_at=now)
                )
            )
            if won:
                session.add(
                    IncidentLog(
                        incident_id=incident_id,
                        at=now,
                        actor=person_id,
                        action=LogAction.ACCEPTED,
                        detail="accepted via link",
                    )
                )
                log.info("incident %s accepted by %s", incident_id, person_id)
                return AcceptResult(AcceptOutcome.ACCEPTED, person_id, now)
            incident = session.get(Incident, incident_id)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record the acceptance of {incident_id}: {exc}") from exc
    if incident is None:
        return AcceptResult(AcceptOutcome.NOT_FOUND)
    if incident.accepted_by == person_id:
        return AcceptResult(AcceptOutcome.ALREADY_YOURS, person_id, incident.accepted_at)
    if incident.accepted_by is not None:
        return AcceptResult(AcceptOutcome.TAKEN, incident.accepted_by, incident.accepted_at)
    return AcceptResult(AcceptOutcome.RESOLVED)


def incident_view(engine: Engine, incident_id: str) -> dict[str, Any] | None:
    """The incident with its notifications (and receipts) and its audit log, JSON-ready."""
    try:
        with Session(engine) as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                return None
            notifications = session.scalars(
                select(Notification).filter_by(incident_id=incident_id).order_by(Notification.id)
            ).all()
            entries = session.scalars(
                select(IncidentLog).filter_by(incident_id=incident_id).order_by(IncidentLog.id)
            ).all()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read incident {incident_id}: {exc}") from exc
    return {
        "id": incident.id,
        "type": incident.type,
        "severity": incident.severity,
        "warning_class": incident.warning_class,
        "resident_id": incident.resident_id,
        "home_id": incident.home_id,
        "summary": incident.summary,
        "status": incident.status.value,
        "opened_at": _iso(incident.opened_at),
        "last_event_at": _iso(incident.last_event_at),
        "event_count": incident.event_count,
        "accepted_by": incident.accepted_by,
        "accepted_at": _iso(incident.accepted_at),
        "resolved_at": _iso(incident.resolved_at),
        "notifications": [
            {
                "id": n.id,
                "person_id": n.person_id,
                "channel": n.channel,
                "status": n.status.value,
                "attempts": n.attempts,
                "last_error": n.last_error,
                "delivered_at": _iso(n.delivered_at),
                "receipt_code": n.receipt_code,
                "receipt_detail": n.receipt_detail,
            }
            for n in notifications
        ],
        "log": [
            {"at": _iso(e.at), "actor": e.actor, "action": e.action.value, "detail": e.detail}
            for e in entries
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (``Session.execute`` is typed as a plain ``Result``)."""
    return int(cast(CursorResult[Any], result).rowcount)
