"""Opening an incident: route it, decide whether it is muted, page its first step.

Runs inside the feed's transaction for the event, so an incident and its first pages are
committed together (or not at all).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.escalation.context import RouterContext
from alerting.escalation.engine import add_log, cancel_pending, page_person, page_step
from alerting.mute import MuteReason, mute_reason
from alerting.routing.labels import incident_labels
from alerting.routing.tree import MatchedRoute, group_key, match_routes
from alerting.silences import active_silences
from alerting.store.models import (
    TERMINAL_STATUSES,
    Incident,
    IncidentStatus,
    LogAction,
    Notification,
)
from contracts.envelope import Envelope
from contracts.events import Audience, EventBody, EventType
from contracts.ids import new_message_id

log = logging.getLogger(__name__)

ROUTER_ACTOR = "router"


def open_incident(
    session: Session,
    ctx: RouterContext,
    envelope: Envelope,
    body: EventBody,
    *,
    key: str,
    now: datetime,
) -> Incident:
    """Create the incident for ``body`` and page (or mute) it."""
    resident = ctx.directory.resident(envelope.resident_id) if envelope.resident_id else None
    team_id = resident.team_id if resident else None
    labels = incident_labels(envelope, body, team_id=team_id)
    operator = body.audience is Audience.OPERATOR
    if operator:
        receiver = ctx.settings.device_receiver(body.type) or ""
        path = "installer" if body.type is EventType.COMMISSIONING_TEST else "operator"
        routes = [MatchedRoute((path,), receiver, None, ("home",))]
    else:
        routes = match_routes(ctx.settings.route, labels)
    receivers = list(dict.fromkeys(r.receiver for r in routes))
    incident = Incident(
        id=new_message_id(now),
        org_id=envelope.org_id,
        fingerprint=key,
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
        audience=body.audience.value,
        team_id=team_id,
        detector=body.detector,
        labels_json=json.dumps(labels, sort_keys=True),
        evidence_json=body.evidence.model_dump_json(),
        route_path="; ".join(r.path_text for r in routes),
        receivers=json.dumps(receivers),
        group_key=group_key(routes[0], labels),
        escalation_policy=routes[0].escalation,
        escalation_step=0,
        escalation_round=0,
    )
    session.add(incident)
    session.flush()  # the active-fingerprint unique index fails here if another router won
    add_log(
        session,
        incident.id,
        now,
        LogAction.OPENED,
        f"event {envelope.message_id}; route {incident.route_path}; receivers "
        f"{', '.join(receivers)}; group {incident.group_key}",
        actor=ROUTER_ACTOR,
    )
    silences = [*ctx.settings_silences(), *active_silences(session, envelope.org_id, now)]
    others = _active_in_home(session, incident) if ctx.settings.inhibit_rules else []
    reason = mute_reason(
        labels,
        now=now,
        away=resident.away_at(now) if resident else None,
        silences=silences,
        inhibited=_inhibited(ctx, others, labels),
    )
    if reason is not None:
        incident.muted_reason = reason.value
        add_log(session, incident.id, now, LogAction.MUTED, reason.value, actor=ROUTER_ACTOR)
        log.info("incident %s opened muted (%s): %s", incident.id, reason.value, incident.type)
        return incident
    log.info("incident %s opened: %s, route %s", incident.id, incident.type, incident.route_path)
    page_step(session, ctx, incident, now)
    _page_group_holders(session, ctx, incident, now)
    _inhibit_others(session, ctx, incident, others, labels, now)
    return incident


def _page_group_holders(
    session: Session, ctx: RouterContext, incident: Incident, now: datetime
) -> None:
    """Grouping per home: whoever already handles an incident of the same group (usually
    the same home) is on their way or on site, so they are paged for the new one too."""
    if not incident.group_key:
        return
    holders = session.execute(
        select(Incident.id, Incident.accepted_by).where(
            Incident.group_key == incident.group_key,
            Incident.id != incident.id,
            Incident.accepted_by.is_not(None),
            Incident.status.not_in(TERMINAL_STATUSES),
        )
    ).all()
    if not holders:
        return
    paged = set(
        session.scalars(
            select(Notification.person_id).where(Notification.incident_id == incident.id)
        )
    )
    for other_id, holder in holders:
        if holder is None or holder in paged:
            continue
        paged.add(holder)
        pages = page_person(session, ctx, incident, holder, now, step=0)
        add_log(
            session,
            incident.id,
            now,
            LogAction.ESCALATED,
            f"grouped with incident {other_id}: its holder {holder} paged ({pages} page(s))",
            actor=ROUTER_ACTOR,
        )


def _active_in_home(session: Session, incident: Incident) -> list[Incident]:
    if incident.home_id is None:
        return []
    return list(
        session.scalars(
            select(Incident).where(
                Incident.home_id == incident.home_id,
                Incident.id != incident.id,
                Incident.status.not_in(TERMINAL_STATUSES),
            )
        ).all()
    )


def _inhibited(ctx: RouterContext, others: list[Incident], labels: dict[str, str]) -> bool:
    """Whether one of the home's other active incidents inhibits this one's ``labels``."""
    rules = ctx.settings.inhibit_rules
    sources = [json.loads(other.labels_json) for other in others]
    return any(rule.inhibits(src, labels) for rule in rules for src in sources)


def _inhibit_others(  # noqa: PLR0917 (the opening's state)
    session: Session,
    ctx: RouterContext,
    incident: Incident,
    others: list[Incident],
    labels: dict[str, str],
    now: datetime,
) -> None:
    """Mute the home's open, unaccepted incidents (``others``, the home's other active ones)
    this one inhibits (a fire mutes bed exits)."""
    for other in others:
        if other.status is not IncidentStatus.OPEN or other.muted_reason is not None:
            continue
        target = json.loads(other.labels_json)
        if any(rule.inhibits(labels, target) for rule in ctx.settings.inhibit_rules):
            other.muted_reason = MuteReason.INHIBITED.value
            other.next_escalation_at = None
            add_log(
                session,
                other.id,
                now,
                LogAction.MUTED,
                f"inhibited by {incident.type} incident {incident.id}",
                actor=ROUTER_ACTOR,
            )
            cancel_pending(session, other.id, now, f"inhibited by {incident.id}", ROUTER_ACTOR)


def resolve_cleared(session: Session, incident: Incident, message_id: str, now: datetime) -> None:
    """Resolve an unaccepted incident whose source cleared; its pending pages are cancelled."""
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = now
    incident.next_escalation_at = None
    add_log(
        session,
        incident.id,
        now,
        LogAction.RESOLVED,
        f"source cleared (event {message_id})",
        actor=ROUTER_ACTOR,
    )
    cancel_pending(session, incident.id, now, "source cleared", ROUTER_ACTOR)
    log.info("incident %s resolved: the source cleared", incident.id)
