"""The durable outbox: every message waits in SQLite until the cloud acks it.

The broker's PUBACK is not enough (a broker can lose queued QoS 1 messages), so a message is
deleted only when the cloud's :class:`~contracts.envelope.AckMessage` names it. Unacked
messages are sent again after ``ack_timeout_s``. Alarms (events) always go before telemetry.

One SQLite connection (WAL, ``synchronous=FULL``) guarded by a lock; async code calls the
methods through ``asyncio.to_thread``.

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

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any

from contracts.envelope import Envelope, encode_envelope, topic_kind_of
from contracts.topics import TopicKind
from edge_agent.errors import OutboxError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    message_id TEXT PRIMARY KEY,
    lane INTEGER NOT NULL,
    topic_kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    send_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (lane, message_id);
CREATE TABLE IF NOT EXISTS detector_state (
    name TEXT PRIMARY KEY,
    snapshot TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""


class OutboxLane(IntEnum):
    """Priority lanes, most urgent first."""

    ALARM = 0
    """Detected events: always forwarded first."""
    TELEMETRY = 1
    """Readings and device state."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message waiting for the cloud's ack."""

    message_id: str
    lane: OutboxLane
    topic_kind: TopicKind
    payload: bytes
    send_count: int


class OutboxStore:
    """A durable, prioritised store-and-forward queue on SQLite."""

    def __init__(self, path: Path, *, ack_timeout_s: float = 10.0) -> None:
        """Open (or create) the outbox at ``path`` (raises :class:`OutboxError`)."""
        self.path = path
        self._ack_timeout = timedelta(seconds=ack_timeout_s)
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutboxError(
                f"cannot open the outbox {path}: {exc}; check the directory exists and is "
                "writable, and that the file is not damaged"
            ) from exc

    def close(self) -> None:
        """Close the database (everything is already on disk)."""
        with self._lock:
            self._conn.close()

    def put(self, envelope: Envelope, lane: OutboxLane) -> None:
        """Store ``envelope`` until it is acked (putting the same message id twice is a no-op)."""
        self.put_with_state([(envelope, lane)])

    def put_with_state(
        self,
        items: Sequence[tuple[Envelope, OutboxLane]],
        detector_state: tuple[str, dict[str, object], datetime] | None = None,
    ) -> None:
        """Store envelopes and the detector snapshot that produced them in one transaction.

        A power cut then leaves either both or neither: a restarted detector never raises an
        event again (under a new message id) that is already waiting in the outbox.
        """
        statements: list[tuple[str, Sequence[tuple[object, ...]]]] = [
            (_INSERT_OUTBOX, [_outbox_row(envelope, lane) for envelope, lane in items])
        ]
        if detector_state is not None:
            name, snapshot, now = detector_state
            statements.append((_UPSERT_STATE, [_state_row(name, snapshot, now)]))
        self._transaction(statements)

    def due(self, now: datetime, limit: int) -> list[OutboxItem]:
        """Up to ``limit`` messages to send now: never sent, or sent and unacked for longer
        than the ack timeout. Alarm lane first, then oldest first."""
        resend_before = (now - self._ack_timeout).timestamp()
        rows = self._read(
            "SELECT message_id, lane, topic_kind, payload, send_count FROM outbox "
            "WHERE sent_at IS NULL OR sent_at <= ? ORDER BY lane, message_id LIMIT ?",
            (resend_before, limit),
        )
        return [
            OutboxItem(row[0], OutboxLane(row[1]), TopicKind(row[2]), bytes(row[3]), row[4])
            for row in rows
        ]

    def mark_sent(self, message_ids: Iterable[str], now: datetime) -> None:
        """Record that these messages were published at ``now``."""
        self._write(
            "UPDATE outbox SET sent_at = ?, send_count = send_count + 1 WHERE message_id = ?",
            [(now.timestamp(), message_id) for message_id in message_ids],
        )

    def ack(self, message_ids: Iterable[str]) -> int:
        """Forget acked messages; returns how many were still here (acking twice is harmless)."""
        return len(self.ack_ids(message_ids))

    def ack_ids(self, message_ids: Iterable[str]) -> list[str]:
        """Like :meth:`ack`, returning the ids that were removed."""
        removed: list[str] = []
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                for message_id in dict.fromkeys(message_ids):
                    cursor = self._conn.execute(
                        "DELETE FROM outbox WHERE message_id = ?", (message_id,)
                    )
                    if cursor.rowcount:
                        removed.append(message_id)
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise OutboxError(f"cannot delete acked messages from {self.path}: {exc}") from exc
        return removed

    def depth(self) -> dict[OutboxLane, int]:
        """How many messages wait in each lane."""
        counts = dict.fromkeys(OutboxLane, 0)
        for lane, count in self._read("SELECT lane, COUNT(*) FROM outbox GROUP BY lane", ()):
            counts[OutboxLane(lane)] = count
        return counts

    def oldest_unsent_age(self, now: datetime) -> timedelta | None:
        """Age of the oldest message the cloud has not acknowledged yet (None if empty)."""
        rows = self._read("SELECT MIN(created_at) FROM outbox", ())
        oldest = rows[0][0] if rows else None
        if oldest is None:
            return None
        return max(timedelta(0), now - datetime.fromtimestamp(oldest, now.tzinfo))

    def save_detector_state(self, name: str, snapshot: dict[str, object], now: datetime) -> None:
        """Keep a detector's snapshot in the same file, so a restart resumes it."""
        self._write(_UPSERT_STATE, [_state_row(name, snapshot, now)])

    def load_detector_state(self, name: str) -> dict[str, object] | None:
        """The snapshot saved last for ``name``, or None."""
        rows = self._read("SELECT snapshot FROM detector_state WHERE name = ?", (name,))
        if not rows:
            return None
        try:
            data = json.loads(rows[0][0])
        except ValueError as exc:
            raise OutboxError(f"saved state of detector {name} is not JSON: {exc}") from exc
        return data if isinstance(data, dict) else None

    def _write(self, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
        self._transaction([(sql, rows)])

    def _transaction(self, statements: Sequence[tuple[str, Sequence[tuple[object, ...]]]]) -> None:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                for sql, rows in statements:
                    self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise OutboxError(
                    f"cannot write to the outbox {self.path}: {exc}; check free disk space"
                ) from exc

    def _read(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._conn.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                raise OutboxError(f"cannot read the outbox {self.path}: {exc}") from exc

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


_INSERT_OUTBOX = (
    "INSERT OR IGNORE INTO outbox (message_id, lane, topic_kind, payload, created_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_UPSERT_STATE = (
    "INSERT INTO detector_state (name, snapshot, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET snapshot = excluded.snapshot, "
    "updated_at = excluded.updated_at"
)


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
