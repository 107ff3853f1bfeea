"""The ingest's tables as typed SQLAlchemy models (the migrations must match them).

``events`` is also the feed the alert router reads; its table and column names come from
:mod:`contracts.feed` and must not change.

Example:
    >>> {"events", "gateway_status", "quarantine", "readings"} <= set(IngestBase.metadata.tables)
    True
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contracts.feed import (
    EVENT_FEED_ENVELOPE,
    EVENT_FEED_MESSAGE_ID,
    EVENT_FEED_SEQ,
    EVENT_FEED_TABLE,
)
from contracts.sqltypes import UtcDateTime

ID_LEN = 64
"""Longest pseudonymous id (contracts.ids.IDENTIFIER_PATTERN)."""
MESSAGE_ID_LEN = 26
"""A ULID."""

BigIntId = BigInteger().with_variant(Integer, "sqlite")
"""64-bit ids on PostgreSQL; SQLite only autoincrements an ``INTEGER PRIMARY KEY``."""

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class IngestBase(DeclarativeBase):
    """Base of the ingest's tables (other components keep their own metadata)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class EventRow(IngestBase):
    """One accepted event message: the feed of the alert router, in ``seq`` order."""

    __tablename__ = EVENT_FEED_TABLE

    seq: Mapped[int] = mapped_column(EVENT_FEED_SEQ, BigIntId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        EVENT_FEED_MESSAGE_ID, String(MESSAGE_ID_LEN), unique=True
    )
    org_id: Mapped[str] = mapped_column(String(ID_LEN))
    gateway_id: Mapped[str] = mapped_column(String(ID_LEN))
    home_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    resident_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    device_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    type: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    warning_class: Mapped[str] = mapped_column(String(32))
    device_time: Mapped[datetime | None]
    gateway_time: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(index=True)
    envelope_json: Mapped[str] = mapped_column(EVENT_FEED_ENVELOPE, Text)


class ReadingRow(IngestBase):
    """One accepted reading (a proper time-series store arrives with a later issue)."""

    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID_LEN), unique=True)
    org_id: Mapped[str] = mapped_column(String(ID_LEN))
    gateway_id: Mapped[str] = mapped_column(String(ID_LEN))
    device_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    kind: Mapped[str] = mapped_column(String(40))
    gateway_time: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]
    body_json: Mapped[str] = mapped_column(Text)


class GatewayStatusRow(IngestBase):
    """Each gateway's last announced state (birth or last will), last received wins."""

    __tablename__ = "gateway_status"

    org_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    gateway_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    agent_version: Mapped[str | None] = mapped_column(String(50))
    outbox_depth: Mapped[int | None]
    gateway_time: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_message_id: Mapped[str] = mapped_column(String(MESSAGE_ID_LEN))


class QuarantineRow(IngestBase):
    """A message that could not be accepted, kept byte for byte with the reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(MESSAGE_ID_LEN), index=True)


class TsdbBufferRow(IngestBase):
    """Time-series points waiting for the time-series server (one row per stored batch).

    Written in the same transaction as the messages the points come from, so a message is
    acked only once its points are on the server or here; drained oldest first.
    """

    __tablename__ = "tsdb_buffer"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    point_count: Mapped[int]
    lines: Mapped[str] = mapped_column(Text)


GATEWAY_ITSELF = ""
"""``LivenessRow.device_id`` of the row about the gateway itself."""


class LivenessRow(IngestBase):
    """When the cloud last heard from each gateway and device, and since when it is offline.

    Every worker refreshes ``last_seen_at`` (cloud time) for what its messages come from; the
    liveness sweep compares it with the expected cadence and sets ``offline_since`` when it
    raises an offline event (NULL again once it clears it).
    """

    __tablename__ = "liveness"

    org_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    gateway_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    device_kind: Mapped[str] = mapped_column(String(16))
    home_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    resident_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    last_seen_at: Mapped[datetime]
    offline_since: Mapped[datetime | None]
