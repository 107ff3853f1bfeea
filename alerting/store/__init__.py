"""The alert router's own tables, beside the ingest's ``events`` table in one database."""

from alerting.store.db import create_db_engine, migrate
from alerting.store.models import (
    TERMINAL_STATUSES,
    Base,
    FeedCursor,
    FeedOutcome,
    Incident,
    IncidentEvent,
    IncidentLog,
    IncidentStatus,
    LogAction,
    Notification,
    NotificationStatus,
    PushSubscription,
    Silence,
)
from alerting.store.push import PushSubscriptionInfo, push_subscriptions_for

__all__ = [
    "TERMINAL_STATUSES",
    "Base",
    "FeedCursor",
    "FeedOutcome",
    "Incident",
    "IncidentEvent",
    "IncidentLog",
    "IncidentStatus",
    "LogAction",
    "Notification",
    "NotificationStatus",
    "PushSubscription",
    "PushSubscriptionInfo",
    "Silence",
    "create_db_engine",
    "migrate",
    "push_subscriptions_for",
]
