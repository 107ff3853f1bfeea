"""The alert router's own tables, beside the ingest's ``events`` table in one database."""

from alerting.store.db import create_db_engine, migrate
from alerting.store.models import (
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
)

__all__ = [
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
    "create_db_engine",
    "migrate",
]
