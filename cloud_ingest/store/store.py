"""``IngestStore``: idempotent inserts keyed by message id, and the quarantine.

Sync SQLAlchemy; the async consumer calls it through ``asyncio.to_thread``. Every SQLAlchemy
error leaves as :class:`cloud_ingest.errors.StoreError`, and a message whose store failed is
never acknowledged, so its gateway sends it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from cloud_ingest.errors import StoreError, UnstorableMessageError
from cloud_ingest.store.engine import make_engine
from cloud_ingest.store.models import (
    EventRow,
    GatewayStatusRow,
    IngestBase,
    QuarantineRow,
    ReadingRow,
)
from contracts.ack import AckStatus
from contracts.clock import Clock
from contracts.envelope import Envelope
from contracts.events import EventBody
from contracts.status import GatewayStatusBody

log = logging.getLogger(__name__)

_PG_EVENT_FEED_LOCK = 0x5347_4556  # "SGEV": event inserts commit in seq order


@dataclass(frozen=True, slots=True)
class QuarantinedMessage:
    """A quarantined message as stored."""

    id: int
    received_at: datetime
    topic: str
    payload: bytes
    error: str
    message_id: str | None


class IngestStore:
    """The ingest's database: events, readings, gateway status and the quarantine."""

    def __init__(self, database_url: str, *, clock: Clock) -> None:
        self._engine = make_engine(database_url)
        self._clock = clock
        self._dialect = self._engine.dialect.name

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    def store(self, envelope: Envelope, raw: bytes) -> AckStatus:
        """Store a validated message once: ``STORED`` the first time, ``DUPLICATE`` after.

        ``raw`` is the payload exactly as validated; an event keeps it as ``envelope_json``.

        Raises:
            StoreError: the database failed; nothing was stored.
        """
        body = envelope.body
        try:
            with self._engine.begin() as conn:
                if isinstance(body, EventBody):
                    return self._store_event(conn, envelope, body, raw)
                if isinstance(body, GatewayStatusBody):
                    return self._store_status(conn, envelope, body)
                return self._store_reading(conn, envelope)
        except (DataError, IntegrityError) as exc:
            raise UnstorableMessageError(
                _describe("store message " + envelope.message_id, exc, permanent=True)
            ) from exc
        except SQLAlchemyError as exc:
            raise StoreError(_describe("store message " + envelope.message_id, exc)) from exc

    def quarantine(self, topic: str, payload: bytes, error: str, message_id: str | None) -> None:
        """Keep an unacceptable message byte for byte with the reason (raises StoreError)."""
        row = {
            "received_at": self._clock.now(),
            "topic": topic,
            "payload": payload,
            "error": error,
            "message_id": message_id,
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(_table(QuarantineRow).insert(), row)
        except SQLAlchemyError as exc:
            raise StoreError(_describe(f"quarantine a message from {topic}", exc)) from exc

    def list_quarantine(self, limit: int = 100) -> list[QuarantinedMessage]:
        """The newest quarantined messages first (raises StoreError)."""
        query = select(QuarantineRow).order_by(QuarantineRow.id.desc()).limit(limit)
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as exc:
            raise StoreError(_describe("list the quarantine", exc)) from exc
        return [
            QuarantinedMessage(r.id, r.received_at, r.topic, r.payload, r.error, r.message_id)
            for r in rows
        ]

    def _insert_once(self, conn: Connection, table: Table, values: dict[str, Any]) -> AckStatus:
        """INSERT … ON CONFLICT DO NOTHING; a returned key means this call stored the row."""
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        insert = dialect.insert(table).values(values).on_conflict_do_nothing()
        key = conn.execute(insert.returning(*table.primary_key.columns)).first()
        return AckStatus.STORED if key is not None else AckStatus.DUPLICATE

    def _store_event(
        self, conn: Connection, envelope: Envelope, body: EventBody, raw: bytes
    ) -> AckStatus:
        if self._dialect == "postgresql":
            # Readers follow seq with a cursor: serialise event inserts so seq order is commit
            # order and no reader skips a row whose seq was taken before a later commit.
            conn.execute(select(func.pg_advisory_xact_lock(_PG_EVENT_FEED_LOCK)))
        values = {
            "message_id": envelope.message_id,
            "org_id": envelope.org_id,
            "gateway_id": envelope.gateway_id,
            "home_id": envelope.home_id,
            "resident_id": envelope.resident_id,
            "device_id": envelope.device_id,
            "type": body.type.value,
            "severity": body.severity.value,
            "status": body.status.value,
            "warning_class": body.warning_class.value,
            "device_time": envelope.device_time,
            "gateway_time": envelope.gateway_time,
            "received_at": self._clock.now(),
            "envelope_json": raw.decode("utf-8"),
        }
        return self._insert_once(conn, _table(EventRow), values)

    def _store_reading(self, conn: Connection, envelope: Envelope) -> AckStatus:
        values = {
            "message_id": envelope.message_id,
            "org_id": envelope.org_id,
            "gateway_id": envelope.gateway_id,
            "device_id": envelope.device_id,
            "kind": envelope.body.kind,
            "gateway_time": envelope.gateway_time,
            "received_at": self._clock.now(),
            "body_json": envelope.body.model_dump_json(exclude_none=True),
        }
        return self._insert_once(conn, _table(ReadingRow), values)

    def _store_status(
        self, conn: Connection, envelope: Envelope, body: GatewayStatusBody
    ) -> AckStatus:
        key = (envelope.org_id, envelope.gateway_id)
        current = conn.execute(
            select(GatewayStatusRow.last_message_id, GatewayStatusRow.state)
            .where(GatewayStatusRow.org_id == key[0], GatewayStatusRow.gateway_id == key[1])
            .with_for_update()
        ).one_or_none()
        if current is not None and current.last_message_id == envelope.message_id:
            return AckStatus.DUPLICATE  # e.g. the retained status, delivered again
        values = {
            "state": body.state.value,
            "agent_version": body.agent_version,
            "outbox_depth": body.outbox_depth,
            "gateway_time": envelope.gateway_time,
            "updated_at": self._clock.now(),
            "last_message_id": envelope.message_id,
        }
        table = _table(GatewayStatusRow)
        insert = (postgresql if self._dialect == "postgresql" else sqlite).insert(table)
        conn.execute(
            insert.values(org_id=key[0], gateway_id=key[1], **values).on_conflict_do_update(
                index_elements=[table.c.org_id, table.c.gateway_id], set_=values
            )
        )
        if current is None or current.state != body.state.value:
            log.info("gateway %s/%s is %s", key[0], key[1], body.state.value)
        return AckStatus.STORED


def _table(model: type[IngestBase]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _describe(what: str, exc: SQLAlchemyError, *, permanent: bool = False) -> str:
    cause = getattr(exc, "orig", None) or exc
    reason = f"could not {what}: {type(cause).__name__}: {str(cause).strip().splitlines()[0]}."
    if permanent:
        return f"{reason} The database refuses this message; it is kept in the quarantine."
    return f"{reason} Check that the database is running and migrated (silverguard ingest migrate)."
