"""The outbox's disk-full mode: what the store writes while its reserve is in use.

The store keeps a reserve file beside the database (:mod:`edge_agent.outbox.reserve`). The
first write that fails with ``SQLITE_FULL`` deletes it and the store enters disk-full mode:
alarms and detector snapshots are still written durably (into the reserve's space; the WAL is
truncated after every commit so it never keeps more than one transaction), while telemetry and
malformed payloads are dropped and counted. Only once the disk has room to make the reserve
again does the mode end and telemetry is accepted again. A store that cannot even open its
database on a full disk (SQLite needs room for its WAL index) frees the reserve and opens in
this mode. If even the reserve is used up, the
write raises :class:`~edge_agent.errors.OutboxFullError` and the agent holds the alarm in memory
(:mod:`edge_agent.outbox.held`), the last resort.

Example:
    >>> import tempfile, pathlib
    >>> from edge_agent.errors import OutboxFullError
    >>> with tempfile.TemporaryDirectory() as d:
    ...     mode = DiskFullMode(DiskReserve(pathlib.Path(d) / "x.reserve", 4096), lambda: True)
    ...     _ = mode.reserve.create()
    ...     mode.enter(OutboxFullError("the disk is full"))
    ...     mode.dropped(3)
    ...     mode.health()
    ...     mode.accepts_everything(), mode.health()["reserve_bytes"]  # room: made again
    {'disk_full': True, 'dropped_telemetry': 3, 'reserve_bytes': 0, 'reserve_error': None}
    (True, 4096)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.errors import OutboxFullError
from edge_agent.outbox.reserve import DiskReserve

logger = logging.getLogger(__name__)


@dataclass
class DiskFullMode:
    """Whether the outbox is in disk-full mode, what it dropped, and its reserve."""

    reserve: DiskReserve
    truncate_wal: Callable[[], bool]
    """Checkpoint and truncate the outbox's WAL (False if SQLite could not)."""
    full: bool = False
    dropped_telemetry: int = 0
    """Telemetry (and malformed payloads) dropped in disk-full mode since the store opened."""

    def accepts_everything(self) -> bool:
        """Whether a write may hold telemetry: not in disk-full mode, or the disk has room to
        make the reserve again now (which ends the mode)."""
        if self.full and self.reserve.create_if_room():
            self.full = False
            logger.warning(
                "the outbox's disk has room again: reserve %s made again, telemetry is accepted "
                "again (%d telemetry messages were dropped while the disk was full)",
                self.reserve.path,
                self.dropped_telemetry,
            )
        return not self.full

    def enter(self, exc: OutboxFullError) -> None:
        """A write found the disk full: free the reserve for alarms and shrink the WAL."""
        released = self.reserve.release()
        self.full = True
        self.truncate_wal()
        logger.error(
            "%s; %s: alarms are still written to the outbox, telemetry is dropped until the disk "
            "has room for the reserve again",
            exc,
            f"its reserve {self.reserve.path} is freed for alarms"
            if released
            else "there is no reserve to free (alarms wait in memory if the write fails)",
        )

    def dropped(self, count: int) -> None:
        """Count telemetry or malformed payloads not written in disk-full mode."""
        self.dropped_telemetry += count

    def after_commit(self) -> None:
        """In disk-full mode, give the WAL's room back after every commit."""
        if self.full:
            self.truncate_wal()

    def health(self) -> dict[str, int | bool | str | None]:
        """The store's part of the heartbeat's ``outbox`` health."""
        return {
            "disk_full": self.full,
            "dropped_telemetry": self.dropped_telemetry,
            "reserve_bytes": self.reserve.size_bytes if self.reserve.present else 0,
            "reserve_error": self.reserve.error,
        }
