"""Loopback ports for the demo's embedded servers (and the tests' real ones), and waiting
until a started server listens on one."""

from __future__ import annotations

import contextlib
import random
import socket
import subprocess
import time
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20000
"""Below this lie well-known and registered service ports (PostgreSQL, Mosquitto, Redis, …)."""


def _ephemeral_low(path: Path = _EPHEMERAL_RANGE) -> int:
    """The first port the kernel hands out for outgoing connections and ``bind(0)``.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
    ...     _ = f.write("32768\\t60999\\n"); f.flush()
    ...     _ephemeral_low(Path(f.name))
    32768
    >>> _ephemeral_low(Path("/nonexistent"))
    32768
    """
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(rng: random.Random | None = None) -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    Chosen at random below the kernel's ephemeral range, so that neither an outgoing
    connection's source port nor another process's ``bind(0)`` can take it between this call
    and the server's own bind (the race that made a test's Mosquitto fail with "Address
    already in use" on a busy machine). Falls back to ``bind(0)`` if that range is full.

    >>> port = free_port(random.Random(7))
    >>> _LOWEST <= port < _ephemeral_low()
    True
    """
    pick = rng or random.Random()  # noqa: S311 (a port, not a secret)
    high = _ephemeral_low()
    if high - _LOWEST > 100:
        for _ in range(64):
            port = pick.randrange(_LOWEST, high)
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        chosen: int = sock.getsockname()[1]
        return chosen


def wait_for_port(port: int, timeout_s: float, what: str, process: subprocess.Popen[bytes]) -> None:
    """Block until ``port`` on loopback accepts connections.

    Raises:
        RuntimeError: ``process`` exited or ``timeout_s`` passed first.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} on start")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout_s} s")
        time.sleep(0.05)
