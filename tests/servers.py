"""Real servers for integration tests: a private Mosquitto, a throwaway PostgreSQL database and a
private VictoriaMetrics (the time-series server; it accepts the InfluxDB v2 write API).

A test that needs a server fails with a message saying how to get it; it never skips.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from silverguard.ports import free_port

__all__ = [
    "MosquittoInstance",
    "ServerUnavailableError",
    "VictoriaMetricsInstance",
    "free_port",
    "mosquitto",
    "throwaway_postgres_database",
    "victoria_metrics",
    "wait_for_port",
]

PG_ADMIN_URL_ENV = "SILVERGUARD_TEST_PG_ADMIN_URL"
PG_ADMIN_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


class ServerUnavailableError(RuntimeError):
    """A real server a test needs could not be started or reached."""


def wait_for_port(port: int, timeout_s: float = 10.0, host: str = "127.0.0.1") -> None:
    """Block until something accepts TCP connections on ``port``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise ServerUnavailableError(f"nothing listens on {host}:{port} after {timeout_s} s")


@dataclass
class MosquittoInstance:
    """A private Mosquitto broker on a free loopback port."""

    port: int
    workdir: Path
    extra_config: str = ""
    process: subprocess.Popen[bytes] | None = None
    full_config: Callable[[int, Path], str] | None = None
    """If set, the whole config from (port, workdir) instead of the test default + extra."""

    host: str = "127.0.0.1"

    def start(self) -> None:
        """Start (or restart) the broker and wait until it accepts connections."""
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise ServerUnavailableError(
                "mosquitto is not installed: run ./scripts/test (it installs it with apt)"
            )
        conf = self.workdir / "mosquitto.conf"
        if self.full_config is not None:
            conf.write_text(self.full_config(self.port, self.workdir))
        else:
            conf.write_text(self._default_config())
        self.process = subprocess.Popen([binary, "-c", str(conf)])
        try:
            wait_for_port(self.port)
        except ServerUnavailableError as exc:
            self.stop()
            log = (self.workdir / "mosquitto.log").read_text(errors="replace")[-2000:]
            raise ServerUnavailableError(f"mosquitto did not start: {exc}\n{log}") from exc

    def _default_config(self) -> str:
        return (
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence false\n"
            # as root, mosquitto would drop to user 'mosquitto', who cannot write our temp dir
            f"user {getpass.getuser()}\n"
            "max_queued_messages 100000\n"
            f"log_dest file {self.workdir / 'mosquitto.log'}\n" + self.extra_config
        )

    def stop(self) -> None:
        """Stop the broker."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@contextlib.contextmanager
def mosquitto(
    workdir: Path,
    extra_config: str = "",
    full_config: Callable[[int, Path], str] | None = None,
) -> Iterator[MosquittoInstance]:
    """Run a private Mosquitto, with its config and log in ``workdir``, for the block.

    ``full_config(port, workdir)``, if given, returns the whole config file (e.g. the production
    config from deploy/ with its paths and port rewritten) instead of the test default.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    instance = MosquittoInstance(
        port=free_port(), workdir=workdir, extra_config=extra_config, full_config=full_config
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@dataclass
class VictoriaMetricsInstance:
    """A private VictoriaMetrics on a free loopback port, storing in its own ``workdir``.

    Samples with the same series and timestamp are deduplicated (``-dedup.minScrapeInterval``),
    as InfluxDB overwrites a point written twice.
    """

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    host: str = "127.0.0.1"
    extra_args: tuple[str, ...] = ()
    """More command-line flags, e.g. ``-promscrape.config=FILE`` to scrape /metrics endpoints."""

    @property
    def url(self) -> str:
        """Base URL (also the InfluxDB v2 write API's)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start (or restart, on the same port and data) and wait until it accepts writes."""
        binary = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"
        if not Path(binary).exists():
            raise ServerUnavailableError(
                "victoria-metrics is not installed: run ./scripts/test (it installs it with apt)"
            )
        log = (self.workdir / "victoria-metrics.log").open("ab")
        self.process = subprocess.Popen(
            [
                binary,
                f"-storageDataPath={self.workdir / 'data'}",
                f"-httpListenAddr={self.host}:{self.port}",
                "-dedup.minScrapeInterval=1ms",
                "-retentionPeriod=100y",
                "-search.latencyOffset=0s",
                "-loggerLevel=ERROR",
                *self.extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            wait_for_port(self.port, timeout_s=20)
        except ServerUnavailableError as exc:
            self.stop()
            text = (self.workdir / "victoria-metrics.log").read_text(errors="replace")[-2000:]
            raise ServerUnavailableError(f"victoria-metrics did not start: {exc}\n{text}") from exc

    def stop(self) -> None:
        """Stop the server (its data stays in ``workdir``)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def export(self, match: str) -> list[dict[str, object]]:
        """Every stored sample of the series matching ``match`` (``/api/v1/export``)."""
        base = self.url
        with urllib.request.urlopen(f"{base}/internal/force_flush", timeout=10):
            pass
        query = urllib.parse.urlencode({"match[]": match})
        with urllib.request.urlopen(f"{base}/api/v1/export?{query}", timeout=10) as response:
            body = response.read().decode()
        return [json.loads(line) for line in body.splitlines() if line.strip()]


@contextlib.contextmanager
def victoria_metrics(
    workdir: Path, extra_args: tuple[str, ...] = ()
) -> Iterator[VictoriaMetricsInstance]:
    """Run a private VictoriaMetrics, with its data and log in ``workdir``, for the block
    (``extra_args``: more flags, such as a scrape config)."""
    workdir.mkdir(parents=True, exist_ok=True)
    instance = VictoriaMetricsInstance(port=free_port(), workdir=workdir, extra_args=extra_args)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@contextlib.contextmanager
def throwaway_postgres_database(template_url: str | None = None) -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its SQLAlchemy URL, then drop it.

    With ``template_url`` (another throwaway database's URL, with no open connections) the new
    database starts as a copy of it: a migrated and seeded template is copied far faster than
    it is built again.
    """
    admin_url = os.environ.get(PG_ADMIN_URL_ENV, PG_ADMIN_URL_DEFAULT)
    name = f"sg_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise ServerUnavailableError(
            f"PostgreSQL is not reachable at {admin_url}: {exc}. Run ./scripts/test (it installs "
            f"and starts PostgreSQL) or set {PG_ADMIN_URL_ENV}."
        ) from exc
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template_url is not None:
        template = sql.Identifier(template_url.rsplit("/", 1)[1])
        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), template)
    with admin:
        admin.execute(create)
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
