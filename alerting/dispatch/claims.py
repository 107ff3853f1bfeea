"""The dispatcher's database side: claim due notifications and record what happened.

A claim is a status-guarded ``UPDATE`` (due, still pending or with an expired lease), so two
routers polling one database never send one notification twice; the lease in
``next_attempt_at`` lets another router retry a send whose router died mid-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alerting.errors import StoreError
from alerting.store.models import (
    Incident,
    IncidentLog,
    IncidentStatus,
    LogAction,
    Notification,
    NotificationStatus,
)

DISPATCH_ACTOR = "dispatcher"
_CLAIMABLE = (NotificationStatus.PENDING, NotificationStatus.SENDING)


class Recorded(StrEnum):
    """What :func:`record_outcome` did."""

    LOST = "lost"  # our claim expired and another router took the notification
    RECORDED = "recorded"
    FIRST_DELIVERY = "first_delivery"  # recorded, and the incident's first page delivered


@dataclass(frozen=True, slots=True)
class Claimed:
    """A notification this router now owns, with its incident."""

    notification_id: int
    attempts: int
    person_id: str
    channel: str
    target: str
    incident: Incident


def claim_due(engine: Engine, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` due notifications of incidents nobody has accepted yet.

    Once someone accepted an incident, its pending pages (to others, or retries) stay unsent.
    """
    due = (
        Notification.status.in_(_CLAIMABLE),
        Notification.next_attempt_at <= now,
        Notification.incident_id.in_(
            select(Incident.id).where(Incident.status == IncidentStatus.OPEN)
        ),
    )
    claimed: list[Claimed] = []
    try:
        with Session(engine, expire_on_commit=False) as session:
            with session.begin():
                ids = session.scalars(
                    select(Notification.id)
                    .where(*due)
                    .order_by(Notification.next_attempt_at, Notification.id)
                    .limit(limit)
                ).all()
            for notification_id in ids:
                with session.begin():
                    won = _rowcount(
                        session.execute(
                            update(Notification)
                            .where(Notification.id == notification_id, *due)
                            .values(
                                status=NotificationStatus.SENDING,
                                attempts=Notification.attempts + 1,
                                next_attempt_at=now + lease,
                            )
                        )
                    )
                    if not won:
                        continue
                    n = session.get_one(Notification, notification_id, populate_existing=True)
                    incident = session.get_one(Incident, n.incident_id)
                    claimed.append(
                        Claimed(n.id, n.attempts, n.person_id, n.channel, n.target, incident)
                    )
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot claim notifications: {exc}") from exc
    return claimed


def claim_new_pages(
    session: Session, incident: Incident, now: datetime, lease: timedelta
) -> list[Claimed]:
    """Claim, inside the transaction that just created them, the incident's pages due now.

    Nobody else can see uncommitted rows, so no other router can have them: the caller owns
    them once the transaction commits and sends them at once, without waiting for a
    dispatcher round. Pages held back (family quiet hours) stay pending. If the caller dies
    before sending, the lease expires and any router's :func:`claim_due` retries them.
    """
    rows = session.execute(
        update(Notification)
        .where(
            Notification.incident_id == incident.id,
            Notification.status == NotificationStatus.PENDING,
            Notification.next_attempt_at <= now,
        )
        .values(
            status=NotificationStatus.SENDING,
            attempts=Notification.attempts + 1,
            next_attempt_at=now + lease,
        )
        .returning(
            Notification.id,
            Notification.attempts,
            Notification.person_id,
            Notification.channel,
            Notification.target,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return [
        Claimed(int(nid), int(attempts), str(person), str(channel), str(target), incident)
        for nid, attempts, person, channel, target in sorted(rows, key=lambda r: int(r[0]))
    ]


def record_outcome(
    engine: Engine,
    claimed: Claimed,
    *,
    now: datetime,
    status: NotificationStatus,
    action: LogAction,
    next_attempt_at: datetime | None = None,
    error: str | None = None,
    receipt_code: int | None = None,
    receipt_detail: str | None = None,
) -> Recorded:
    """Store the result of our attempt (``LOST`` if our claim was lost meanwhile)."""
    values: dict[str, object] = {"status": status, "receipt_code": receipt_code}
    if status is NotificationStatus.DELIVERED:
        values |= {"delivered_at": now, "receipt_detail": receipt_detail, "last_error": None}
    else:
        values |= {"last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    try:
        with Session(engine) as session, session.begin():
            won = _rowcount(
                session.execute(
                    update(Notification)
                    .where(
                        Notification.id == claimed.notification_id,
                        Notification.status == NotificationStatus.SENDING,
                        Notification.attempts == claimed.attempts,
                    )
                    .values(**values)
                )
            )
            if not won:
                return Recorded.LOST
            recorded = Recorded.RECORDED
            if status is NotificationStatus.DELIVERED and _rowcount(
                session.execute(
                    update(Incident)
                    .where(
                        Incident.id == claimed.incident.id, Incident.first_delivered_at.is_(None)
                    )
                    .values(first_delivered_at=now)
                )
            ):
                recorded = Recorded.FIRST_DELIVERY
            detail = f"{claimed.channel} to {claimed.person_id}, attempt {claimed.attempts}"
            if receipt_code is not None:
                detail += f", code {receipt_code}"
            if error:
                detail += f": {error[:300]}"
            session.add(
                IncidentLog(
                    incident_id=claimed.incident.id,
                    at=now,
                    actor=DISPATCH_ACTOR,
                    action=action,
                    detail=detail,
                )
            )
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record notification {claimed.notification_id}: {exc}") from exc
    return recorded


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (``Session.execute`` is typed as a plain ``Result``)."""
    return int(cast(CursorResult[Any], result).rowcount)
