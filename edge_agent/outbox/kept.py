"""Malformed device payloads kept in the outbox database for inspection (bounded), and their
persistent counters.

Example:
    >>> import tempfile, pathlib
    >>> from datetime import UTC, datetime
    >>> from edge_agent.outbox.sql import SCHEMA
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     db = OutboxDb(pathlib.Path(d) / "x.db", SCHEMA)
    ...     with db.transaction("write to", durable=False) as conn:
    ...         keep_malformed(conn, [MalformedPayload(now, "t", b"{", "not JSON", "wristband")])
    ...     [(m.source, m.payload) for m in recent_malformed(db, 5)]
    ...     db.close()
    [('wristband', b'{')]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from edge_agent.outbox.db import OutboxDb
from edge_agent.outbox.sql import INSERT_MALFORMED, TRIM_MALFORMED, UPSERT_COUNTER
from edge_agent.readers.base import MalformedPayload

KEEP_MALFORMED_ROWS = 500
"""How many malformed device payloads the database keeps for inspection."""


def keep_malformed(conn: sqlite3.Connection, malformed: Sequence[MalformedPayload]) -> None:
    """Store payloads (inside the caller's transaction), keep the newest, count each source."""
    conn.executemany(
        INSERT_MALFORMED,
        [(m.received_at.timestamp(), m.source, m.topic, m.payload, m.reason) for m in malformed],
    )
    conn.execute(TRIM_MALFORMED, (KEEP_MALFORMED_ROWS,))
    for m in malformed:
        conn.execute(UPSERT_COUNTER, (f"malformed.{m.source or 'unknown'}", 1))


def recent_malformed(db: OutboxDb, limit: int) -> list[MalformedPayload]:
    """The newest kept payloads first."""
    rows = db.read(
        "SELECT received_at, topic, payload, reason, source FROM malformed "
        "ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [
        MalformedPayload(datetime.fromtimestamp(r[0], UTC), r[1], bytes(r[2]), r[3], r[4])
        for r in rows
    ]
