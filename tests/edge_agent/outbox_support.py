"""Read an agent's outbox database from outside (read-only, safe while the agent runs: WAL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def outbox_rows(path: Path) -> list[tuple[str, int]]:
    """(message id, lane) of everything waiting, in send order (read-only, while it runs)."""
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT message_id, lane FROM outbox ORDER BY lane, rowid"))
    except sqlite3.OperationalError:
        return []  # not created yet
    finally:
        conn.close()


def counter(path: Path, name: str) -> int:
    """One persistent counter of the outbox (``shed.full``, ``shed.age``, …), 0 if unset."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0
    finally:
        conn.close()


def shed_count(path: Path) -> int:
    """Telemetry dropped because the outbox was full."""
    return counter(path, "shed.full")
