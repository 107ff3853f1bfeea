"""Prometheus Alertmanager (Debian's ``prometheus-alertmanager``) run side by side with ours.

Starts the real binary on free loopback ports with clustering off, a route grouped per
resident, and one webhook receiver; alerts go in through its v2 API.

Example:
    >>> print(alertmanager_config("http://127.0.0.1:9/am", group_wait_s=0, group_interval_s=1))
    route:
      receiver: hook
      group_by: [resident]
      group_wait: 0s
      group_interval: 1s
      repeat_interval: 4h
    receivers:
    - name: hook
      webhook_configs:
      - url: http://127.0.0.1:9/am
        send_resolved: false
    <BLANKLINE>
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

from silverguard.ports import free_port

__all__ = [
    "ALERTMANAGER_BINARY",
    "AlertmanagerError",
    "alertmanager_config",
    "running_alertmanager",
]

ALERTMANAGER_BINARY = "prometheus-alertmanager"


class AlertmanagerError(RuntimeError):
    """Alertmanager is missing or did not start (the message says what to do)."""


def alertmanager_config(webhook_url: str, *, group_wait_s: float, group_interval_s: float) -> str:
    """A minimal Alertmanager configuration: one route per resident, one webhook."""
    return (
        "route:\n"
        "  receiver: hook\n"
        "  group_by: [resident]\n"
        f"  group_wait: {group_wait_s:g}s\n"
        f"  group_interval: {group_interval_s:g}s\n"
        "  repeat_interval: 4h\n"
        "receivers:\n"
        "- name: hook\n"
        "  webhook_configs:\n"
        f"  - url: {webhook_url}\n"
        "    send_resolved: false\n"
    )


def alertmanager_version() -> str:
    """The installed Alertmanager's version line."""
    binary = _binary()
    done = subprocess.run(  # noqa: S603 (our own argument list, no shell)
        [binary, "--version"], capture_output=True, text=True, check=False
    )
    return (done.stdout or done.stderr).splitlines()[0].strip()


def _binary() -> str:
    binary = shutil.which(ALERTMANAGER_BINARY)
    if binary is None:
        raise AlertmanagerError(
            f"{ALERTMANAGER_BINARY} is not installed: run `sudo apt-get install "
            "prometheus-alertmanager` (./scripts/test installs it)"
        )
    return binary


@contextlib.asynccontextmanager
async def running_alertmanager(
    webhook_url: str, *, group_wait_s: float, group_interval_s: float
) -> AsyncIterator[str]:
    """Run Alertmanager until the block ends; yields its base URL."""
    binary = _binary()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sg-am-") as tmp:
        config = Path(tmp) / "alertmanager.yml"
        config.write_text(
            alertmanager_config(
                webhook_url, group_wait_s=group_wait_s, group_interval_s=group_interval_s
            ),
            encoding="utf-8",
        )
        log_path = Path(tmp) / "alertmanager.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                binary,
                f"--config.file={config}",
                f"--storage.path={tmp}/data",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
                "--log.level=warn",
                stdout=log,
                stderr=log,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            await _wait_ready(base, process, log_path)
            yield base
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _wait_ready(base: str, process: asyncio.subprocess.Process, log_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if process.returncode is not None:
                tail = await asyncio.to_thread(log_path.read_text, errors="replace")
                raise AlertmanagerError(
                    f"Alertmanager exited with {process.returncode}: {tail[-500:]}"
                )
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{base}/-/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise AlertmanagerError(f"Alertmanager did not become ready at {base} within 10 s")


async def post_alert(client: httpx.AsyncClient, base: str, resident: str, kind: str) -> None:
    """Send one firing alert (labels alertname, resident) through the v2 API."""
    body = [
        {
            "labels": {"alertname": kind, "resident": resident, "severity": "critical"},
            "annotations": {"summary": f"{kind} for {resident}"},
            "startsAt": datetime.now(UTC).isoformat(),
        }
    ]
    response = await client.post(f"{base}/api/v2/alerts", json=body, timeout=10)
    if response.status_code != 200:
        raise AlertmanagerError(f"Alertmanager refused an alert: {response.status_code}")
