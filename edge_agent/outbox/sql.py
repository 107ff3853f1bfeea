"""The outbox's SQLite schema and statements (kept apart so the store reads as logic).

``outbox`` rows are ordered by SQLite's rowid, which grows with every insert: within a lane,
that is the order the agent stored them in (message ids are ULIDs, random within one
millisecond, so they cannot order two events raised by one reading).

Example:
    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.executescript(SCHEMA)
    >>> sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    ['counters', 'detector_state', 'malformed', 'outbox', 'sqlite_sequence']
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    message_id TEXT PRIMARY KEY,
    lane INTEGER NOT NULL,
    topic_kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    send_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_lane ON outbox (lane);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (lane, created_at);
CREATE TABLE IF NOT EXISTS detector_state (
    name TEXT PRIMARY KEY,
    snapshot TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS malformed (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    source TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    reason TEXT NOT NULL
);
"""

INSERT_OUTBOX = (
    "INSERT INTO outbox (message_id, lane, topic_kind, payload, created_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING RETURNING LENGTH(payload)"
)
_DUE = "SELECT message_id, lane, topic_kind, payload, send_count FROM outbox WHERE lane = ? AND "
DUE_ALARMS = _DUE + "(sent_at IS NULL OR sent_at <= ?) ORDER BY rowid LIMIT ?"
"""Alarms never sent, or sent before the given time (now - the ack timeout)."""
DUE_TELEMETRY = _DUE + (
    "(sent_at IS NULL OR sent_at + resend_wait(?, send_count, ?) <= ?) ORDER BY rowid LIMIT ?"
)
"""Telemetry never sent, or waited its back-off (``resend_wait``: the store registers
:func:`contracts.mqtt.resend_wait_s` under that name) for an ack by the given time."""
IN_FLIGHT = (
    "SELECT COUNT(*) FROM outbox WHERE lane = ? AND sent_at IS NOT NULL "
    "AND sent_at + resend_wait(?, send_count, ?) > ?"
)
DELETE_ACKED = "DELETE FROM outbox WHERE message_id = ? RETURNING LENGTH(payload)"
SHED_OLDEST = (
    "DELETE FROM outbox WHERE rowid IN "
    "(SELECT rowid FROM outbox WHERE lane = 1 ORDER BY rowid LIMIT ?) RETURNING LENGTH(payload)"
)
SHED_AGED = "DELETE FROM outbox WHERE lane = 1 AND created_at < ? RETURNING LENGTH(payload)"
UPSERT_STATE = (
    "INSERT INTO detector_state (name, snapshot, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET snapshot = excluded.snapshot, "
    "updated_at = excluded.updated_at"
)
UPSERT_COUNTER = (
    "INSERT INTO counters (name, value) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value"
)
INSERT_MALFORMED = (
    "INSERT INTO malformed (received_at, source, topic, payload, reason) VALUES (?, ?, ?, ?, ?)"
)
TRIM_MALFORMED = "DELETE FROM malformed WHERE id <= (SELECT MAX(id) FROM malformed) - ?"
