"""The durable outbox: every message waits in SQLite until the cloud acks it.

The broker's PUBACK is not enough (a broker can lose queued QoS 1 messages), so a message is
deleted only when the cloud's :class:`~contracts.envelope.AckMessage` names it. Unacked
messages are sent again after ``ack_timeout_s`` (telemetry: after a wait that doubles with each
send, up to ``telemetry_resend_max_s``), and all of them again, in order, after a
reconnect. Alarms (events) always go before telemetry; within a lane, messages go in the
order they were stored (SQLite rowid).

Bounds and shedding: see :mod:`edge_agent.outbox.limits` (telemetry is dropped, oldest first,
never an alarm; each drop is counted in the ``counters`` table).

A full disk: the store frees its reserve file and goes on writing alarms durably, dropping
telemetry, see :mod:`edge_agent.outbox.diskfull`.

One SQLite connection guarded by a lock; async code calls the methods via ``asyncio.to_thread``.

Example:
    >>> import tempfile, pathlib
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts import Envelope, SmokeReading, new_message_id
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> env = Envelope(message_id=new_message_id(now), org_id="org-demo", gateway_id="gw-0001",
    ...                gateway_time=now, body=SmokeReading(smoke=False))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = OutboxStore(pathlib.Path(d) / "outbox.db", ack_timeout_s=10)
    ...     store.put(env, OutboxLane.TELEMETRY)
    ...     [i.message_id == env.message_id for i in store.due(now, 10)]
    ...     store.mark_sent([env.message_id], now)
    ...     later = now + timedelta(seconds=11)
    ...     store.due(now + timedelta(seconds=5), 10), len(store.due(later, 10))
    ...     store.ack([env.message_id]), store.ack([env.message_id]), store.depth()
    ...     store.close()
    [True]
    ([], 1)
    (1, 0, {<OutboxLane.ALARM: 0>: 0, <OutboxLane.TELEMETRY: 1>: 0})
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from pathlib import Path

from contracts.envelope import Envelope, encode_envelope, topic_kind_of
from contracts.mqtt import resend_wait_s
from contracts.topics import TopicKind
from edge_agent.errors import OutboxError, OutboxFullError
from edge_agent.outbox.db import OutboxDb
from edge_agent.outbox.diskfull import DiskFullMode
from edge_agent.outbox.kept import keep_malformed, recent_malformed
from edge_agent.outbox.limits import OutboxLimits, ShedReason
from edge_agent.outbox.reserve import DiskReserve, free_bytes
from edge_agent.outbox.sql import (
    DELETE_ACKED,
    DUE_ALARMS,
    DUE_TELEMETRY,
    IN_FLIGHT,
    INSERT_OUTBOX,
    SCHEMA,
    SHED_AGED,
    SHED_OLDEST,
    UPSERT_COUNTER,
    UPSERT_STATE,
)
from edge_agent.readers.base import MalformedPayload

logger = logging.getLogger(__name__)

DetectorState = tuple[str, dict[str, object], datetime]
"""(detector name, snapshot, when) to checkpoint."""


class OutboxLane(IntEnum):
    """Priority lanes, most urgent first."""

    ALARM = 0
    """Detected events: always forwarded first, never shed."""
    TELEMETRY = 1
    """Readings and device state: shed first when the outbox is full."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message waiting for the cloud's ack."""

    message_id: str
    lane: OutboxLane
    topic_kind: TopicKind
    payload: bytes
    send_count: int


class OutboxStore:
    """A durable, prioritised, bounded store-and-forward queue on SQLite."""

    def __init__(
        self, path: Path, *, ack_timeout_s: float = 10.0, limits: OutboxLimits | None = None
    ) -> None:
        """Open (or create) the outbox at ``path`` (raises :class:`OutboxError`)."""
        self.path = path
        self.limits = limits or OutboxLimits()
        self._ack_timeout = timedelta(seconds=ack_timeout_s)
        reserve = DiskReserve(path.with_name(path.name + ".reserve"), self.limits.reserve_bytes)
        self._db, full = _open(path, reserve)
        self._db.add_function("resend_wait", 3, resend_wait_s)
        [(count, size)] = self._db.read(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM outbox", ()
        )
        self._count: int = count
        self._bytes: int = size
        self._disk = DiskFullMode(reserve, self._db.truncate_wal, full=full)
        if not full:
            reserve.create()

    @property
    def disk_full(self) -> bool:
        """Disk-full mode: the reserve is in use, only alarms and snapshots are written."""
        return self._disk.full

    @property
    def reserve(self) -> DiskReserve:
        """The reserve file kept beside the database."""
        return self._disk.reserve

    def close(self) -> None:
        """Close the database (everything is already on disk)."""
        self._db.close()

    def put(self, envelope: Envelope, lane: OutboxLane) -> None:
        """Store ``envelope`` until it is acked (putting the same message id twice is a no-op)."""
        self.put_with_state([(envelope, lane)])

    def put_with_state(
        self,
        items: Sequence[tuple[Envelope, OutboxLane]],
        states: Sequence[DetectorState] = (),
        malformed: Sequence[MalformedPayload] = (),
    ) -> None:
        """Store envelopes, the detector snapshots that produced them and malformed device
        payloads in one transaction, then shed telemetry if the outbox is over its bounds.

        A power cut then leaves either both or neither: a restarted detector never raises an
        event again (under a new message id) that is already waiting in the outbox. On a full
        disk only the alarms and snapshots are written (raises :class:`OutboxFullError` if
        even that fails), see :mod:`edge_agent.outbox.diskfull`.
        """
        if self._disk.accepts_everything():
            try:
                self._put(items, states, malformed)
                return
            except OutboxFullError as exc:
                self._disk.enter(exc)
        alarms = [(envelope, lane) for envelope, lane in items if lane is OutboxLane.ALARM]
        if alarms or states:
            self._put(alarms, states, ())
        self._disk.dropped(len(items) - len(alarms) + len(malformed))

    def disk_health(self) -> dict[str, int | bool | str | None]:
        """The store's part of the heartbeat's ``outbox`` health: disk-full mode, telemetry
        dropped in it, the reserve's size on disk and why it could not be made (or None)."""
        return self._disk.health()

    def _put(
        self,
        items: Sequence[tuple[Envelope, OutboxLane]],
        states: Sequence[DetectorState],
        malformed: Sequence[MalformedPayload],
    ) -> None:
        durable = bool(states) or any(lane is OutboxLane.ALARM for _, lane in items)
        with self._transacting("write to", durable=durable) as conn:
            for envelope, lane in items:
                row = conn.execute(INSERT_OUTBOX, _outbox_row(envelope, lane)).fetchone()
                if row is not None:
                    self._count += 1
                    self._bytes += row[0]
            conn.executemany(UPSERT_STATE, [_state_row(*state) for state in states])
            if malformed:
                keep_malformed(conn, malformed)
            self._shed_if_full(conn)

    def due(
        self, now: datetime, limit: int, *, max_telemetry: int | None = None
    ) -> list[OutboxItem]:
        """Up to ``limit`` messages to send now: never sent, or sent and unacked for longer
        than the ack timeout (telemetry: than its back-off, ``resend_wait_s``); alarm lane
        first, in stored order. ``max_telemetry`` caps the telemetry among them (flow
        control); alarms are never held back."""
        resend_before = (now - self._ack_timeout).timestamp()
        rows = self._db.read(DUE_ALARMS, (int(OutboxLane.ALARM), resend_before, limit))
        room = limit - len(rows)
        if max_telemetry is not None:
            room = min(room, max_telemetry)
        if room > 0:
            wait = (self._ack_timeout.total_seconds(), self.limits.telemetry_resend_max_s)
            rows += self._db.read(
                DUE_TELEMETRY, (int(OutboxLane.TELEMETRY), *wait, now.timestamp(), room)
            )
        return [
            OutboxItem(row[0], OutboxLane(row[1]), TopicKind(row[2]), bytes(row[3]), row[4])
            for row in rows
        ]

    def in_flight(self, now: datetime, lane: OutboxLane = OutboxLane.TELEMETRY) -> int:
        """Messages of ``lane`` sent, not acked, and not yet due to be sent again."""
        ack_s = self._ack_timeout.total_seconds()
        max_s = self.limits.telemetry_resend_max_s if lane is OutboxLane.TELEMETRY else ack_s
        rows = self._db.read(IN_FLIGHT, (int(lane), ack_s, max_s, now.timestamp()))
        return int(rows[0][0])

    def mark_sent(self, message_ids: Iterable[str], now: datetime) -> None:
        """Record that these messages were published at ``now``."""
        with self._transacting("write to", durable=False) as conn:
            conn.executemany(
                "UPDATE outbox SET sent_at = ?, send_count = send_count + 1 WHERE message_id = ?",
                [(now.timestamp(), message_id) for message_id in message_ids],
            )

    def requeue_unacked(self) -> int:
        """Make every sent-but-unacked message due again (after a reconnect: in order)."""
        with self._transacting("write to", durable=False) as conn:
            cursor = conn.execute("UPDATE outbox SET sent_at = NULL WHERE sent_at IS NOT NULL")
            return cursor.rowcount

    def ack(self, message_ids: Iterable[str]) -> int:
        """Forget acked messages; returns how many were still here (acking twice is harmless)."""
        return len(self.ack_ids(message_ids))

    def ack_ids(self, message_ids: Iterable[str]) -> list[str]:
        """Like :meth:`ack`, returning the ids that were removed."""
        removed: list[str] = []
        with self._transacting("delete acked messages from", durable=False) as conn:
            for message_id in dict.fromkeys(message_ids):
                row = conn.execute(DELETE_ACKED, (message_id,)).fetchone()
                if row is not None:
                    removed.append(message_id)
                    self._count -= 1
                    self._bytes -= row[0]
        return removed

    def prune_aged(self, now: datetime) -> int:
        """Shed telemetry older than the age limit; returns how many were dropped."""
        cutoff = (now - timedelta(hours=self.limits.telemetry_max_age_h)).timestamp()
        with self._transacting("write to", durable=False) as conn:
            sizes = conn.execute(SHED_AGED, (cutoff,)).fetchall()
            self._count_shed(conn, ShedReason.AGE, sizes)
        return len(sizes)

    def depth(self) -> dict[OutboxLane, int]:
        """How many messages wait in each lane."""
        counts = dict.fromkeys(OutboxLane, 0)
        for lane, count in self._db.read("SELECT lane, COUNT(*) FROM outbox GROUP BY lane", ()):
            counts[OutboxLane(lane)] = count
        return counts

    def oldest_unsent_age(self, now: datetime) -> timedelta | None:
        """Age of the oldest message the cloud has not acknowledged yet (None if empty)."""
        rows = self._db.read("SELECT MIN(created_at) FROM outbox", ())
        oldest = rows[0][0] if rows else None
        if oldest is None:
            return None
        return max(timedelta(0), now - datetime.fromtimestamp(oldest, now.tzinfo))

    def lane_stats(self) -> dict[OutboxLane, tuple[int, int, float | None]]:
        """Per lane: (messages, bytes, oldest ``created_at`` as a POSIX timestamp or None)."""
        stats: dict[OutboxLane, tuple[int, int, float | None]] = dict.fromkeys(
            OutboxLane, (0, 0, None)
        )
        sql = (
            "SELECT lane, COUNT(*), COALESCE(SUM(LENGTH(payload)), 0), MIN(created_at) "
            "FROM outbox GROUP BY lane"
        )
        for lane, count, size, oldest in self._db.read(sql, ()):
            stats[OutboxLane(lane)] = (count, size, oldest)
        return stats

    def counters(self) -> dict[str, int]:
        """Persistent counters: ``shed.<reason>`` and ``malformed.<source>``."""
        return dict(self._db.read("SELECT name, value FROM counters", ()))

    def malformed(self, limit: int = 20) -> list[MalformedPayload]:
        """The most recent malformed device payloads kept, newest first."""
        return recent_malformed(self._db, limit)

    def save_detector_state(self, name: str, snapshot: dict[str, object], now: datetime) -> None:
        """Keep a detector's snapshot in the same file, so a restart resumes it."""
        self.put_with_state([], [(name, snapshot, now)])

    def load_detector_state(self, name: str) -> dict[str, object] | None:
        """The snapshot saved last for ``name``, or None."""
        rows = self._db.read("SELECT snapshot FROM detector_state WHERE name = ?", (name,))
        if not rows:
            return None
        try:
            data = json.loads(rows[0][0])
        except ValueError as exc:
            raise OutboxError(f"saved state of detector {name} is not JSON: {exc}") from exc
        return data if isinstance(data, dict) else None

    def _shed_if_full(self, conn: sqlite3.Connection) -> None:
        limits = self.limits
        while self._count > limits.max_messages or self._bytes > limits.max_bytes:
            excess = max(self._count - limits.max_messages, 1)
            if self._bytes > limits.max_bytes:
                excess = max(excess, 100)
            sizes = conn.execute(SHED_OLDEST, (excess,)).fetchall()
            if not sizes:
                logger.warning(
                    "the outbox holds %d messages (%d bytes), over its bounds, and all are "
                    "alarms: none is dropped; check the cloud link",
                    self._count,
                    self._bytes,
                )
                return
            self._count_shed(conn, ShedReason.FULL, sizes)

    def _count_shed(
        self, conn: sqlite3.Connection, reason: ShedReason, sizes: Sequence[tuple[int]]
    ) -> None:
        if not sizes:
            return
        self._count -= len(sizes)
        self._bytes -= sum(size for (size,) in sizes)
        conn.execute(UPSERT_COUNTER, (f"shed.{reason.value}", len(sizes)))
        logger.warning(
            "outbox %s: dropped the %d oldest telemetry messages (alarms are kept); the cloud "
            "has been unreachable or slow for long",
            "full" if reason is ShedReason.FULL else "telemetry too old",
            len(sizes),
        )

    @contextlib.contextmanager
    def _transacting(self, what: str, *, durable: bool) -> Iterator[sqlite3.Connection]:
        """A transaction restoring the counts on rollback; in disk-full mode the WAL is
        truncated after the commit, so it takes no lasting room from the reserve."""
        counts = (self._count, self._bytes)

        def restore() -> None:
            self._count, self._bytes = counts

        with self._db.transaction(what, durable=durable, on_rollback=restore) as conn:
            yield conn
        self._disk.after_commit()


def _open(path: Path, reserve: DiskReserve) -> tuple[OutboxDb, bool]:
    """Open the database; if that fails on a (nearly) full disk, free the reserve and open
    again in disk-full mode (SQLite needs room for its WAL index to open at all). Returns the
    database and whether the disk was full."""
    try:
        return OutboxDb(path, SCHEMA), False
    except OutboxError as exc:
        if free_bytes(path.parent) >= reserve.size_bytes or not reserve.release():
            raise
        logger.error("%s; its reserve %s is freed to open it (the disk is full)", exc, reserve.path)
        return OutboxDb(path, SCHEMA), True


def _outbox_row(envelope: Envelope, lane: OutboxLane) -> tuple[object, ...]:
    return (
        envelope.message_id,
        int(lane),
        topic_kind_of(envelope).value,
        encode_envelope(envelope),
        envelope.gateway_time.timestamp(),
    )


def _state_row(name: str, snapshot: dict[str, object], now: datetime) -> tuple[object, ...]:
    return (name, json.dumps(snapshot, sort_keys=True), now.timestamp())
