"""The I/O shell of liveness: read who was heard from when, record changes as stored events.

Every worker refreshes ``liveness.last_seen_at`` as it stores messages; any worker may run
the sweep, but on PostgreSQL only one at a time does (a try-lock: the others skip that
round). A change is recorded only if the row still has the state it was assessed in, so a
raised event is never raised twice. The events go into the event feed like device events,
so the alert router sees them (as operator-audience device-health events).
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from cloud_ingest.config import LivenessSettings
from cloud_ingest.errors import StoreError
from cloud_ingest.liveness.core import Change, Watched, assess
from cloud_ingest.metrics import IngestMetrics
from cloud_ingest.store import IngestStore
from cloud_ingest.store.batch import Incoming, insert_events, lock_event_feed, table_of
from cloud_ingest.store.models import GATEWAY_ITSELF, GatewayStatusRow, LivenessRow
from contracts.clock import Clock
from contracts.envelope import Envelope, encode_envelope
from contracts.ids import new_message_id
from contracts.series import DeviceKind
from contracts.status import GatewayState

log = logging.getLogger(__name__)

_PG_LIVENESS_LOCK = 0x5347_4C56  # "SGLV"
_KINDS = frozenset(kind.value for kind in DeviceKind)


class LivenessSweep:
    """Assesses every watched gateway and device and stores the resulting events."""

    def __init__(
        self, store: IngestStore, rules: LivenessSettings, clock: Clock, metrics: IngestMetrics
    ) -> None:
        self._engine = store.engine
        self._rules = rules
        self._clock = clock
        self._metrics = metrics

    def sweep(self) -> list[Envelope]:
        """One round; returns the events it stored.

        Raises:
            StoreError: the database failed; nothing was recorded (the next round retries).
        """
        try:
            with self._engine.begin() as conn:
                if (
                    conn.dialect.name == "postgresql"
                    and not conn.execute(
                        select(func.pg_try_advisory_xact_lock(_PG_LIVENESS_LOCK))
                    ).scalar()
                ):
                    return []  # another worker is sweeping
                now = self._clock.now()
                changes = assess(_watched(conn), _announced(conn), now, self._rules)
                return self._record(conn, changes) if changes else []
        except SQLAlchemyError as exc:
            raise StoreError(
                f"liveness sweep failed: {type(exc).__name__}: {exc}. Check the database."
            ) from exc

    def _record(self, conn: Connection, changes: list[Change]) -> list[Envelope]:
        now = self._clock.now()
        lock_event_feed(conn)  # before any liveness row lock: the consumer's order
        recorded: list[Envelope] = []
        for change in changes:
            w = change.watched
            query = update(LivenessRow).where(
                LivenessRow.org_id == w.org_id,
                LivenessRow.gateway_id == w.gateway_id,
                LivenessRow.device_id == (w.device_id or GATEWAY_ITSELF),
            )
            if change.offline:
                query = query.where(LivenessRow.offline_since.is_(None)).values(offline_since=now)
            else:
                query = query.where(LivenessRow.offline_since.is_not(None)).values(
                    offline_since=None
                )
            if conn.execute(query).rowcount != 1:
                continue  # recorded by someone else meanwhile
            body = change.event()
            envelope = Envelope(
                message_id=new_message_id(now),
                org_id=w.org_id,
                gateway_id=w.gateway_id,
                home_id=w.home_id,
                resident_id=w.resident_id,
                device_id=w.device_id,
                gateway_time=now,
                body=body,
            )
            recorded.append(envelope)
            self._metrics.liveness_events.labels(
                type=body.type.value, status=body.status.value
            ).inc()
            log.info("%s: %s", body.type.value, body.evidence.summary)
        insert_events(conn, [Incoming(e, encode_envelope(e)) for e in recorded], now)
        return recorded


def _watched(conn: Connection) -> list[Watched]:
    rows = conn.execute(select(table_of(LivenessRow))).all()
    return [
        Watched(
            r.org_id,
            r.gateway_id,
            r.device_id or None,
            DeviceKind(r.device_kind),
            r.home_id,
            r.resident_id,
            r.last_seen_at,
            r.offline_since,
        )
        for r in rows
        if r.device_kind in _KINDS
    ]


def _announced(conn: Connection) -> dict[tuple[str, str], GatewayState]:
    rows = conn.execute(
        select(GatewayStatusRow.org_id, GatewayStatusRow.gateway_id, GatewayStatusRow.state)
    ).all()
    return {(r.org_id, r.gateway_id): GatewayState(r.state) for r in rows}
