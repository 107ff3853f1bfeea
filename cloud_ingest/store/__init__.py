"""Durable, idempotent storage of what gateways send, and its migrations."""

from cloud_ingest.store import domain as domain  # registers the domain tables
from cloud_ingest.store import programme as programme  # and the programme's
from cloud_ingest.store.migrate import migrate
from cloud_ingest.store.models import (
    EventRow,
    GatewayStatusRow,
    IngestBase,
    LivenessRow,
    QuarantineRow,
    ReadingRow,
    TsdbBufferRow,
)
from cloud_ingest.store.store import IngestStore, QuarantinedMessage

__all__ = [
    "EventRow",
    "GatewayStatusRow",
    "IngestBase",
    "IngestStore",
    "LivenessRow",
    "QuarantineRow",
    "QuarantinedMessage",
    "ReadingRow",
    "TsdbBufferRow",
    "migrate",
]
