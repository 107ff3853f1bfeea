"""Read models of incidents for the API: detail with timeline and evidence, my queue, stats."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.errors import StoreError
from alerting.incidents.labels import notice_title
from alerting.incidents.stats import DEFAULT_TARGET_ACCEPT_S, summarise
from alerting.store.models import (
    TERMINAL_STATUSES,
    Incident,
    IncidentLog,
    IncidentStatus,
    Notification,
)
from contracts.events import Severity, severity_rank


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _rank(severity: str) -> int:
    try:
        return severity_rank(Severity(severity))
    except ValueError:
        return len(Severity)


def incident_summary(incident: Incident, now: datetime) -> dict[str, Any]:
    """The fields a queue row needs."""
    return {
        "id": incident.id,
        "title": notice_title(
            incident.type, incident.severity, incident.resident_id or incident.home_id or "-"
        ),
        "type": incident.type,
        "severity": incident.severity,
        "warning_class": incident.warning_class,
        "audience": incident.audience,
        "resident_id": incident.resident_id,
        "home_id": incident.home_id,
        "team_id": incident.team_id,
        "group_key": incident.group_key,
        "detector": incident.detector,
        "summary": incident.summary,
        "status": incident.status.value,
        "muted_reason": incident.muted_reason,
        "opened_at": _iso(incident.opened_at),
        "age_s": round((now - incident.opened_at).total_seconds(), 1),
        "accepted_by": incident.accepted_by,
        "escalation_step": incident.escalation_step,
        "escalation_round": incident.escalation_round,
        "next_escalation_at": _iso(incident.next_escalation_at),
    }


def incident_view(
    engine: Engine, incident_id: str, now: datetime | None = None
) -> dict[str, Any] | None:
    """The incident with its evidence, notifications (and receipts) and its audit timeline."""
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
    view = incident_summary(incident, now or incident.opened_at)
    view |= {
        "labels": json.loads(incident.labels_json or "{}"),
        "evidence": json.loads(incident.evidence_json) if incident.evidence_json else None,
        "route_path": incident.route_path,
        "escalation_policy": incident.escalation_policy,
        "last_event_at": _iso(incident.last_event_at),
        "event_count": incident.event_count,
        "accepted_at": _iso(incident.accepted_at),
        "first_delivered_at": _iso(incident.first_delivered_at),
        "en_route_at": _iso(incident.en_route_at),
        "contact_at": _iso(incident.contact_at),
        "ack_deadline_at": _iso(incident.ack_deadline_at),
        "closed_at": _iso(incident.closed_at),
        "closed_by": incident.closed_by,
        "outcome": incident.outcome,
        "close_note": incident.close_note,
        "resolved_at": _iso(incident.resolved_at),
        "time_to_accept_s": incident.time_to_accept_s,
        "time_to_contact_s": incident.time_to_contact_s,
        "notifications": [
            {
                "id": n.id,
                "person_id": n.person_id,
                "channel": n.channel,
                "status": n.status.value,
                "step": n.step,
                "round": n.round,
                "attempts": n.attempts,
                "last_error": n.last_error,
                "created_at": _iso(n.created_at),
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
    return view


def is_involved(engine: Engine, incident_id: str, person_id: str) -> bool:
    """Whether ``person_id`` was paged for, or holds, the incident."""
    try:
        with Session(engine) as session:
            paged = session.scalar(
                select(Notification.id)
                .where(Notification.incident_id == incident_id, Notification.person_id == person_id)
                .limit(1)
            )
            holder = session.scalar(select(Incident.accepted_by).where(Incident.id == incident_id))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read incident {incident_id}: {exc}") from exc
    return paged is not None or holder == person_id


def my_incidents(
    engine: Engine,
    person_id: str,
    now: datetime,
    *,
    team_ids: Sequence[str] = (),
    org_id: str | None = None,
) -> list[dict[str, Any]]:
    """Active incidents ``person_id`` was paged for or holds (or of their teams, for a lead;
    or of the whole ``org_id``, for an operator), most severe first, then oldest first."""
    paged = select(Notification.incident_id).where(Notification.person_id == person_id)
    mine = or_(Incident.id.in_(paged), Incident.accepted_by == person_id)
    if team_ids:
        mine = or_(mine, Incident.team_id.in_(list(team_ids)))
    if org_id is not None:
        mine = or_(mine, Incident.org_id == org_id)
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(Incident).where(Incident.status.not_in(TERMINAL_STATUSES), mine)
            ).all()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot list incidents of {person_id}: {exc}") from exc
    rows = sorted(rows, key=lambda i: (_rank(i.severity), i.opened_at))
    return [incident_summary(i, now) for i in rows]


def outcome_stats(
    engine: Engine, org_id: str, by: str, *, target_accept_s: float = DEFAULT_TARGET_ACCEPT_S
) -> list[dict[str, Any]]:
    """Closed incidents per detector or per resident: counts per outcome, false-alarm rate,
    median time to accept and to contact."""
    column = {"detector": Incident.detector, "resident": Incident.resident_id}[by]
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(
                    column, Incident.outcome, Incident.time_to_accept_s, Incident.time_to_contact_s
                ).where(Incident.org_id == org_id, Incident.status == IncidentStatus.CLOSED)
            ).all()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot compute outcome statistics: {exc}") from exc
    return summarise([(r[0], r[1], r[2], r[3]) for r in rows], by, target_accept_s=target_accept_s)


def active_incident_counts(engine: Engine) -> dict[IncidentStatus, int]:
    """How many incidents are in each active (not closed or resolved) status, zeros included."""
    counts = dict.fromkeys(s for s in IncidentStatus if s not in TERMINAL_STATUSES)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(Incident.status, func.count())
                .where(Incident.status.not_in(TERMINAL_STATUSES))
                .group_by(Incident.status)
            ).all()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot count active incidents: {exc}") from exc
    found = {IncidentStatus(status): int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in counts}
