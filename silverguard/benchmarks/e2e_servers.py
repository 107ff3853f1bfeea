"""Servers of ``silverguard bench e2e`` beyond the ingest bench's: a private VictoriaMetrics and
``silverguard alerting run`` as a process (the ingest workers and Mosquitto come from
:mod:`silverguard.benchmarks.ingest_servers`). Each says what to do when it cannot start."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from silverguard.ports import free_port, wait_for_port

__all__ = ["RouterProcess", "running_victoria_metrics", "victoria_metrics_bytes"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_victoria_metrics(workdir: Path) -> Iterator[tuple[str, int]]:
    """A private VictoriaMetrics storing in ``workdir``; yields its base URL and PID.

    Raises:
        RuntimeError: the binary is missing or the server did not start (with its log's tail).
    """
    binary = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"
    if not Path(binary).exists():
        raise RuntimeError(
            "victoria-metrics is not installed: run ./scripts/test (it installs it with apt)"
        )
    port = free_port()
    log_path = workdir / "victoria-metrics.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 (Debian's victoria-metrics)
            [
                binary,
                f"-storageDataPath={workdir / 'vm-data'}",
                f"-httpListenAddr=127.0.0.1:{port}",
                "-loggerLevel=ERROR",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        try:
            wait_for_port(port, 20, "victoria-metrics", process)
        except RuntimeError as exc:
            tail = log_path.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{exc}; its log:\n{tail}") from exc
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        _stop(process)


def victoria_metrics_bytes(base_url: str, workdir: Path) -> int:
    """Bytes VictoriaMetrics keeps on disk, after flushing what it holds in memory."""
    with urllib.request.urlopen(f"{base_url}/internal/force_flush", timeout=10):  # noqa: S310
        pass
    data = workdir / "vm-data"
    return sum(f.stat().st_size for f in data.rglob("*") if f.is_file())


class RouterProcess:
    """``silverguard alerting run`` in its own process, from a settings mapping.

    The secrets its settings name by environment variable are passed on from this process.
    """

    def __init__(self, settings: dict[str, Any], workdir: Path, name: str = "router") -> None:
        self.api_port = int(settings["api"]["port"])
        config = workdir / f"{name}.yaml"
        config.write_text(yaml.safe_dump(settings), encoding="utf-8")
        self.log = workdir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and config)
                [sys.executable, "-m", "silverguard", "alerting", "run", "--config", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "COLUMNS": "200"},
            )

    @property
    def pid(self) -> int:
        """The router's process id."""
        return self.process.pid

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        """Block until ``GET /healthz`` answers 200.

        Raises:
            RuntimeError: the router exited or did not answer in time (with its log's tail).
        """
        deadline = time.monotonic() + timeout_s
        url = f"http://127.0.0.1:{self.api_port}/healthz"
        while True:
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(url, timeout=1) as response,
            ):
                if response.status == 200:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-1500:]
                raise RuntimeError(f"the alert router did not start:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Terminate (then kill) the router."""
        _stop(self.process)
