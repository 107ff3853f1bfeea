"""The escalator: pages an incident's current step and schedules the next, in the database.

Every timer is a column (``incidents.next_escalation_at``, ``ack_deadline_at``), so a
restarted router resumes each escalation where it was. Due incidents are taken with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (on SQLite every write transaction is
``BEGIN IMMEDIATE``, which serialises routers), and each step is paged in the same transaction
that moves the timer on, so two routers never page one step twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.channels.kinds import ChannelKind
from alerting.channels.webpush.config import PushSubscription
from alerting.errors import StoreError
from alerting.escalation.context import RouterContext
from alerting.escalation.policy import after_step, step_targets
from alerting.escalation.quiet import quiet_until
from alerting.escalation.targets import resolve_targets
from alerting.store.models import (
    Incident,
    IncidentLog,
    IncidentStatus,
    LogAction,
    Notification,
    NotificationStatus,
)
from alerting.store.models import PushSubscription as PushSubscriptionRow
from contracts.events import Severity

log = logging.getLogger(__name__)

ESCALATOR_ACTOR = "escalator"
ACK_TIMEOUT_STATUSES = (IncidentStatus.ACCEPTED, IncidentStatus.EN_ROUTE)


def add_log(
    session: Session,
    incident_id: str,
    at: datetime,
    action: LogAction,
    detail: str | None,
    *,
    actor: str = ESCALATOR_ACTOR,
) -> None:
    """Append one audit entry."""
    session.add(
        IncidentLog(incident_id=incident_id, at=at, actor=actor, action=action, detail=detail)
    )


def page_step(session: Session, ctx: RouterContext, incident: Incident, now: datetime) -> int:
    """Page the incident's current step and schedule the next; returns the pages created."""
    policy = ctx.settings.policy(incident.escalation_policy)
    step, round_ = incident.escalation_step, incident.escalation_round
    if step >= len(policy.steps):  # the policy was shortened while the incident waited
        log.warning(
            "incident %s: policy %s has no step %d any more; escalation ends",
            incident.id,
            policy.name,
            step + 1,
        )
        incident.next_escalation_at = None
        add_log(
            session, incident.id, now, LogAction.ESCALATED, f"policy {policy.name}: no more steps"
        )
        return 0
    if incident.audience == "operator":
        targets: tuple[str, ...] = ("receiver",)
    else:
        fan_out = incident.type in {t.value for t in policy.fan_out_types}
        targets = step_targets(policy, step, fan_out=fan_out)
    target_ctx = ctx.targets(incident, now)
    people = resolve_targets(targets, target_ctx)
    family = set(target_ctx.resident.family_ids) if target_ctx.resident else set()
    wait_until = _family_wait(ctx, incident, now) if family & set(people) else None
    pages = 0
    for person_id in people:
        later = wait_until if person_id in family else None
        pages += page_person(session, ctx, incident, person_id, now, not_before=later)
        if later is not None:
            add_log(
                session,
                incident.id,
                now,
                LogAction.ESCALATED,
                f"{person_id} (family) paged at {later.isoformat()}: quiet hours",
            )
    if ctx.metrics is not None:  # a transaction lost to another router may count once more
        ctx.metrics.escalation_steps.labels(step=str(step + 1)).inc()
    following = None if incident.audience == "operator" else after_step(policy, step, round_)
    if following is None:
        incident.next_escalation_at = None
    else:
        incident.escalation_step, incident.escalation_round = following[0], following[1]
        incident.next_escalation_at = now + following[2]
    add_log(
        session,
        incident.id,
        now,
        LogAction.ESCALATED,
        f"policy {policy.name} step {step + 1} round {round_ + 1}: {', '.join(targets)} → "
        f"{', '.join(people) or 'nobody'} ({pages} notification(s))",
    )
    log.info(
        "incident %s: step %d of %s paged %d person(s)",
        incident.id,
        step + 1,
        policy.name,
        len(people),
    )
    return pages


def _targets_of(session: Session, ctx: RouterContext, person_id: str) -> list[tuple[str, str]]:
    """(channel, target) of every way to reach ``person_id``: configured contacts, then the
    Web Push subscriptions their phones registered through the API."""
    try:
        person = ctx.settings.person(person_id)
    except KeyError:
        person = None
    targets = [(c.channel.value, c.target) for c in person.contacts] if person else []
    for channel, target in ctx.directory.contacts(person_id):
        configured = getattr(ctx.settings.channels, channel, None) is not None
        if configured and (channel, target) not in targets:
            targets.append((channel, target))
    if ctx.settings.channels.webpush is not None:
        rows = session.scalars(
            select(PushSubscriptionRow)
            .where(PushSubscriptionRow.person_id == person_id)
            .order_by(PushSubscriptionRow.id)
        ).all()
        for row in rows:
            sub = {"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}}
            target = PushSubscription.model_validate(sub).model_dump_json()
            if (ChannelKind.WEBPUSH.value, target) not in targets:
                targets.append((ChannelKind.WEBPUSH.value, target))
    return targets


def page_person(
    session: Session,
    ctx: RouterContext,
    incident: Incident,
    person_id: str,
    now: datetime,
    *,
    step: int | None = None,
    not_before: datetime | None = None,
) -> int:
    """Add one pending notification per way to reach ``person_id`` as part of ``step``
    (default: the incident's current step); returns how many."""
    targets = _targets_of(session, ctx, person_id)
    if not targets:
        log.warning("incident %s: %s has no contacts; skipped", incident.id, person_id)
    for channel, target in targets:
        session.add(
            Notification(
                incident_id=incident.id,
                person_id=person_id,
                channel=channel,
                target=target,
                status=NotificationStatus.PENDING,
                attempts=0,
                next_attempt_at=not_before or now,
                created_at=now,
                step=incident.escalation_step if step is None else step,
                round=incident.escalation_round,
            )
        )
    return len(targets)


def _family_wait(ctx: RouterContext, incident: Incident, now: datetime) -> datetime | None:
    """When a non-critical page to family may go out (``None``: now)."""
    quiet = ctx.settings.family_quiet_hours
    if quiet is None or incident.severity == Severity.CRITICAL.value:
        return None
    return quiet_until(quiet, now, ctx.settings.timezone)


def cancel_pending(session: Session, incident_id: str, now: datetime, why: str, actor: str) -> int:
    """Mark the incident's unsent notifications cancelled; returns how many."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.incident_id == incident_id,
            Notification.status == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=why)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        add_log(
            session, incident_id, now, LogAction.CANCELLED, f"{count} pending: {why}", actor=actor
        )
    return count


def escalate_due(engine: Engine, ctx: RouterContext, now: datetime, limit: int = 50) -> int:
    """Fire every due escalation step and ack timeout; returns the pages created."""
    try:
        with Session(engine) as session, session.begin():
            due = session.scalars(
                select(Incident)
                .where(
                    Incident.status == IncidentStatus.OPEN,
                    Incident.next_escalation_at <= now,
                    Incident.muted_reason.is_(None),
                )
                .order_by(Incident.next_escalation_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            pages = sum(page_step(session, ctx, incident, now) for incident in due)
            expired = session.scalars(
                select(Incident)
                .where(Incident.status.in_(ACK_TIMEOUT_STATUSES), Incident.ack_deadline_at <= now)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for incident in expired:
                pages += _ack_timed_out(session, ctx, incident, now)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot escalate incidents: {exc}") from exc
    return pages


def _ack_timed_out(session: Session, ctx: RouterContext, incident: Incident, now: datetime) -> int:
    """Re-open an accepted incident that saw no contact in time and escalate from step 1."""
    assert incident.ack_deadline_at is not None
    assert incident.accepted_at is not None
    waited = incident.ack_deadline_at - incident.accepted_at
    add_log(
        session,
        incident.id,
        now,
        LogAction.ACK_TIMEOUT,
        f"accepted by {incident.accepted_by} but no contact within {_minutes(waited)}: re-opened",
    )
    log.warning("incident %s: no contact after acceptance; re-opened and escalated", incident.id)
    incident.status = IncidentStatus.OPEN
    incident.accepted_by = incident.accepted_at = incident.en_route_at = None
    incident.ack_deadline_at = None
    incident.escalation_step = incident.escalation_round = 0
    return page_step(session, ctx, incident, now)


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.0f} min"
