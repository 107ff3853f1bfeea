"""Durable, idempotent storage of what gateways send, and its migrations."""

from cloud_ingest.store import domain as domain  # registers the domain tables
from cloud_ingest.store.migrate import migrate
from cloud_ingest.store.models import (
    EventRow,
    GatewayStatusRow,
    IngestBase,
    QuarantineRow,
    ReadingRow,
)
from cloud_ingest.store.store import IngestStore, QuarantinedMessage

__all__ = [
    "EventRow",
    "GatewayStatusRow",
    "IngestBase",
    "IngestStore",
    "QuarantineRow",
    "QuarantinedMessage",
    "ReadingRow",
    "migrate",
]
