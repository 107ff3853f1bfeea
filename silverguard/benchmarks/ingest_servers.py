"""Servers of ``silverguard bench ingest``: a private Mosquitto, a throwaway PostgreSQL database
and ``silverguard ingest run`` worker processes (each with its own metrics port)."""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import yaml
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql

from cloud_ingest.metrics import MESSAGES_STORED
from silverguard.ports import free_port, wait_for_port

__all__ = [
    "PG_ADMIN_URL_ENV",
    "IngestWorker",
    "running_mosquitto",
    "running_mosquitto_process",
    "throwaway_database",
]

PG_ADMIN_URL_ENV = "SILVERGUARD_TEST_PG_ADMIN_URL"


class IngestWorker:
    """One ``silverguard ingest run`` process with its own metrics port."""

    def __init__(self, config: dict[str, Any], workdir: Path, name: str) -> None:
        self.metrics_port = free_port()
        path = workdir / f"{name}.yaml"
        config = {**config, "metrics": {"host": "127.0.0.1", "port": self.metrics_port}}
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.log = workdir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and config)
                [sys.executable, "-m", "silverguard", "ingest", "run", "--config", str(path)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "COLUMNS": "200"},
            )

    def wait_subscribed(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while "subscribed at" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-1500:]
                raise RuntimeError(f"an ingest worker did not start:\n{tail}")
            time.sleep(0.1)

    def stored(self) -> int:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        return int(
            sum(
                s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
                if s.name == f"{MESSAGES_STORED}_total" and s.labels.get("status") == "stored"
            )
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running_mosquitto(workdir: Path) -> Iterator[int]:
    """A private Mosquitto on a free loopback port; yields the port."""
    with running_mosquitto_process(workdir) as (port, _pid):
        yield port


@contextlib.contextmanager
def running_mosquitto_process(workdir: Path) -> Iterator[tuple[int, int]]:
    """A private Mosquitto on a free loopback port; yields its port and PID."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        raise RuntimeError("mosquitto is not installed: run ./scripts/test (it installs it)")
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"user {getpass.getuser()}\nmax_queued_messages 1000000\n"
        # as deploy/mosquitto/silverguard.conf: QoS 1 messages in flight to one client (the
        # default 20 caps a subscriber at 20 per round trip, which a busy machine stretches)
        "max_inflight_messages 100\n"
        f"log_dest file {workdir / 'mosquitto.log'}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen([binary, "-c", str(conf)])  # noqa: S603 (Debian's mosquitto)
    try:
        wait_for_port(port, 10, f"mosquitto (log: {workdir / 'mosquitto.log'})", process)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    name = f"sg_bench_{secrets.token_hex(5)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {admin_url}: {exc}. Start it (./scripts/test "
            f"does) or pass --pg-admin-url / set {PG_ADMIN_URL_ENV}."
        ) from exc
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
