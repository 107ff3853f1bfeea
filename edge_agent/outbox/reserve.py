"""The outbox's reserve ("ballast") file: disk space kept free for alarms.

Beside ``outbox.db`` lies ``outbox.db.reserve``, a file of zeros of ``reserve_bytes`` (real
blocks, written and fsynced, not a sparse file). When the disk fills up and an alarm cannot be
written, the store deletes this file and writes the alarm durably into the space it freed, so a
power cut on a full disk loses no alarm (see :mod:`edge_agent.outbox.store`). The file is made
again only once the disk has room for it and as much again (:data:`RESUME_FACTOR`), and only
then is telemetry accepted again.

Sizing (default 512 KiB): a fire alarm's envelope is about 460 bytes, and its row with its
three index entries packs into shared 4 KiB pages at ≈ 0.5 KiB per alarm; the detector snapshot
written with it replaces the previous one. While the reserve is in use the store truncates the
WAL after every commit, so the WAL needs room for one transaction only (≈ 5 changed pages × 4 KiB
≈ 20 KiB). So 512 KiB hold about (512 − 20) / 0.5 ≈ 1000 alarms, each with its snapshot: days
of alarms for one home. Measured on a tmpfs: 1099 (``pytest -s
tests/edge_agent/test_outbox_reserve.py -k hundreds`` prints it).

Example:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     reserve = DiskReserve(pathlib.Path(d) / "outbox.db.reserve", 8192)
    ...     reserve.create(), reserve.present, reserve.path.stat().st_size
    ...     reserve.release(), reserve.present, reserve.release()
    (True, True, 8192)
    (True, False, False)
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

RESUME_FACTOR = 2
"""The reserve is made again once the disk has this many times its size free."""
_CHUNK = 64 * 1024


class DiskReserve:
    """A file that keeps ``size_bytes`` of the disk free for alarms (0: no reserve)."""

    def __init__(self, path: Path, size_bytes: int) -> None:
        """Describe the reserve at ``path``; nothing is written until :meth:`create`."""
        self.path = path
        self.size_bytes = size_bytes
        self.error: str | None = None
        """Why the reserve could not be made, the last time it was tried (None: it exists)."""

    @property
    def present(self) -> bool:
        """Whether the reserve file is on disk at its full size."""
        try:
            return self.size_bytes > 0 and self.path.stat().st_size >= self.size_bytes
        except OSError:
            return False

    def create(self) -> bool:
        """Make the reserve (zeros, fsynced) if missing; False if the disk has no room (the
        reason is in :attr:`error` and logged; a partial file is removed)."""
        if self.size_bytes <= 0 or self.present:
            self.error = None
            return self.size_bytes > 0
        try:
            with self.path.open("wb", buffering=0) as out:
                left = self.size_bytes
                while left > 0:
                    left -= out.write(b"\0" * min(_CHUNK, left)) or 0
                os.fsync(out.fileno())
            _fsync_dir(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.error = (
                f"cannot make the outbox's disk reserve {self.path} ({self.size_bytes} bytes): "
                f"{exc.strerror or exc}; free space on {self.path.parent} (until then a full "
                "disk leaves alarms only in memory)"
            )
            logger.error("%s", self.error)
            return False
        self.error = None
        return True

    def create_if_room(self) -> bool:
        """Make the reserve if the disk has :data:`RESUME_FACTOR` times its size free (with no
        reserve configured: whether the disk has any room at all)."""
        if self.present:
            return True
        free = free_bytes(self.path.parent)
        if self.size_bytes <= 0:
            return free > 0
        return free >= RESUME_FACTOR * self.size_bytes and self.create()

    def release(self) -> bool:
        """Delete the reserve so its space can take alarms; False if there was none."""
        if not self.present:
            return False
        try:
            self.path.unlink()
        except OSError as exc:
            logger.error("cannot delete the outbox's disk reserve %s: %s", self.path, exc)
            return False
        return True


def free_bytes(directory: Path) -> int:
    """Bytes an unprivileged writer may still use on the filesystem of ``directory``."""
    try:
        stat = os.statvfs(directory)
    except OSError:
        return 0
    return stat.f_bavail * stat.f_frsize


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
