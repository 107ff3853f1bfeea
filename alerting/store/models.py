"""SQLAlchemy 2 models of the alert router's tables (the migrations must match them).

Times are stored as UTC and always come back timezone-aware, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contracts.sqltypes import UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


ACTIVE_SQL = "status NOT IN ('closed', 'resolved')"
"""The partial-index predicate of an active incident (one per fingerprint)."""


class Base(DeclarativeBase):
    """Declarative base with constraint naming, so migrations name things the same way."""

    metadata = MetaData(naming_convention=NAMING)


class IncidentStatus(StrEnum):
    """Where an incident is in its life."""

    OPEN = "open"  # raised: paging and escalating until someone accepts
    ACCEPTED = "accepted"  # a named person took it
    EN_ROUTE = "en_route"
    CONTACT_MADE = "contact_made"
    CLOSED = "closed"  # closed by a person with an outcome code
    RESOLVED = "resolved"  # the source cleared before anyone accepted, or muted and cleared


TERMINAL_STATUSES = (IncidentStatus.CLOSED, IncidentStatus.RESOLVED)
"""Statuses an incident never leaves; every other status is active."""


class NotificationStatus(StrEnum):
    """Where one notification is in its delivery."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by one router; the lease in next_attempt_at bounds it
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the incident was accepted (or resolved) before it was sent


class FeedOutcome(StrEnum):
    """What processing one stored event did (the dedup *reason*, stored and logged)."""

    OPENED = "opened"  # first event of a new incident: people are paged
    REPEAT = "repeat"  # attached to the active incident with the same fingerprint
    OPERATOR_ONLY = "operator_only"  # device health: recorded, pages nobody
    CLEARED = "cleared"  # cleared condition logged on the active incident
    CLEARED_NO_INCIDENT = "cleared_no_incident"
    NOT_CARE_RELEVANT = "not_care_relevant"  # not an event body, or no resident
    MALFORMED = "malformed"  # envelope did not decode; kept in events for inspection
    MUTED = "muted"  # incident opened but inhibited, silenced or the resident is away
    OPERATOR_OPENED = "operator_opened"  # device health: incident for the operator receiver
    RESOLVED = "resolved"  # the source cleared and the unaccepted incident was resolved


class LogAction(StrEnum):
    """Audit-trail actions."""

    OPENED = "opened"
    EVENT_ATTACHED = "event_attached"
    CLEARED_EVENT = "cleared_event"
    NOTIFICATION_DELIVERED = "notification_delivered"
    NOTIFICATION_RETRY = "notification_retry"
    NOTIFICATION_FAILED = "notification_failed"
    ACCEPTED = "accepted"
    ESCALATED = "escalated"
    EN_ROUTE = "en_route"
    CONTACT_MADE = "contact_made"
    CLOSED = "closed"
    RESOLVED = "resolved"
    MUTED = "muted"
    ACK_TIMEOUT = "ack_timeout"
    CANCELLED = "cancelled"


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Incident(Base):
    """One situation a care worker must handle (one active per org, resident and type)."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index(
            "uq_incidents_active_fingerprint",
            "fingerprint",
            unique=True,
            postgresql_where=text(ACTIVE_SQL),
            sqlite_where=text(ACTIVE_SQL),
        ),
        Index("ix_incidents_status_opened_at", "status", "opened_at"),
        Index("ix_incidents_next_escalation_at", "next_escalation_at"),
        Index("ix_incidents_ack_deadline_at", "ack_deadline_at"),
        Index("ix_incidents_home_id", "home_id"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(200))
    resident_id: Mapped[str | None] = mapped_column(String(64))
    home_id: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    warning_class: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[IncidentStatus] = mapped_column(_enum(IncidentStatus, "incident_status"))
    summary: Mapped[str] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_event_at: Mapped[datetime] = mapped_column(UtcDateTime())
    event_count: Mapped[int] = mapped_column(Integer)
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    audience: Mapped[str] = mapped_column(String(16), server_default="care")
    team_id: Mapped[str | None] = mapped_column(String(64))
    detector: Mapped[str | None] = mapped_column(String(100))
    labels_json: Mapped[str] = mapped_column(Text, server_default="{}")
    evidence_json: Mapped[str | None] = mapped_column(Text)
    route_path: Mapped[str | None] = mapped_column(String(500))
    receivers: Mapped[str | None] = mapped_column(String(500))
    group_key: Mapped[str | None] = mapped_column(String(300))
    escalation_policy: Mapped[str | None] = mapped_column(String(100))
    escalation_step: Mapped[int] = mapped_column(Integer, server_default="0")
    escalation_round: Mapped[int] = mapped_column(Integer, server_default="0")
    next_escalation_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ack_deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    muted_reason: Mapped[str | None] = mapped_column(String(32))
    first_delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    en_route_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    close_note: Mapped[str | None] = mapped_column(Text)
    time_to_accept_s: Mapped[float | None] = mapped_column(Float)
    time_to_contact_s: Mapped[float | None] = mapped_column(Float)


class IncidentEvent(Base):
    """Every stored event the router has processed (the idempotency key is ``message_id``)."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(26), unique=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    outcome: Mapped[FeedOutcome] = mapped_column(_enum(FeedOutcome, "feed_outcome"))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    detail: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """One page to one contact of one person, with its delivery state and receipt."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(2000))
    status: Mapped[NotificationStatus] = mapped_column(
        _enum(NotificationStatus, "notification_status")
    )
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    receipt_code: Mapped[int | None] = mapped_column(Integer)
    receipt_detail: Mapped[str | None] = mapped_column(Text)
    step: Mapped[int | None] = mapped_column(Integer)
    round: Mapped[int | None] = mapped_column(Integer)


class IncidentLog(Base):
    """The audit trail: who did what to an incident, and when."""

    __tablename__ = "incident_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[LogAction] = mapped_column(_enum(LogAction, "log_action"))
    detail: Mapped[str | None] = mapped_column(Text)


class FeedCursor(Base):
    """The highest ``seq`` processed per feed; the poller re-checks a lag window below it."""

    __tablename__ = "feed_cursor"

    feed: Mapped[str] = mapped_column(String(64), primary_key=True)
    high_seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Silence(Base):
    """A maintenance silence created through the API (config silences are not stored)."""

    __tablename__ = "silences"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64))
    matchers_json: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PushSubscription(Base):
    """A care worker's Web Push subscription (read by the webpush channel)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    endpoint: Mapped[str] = mapped_column(String(2000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
