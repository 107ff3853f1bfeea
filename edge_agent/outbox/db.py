"""The outbox's one SQLite connection: WAL, a lock, reads, and transactions whose fsync level
the caller chooses (see :mod:`edge_agent.outbox.store` for the policy). SQLite's errors are
re-raised as :class:`~edge_agent.errors.OutboxError` saying what to check.

Example:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     db = OutboxDb(pathlib.Path(d) / "x.db", "CREATE TABLE t (v INTEGER);")
    ...     with db.transaction("write to", durable=False) as conn:
    ...         _ = conn.execute("INSERT INTO t VALUES (1)")
    ...     db.read("SELECT v FROM t", ()), db.read("PRAGMA synchronous", ())
    ...     db.close()
    ([(1,)], [(1,)])
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from edge_agent.errors import OutboxError, OutboxFullError

logger = logging.getLogger(__name__)


class OutboxDb:
    """A thread-safe SQLite connection in WAL mode (``isolation_level=None``: we BEGIN)."""

    def __init__(self, path: Path, schema: str) -> None:
        """Open (or create) ``path`` and apply ``schema`` (raises :class:`OutboxError`)."""
        self.path = path
        self.lock = threading.Lock()
        self._sync_full = True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.executescript(schema)
        except (OSError, sqlite3.Error) as exc:
            raise OutboxError(
                f"cannot open the outbox {path}: {exc}; check the directory exists and is "
                "writable, and that the file is not damaged"
            ) from exc

    def close(self) -> None:
        """Close the connection (committed data is already on disk)."""
        with self.lock:
            self.conn.close()

    def truncate_wal(self) -> bool:
        """Checkpoint the WAL into the database and truncate it to 0 bytes (frees its disk
        space); False if SQLite could not (e.g. a reader holds it), which is retried later."""
        with self.lock:
            try:
                [(busy, _, _)] = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.Error as exc:
                logger.warning("cannot truncate the outbox's WAL %s-wal: %s", self.path, exc)
                return False
            return not busy

    def add_function(self, name: str, nargs: int, func: Callable[..., float]) -> None:
        """Make the pure function ``func`` callable from SQL as ``name`` (``nargs`` arguments)."""
        with self.lock:
            self.conn.create_function(name, nargs, func, deterministic=True)

    def read(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        """All rows of one query."""
        with self.lock:
            try:
                return list(self.conn.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                raise OutboxError(f"cannot read the outbox {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def transaction(
        self, what: str, *, durable: bool, on_rollback: Callable[[], None] | None = None
    ) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` with ``synchronous=FULL`` if ``durable`` else
        ``NORMAL``; on any error ROLLBACK, call ``on_rollback`` and raise (SQLite's as ours)."""
        with self.lock:
            try:
                if self._sync_full != durable:
                    self.conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                    self._sync_full = durable
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(what, exc) from exc
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if on_rollback is not None:
                    on_rollback()
                if isinstance(exc, sqlite3.Error):
                    raise self._error(what, exc) from exc
                raise

    def _error(self, what: str, exc: sqlite3.Error) -> OutboxError:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return OutboxFullError(
                f"cannot {what} the outbox {self.path}: the disk is full; free space on "
                f"{self.path.parent} (alarms go to its reserve meanwhile, telemetry is dropped)"
            )
        return OutboxError(f"cannot {what} the outbox {self.path}: {exc}; check free disk space")
