"""``IngestStore``: idempotent inserts keyed by message id, and the quarantine.

Sync SQLAlchemy; the async consumer calls it through ``asyncio.to_thread``. Every SQLAlchemy
error leaves as :class:`cloud_ingest.errors.StoreError`, and a message whose store failed is
never acknowledged, so its gateway sends it again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from cloud_ingest.errors import StoreError, UnstorableMessageError
from cloud_ingest.store.batch import (
    Incoming,
    QuarantineEntry,
    buffer_points,
    insert_events,
    insert_quarantine,
    insert_readings,
    table_of,
    touch_liveness,
    unique_first,
)
from cloud_ingest.store.engine import make_engine
from cloud_ingest.store.models import GatewayStatusRow, QuarantineRow
from contracts.ack import AckStatus
from contracts.clock import Clock
from contracts.envelope import Envelope
from contracts.events import EventBody
from contracts.status import GatewayStatusBody

log = logging.getLogger(__name__)


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

    @property
    def engine(self) -> Engine:
        """The engine (for the liveness sweep and the time-series drain)."""
        return self._engine

    def store(self, envelope: Envelope, raw: bytes) -> AckStatus:
        """Store a validated message once: ``STORED`` the first time, ``DUPLICATE`` after.

        ``raw`` is the payload exactly as validated; an event keeps it as ``envelope_json``.

        Raises:
            UnstorableMessageError: the database refuses this message for good.
            StoreError: the database failed; nothing was stored.
        """
        return self.store_batch([Incoming(envelope, raw)])[0]

    def store_batch(
        self,
        items: Sequence[Incoming],
        *,
        quarantine: Sequence[QuarantineEntry] = (),
        buffered_points: Sequence[str] = (),
        track_liveness: bool = False,
    ) -> list[AckStatus]:
        """Store messages, quarantine entries and time-series points in ONE transaction.

        Returns each item's status in the order given (a repeat of an id within the batch is
        ``DUPLICATE``). Nothing is stored unless everything is.

        Raises:
            UnstorableMessageError: the database refuses a row (store the items one by one to
                find which).
            StoreError: the database failed; nothing was stored.
        """
        what = f"store {len(items)} message(s)"
        now = self._clock.now()
        try:
            with self._engine.begin() as conn:
                statuses = self._write(conn, items, now)
                insert_quarantine(conn, quarantine, now)
                buffer_points(conn, buffered_points, now)
                if track_liveness:
                    touch_liveness(conn, _signs_of_life(items, statuses), now)
        except (DataError, IntegrityError) as exc:
            raise UnstorableMessageError(_describe(what, exc, permanent=True)) from exc
        except SQLAlchemyError as exc:
            raise StoreError(_describe(what, exc)) from exc
        return statuses

    def _write(self, conn: Connection, items: Sequence[Incoming], now: datetime) -> list[AckStatus]:
        """Events first (they take the feed lock), then statuses, then readings."""

        def message_id(item: Incoming) -> str:
            return item.envelope.message_id

        events = [i for i in items if isinstance(i.envelope.body, EventBody)]
        readings = [
            i for i in items if not isinstance(i.envelope.body, EventBody | GatewayStatusBody)
        ]
        stored = insert_events(conn, unique_first(events, key=message_id)[0], now)
        by_id: dict[int, AckStatus] = {}
        statuses = sorted(
            (i for i in items if isinstance(i.envelope.body, GatewayStatusBody)),
            key=lambda i: (i.envelope.org_id, i.envelope.gateway_id, i.envelope.message_id),
        )
        for item in statuses:
            assert isinstance(item.envelope.body, GatewayStatusBody)
            by_id[id(item)] = self._store_status(conn, item.envelope, item.envelope.body)
        stored |= insert_readings(conn, unique_first(readings, key=message_id)[0], now)
        result: list[AckStatus] = []
        for item in items:
            if id(item) in by_id:
                result.append(by_id[id(item)])
            elif item.envelope.message_id in stored:
                stored.discard(item.envelope.message_id)  # a repeat in the batch: DUPLICATE
                result.append(AckStatus.STORED)
            else:
                result.append(AckStatus.DUPLICATE)
        return result

    def quarantine(self, topic: str, payload: bytes, error: str, message_id: str | None) -> None:
        """Keep an unacceptable message byte for byte with the reason (raises StoreError)."""
        entry = QuarantineEntry(topic, payload, error, message_id)
        try:
            with self._engine.begin() as conn:
                insert_quarantine(conn, [entry], self._clock.now())
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
        table = table_of(GatewayStatusRow)
        insert = (postgresql if self._dialect == "postgresql" else sqlite).insert(table)
        conn.execute(
            insert.values(org_id=key[0], gateway_id=key[1], **values).on_conflict_do_update(
                index_elements=[table.c.org_id, table.c.gateway_id], set_=values
            )
        )
        if current is None or current.state != body.state.value:
            log.info("gateway %s/%s is %s", key[0], key[1], body.state.value)
        return AckStatus.STORED


def _signs_of_life(items: Sequence[Incoming], statuses: Sequence[AckStatus]) -> list[Envelope]:
    """Messages that show their gateway is alive now.

    A status seen before is not one: it is the broker's retained copy, delivered again to a
    worker that (re)subscribed, and says nothing about the gateway now.
    """
    return [
        item.envelope
        for item, status in zip(items, statuses, strict=True)
        if not (isinstance(item.envelope.body, GatewayStatusBody) and status is AckStatus.DUPLICATE)
    ]


def _describe(what: str, exc: SQLAlchemyError, *, permanent: bool = False) -> str:
    cause = getattr(exc, "orig", None) or exc
    reason = f"could not {what}: {type(cause).__name__}: {str(cause).strip().splitlines()[0]}."
    if permanent:
        return f"{reason} The database refuses this message; it is kept in the quarantine."
    return f"{reason} Check that the database is running and migrated (silverguard ingest migrate)."
