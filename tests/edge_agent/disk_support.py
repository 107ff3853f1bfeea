"""A tiny filesystem for outbox-disk-full tests: a tmpfs mounted on a temp dir (needs root, as
the fault suite's machine has), and a filler file that takes every free byte."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.servers import ServerUnavailableError


@contextlib.contextmanager
def tiny_filesystem(mountpoint: Path, size_kib: int) -> Iterator[Path]:
    """``mount -t tmpfs -o size=…`` on ``mountpoint`` for the block; unmounted afterwards."""
    mountpoint.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ServerUnavailableError(
            f"cannot mount a tmpfs on {mountpoint} ({result.stderr.strip()}): the disk-full "
            "tests need root (CI runs them as root)"
        )
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(path: Path) -> int:
    """Write ``path`` until the filesystem is full; returns the bytes written."""
    written = 0
    chunk = b"\0" * 4096
    with path.open("wb", buffering=0) as out:
        while True:
            try:
                written += out.write(chunk) or 0
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    return written


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize
