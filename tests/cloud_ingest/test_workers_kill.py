"""Two ingest workers (``silverguard ingest run`` processes) share a load from real edge
forwarders over Mosquitto into PostgreSQL; one is SIGKILLed mid-load. The gateways' outboxes
resend what was not acked, and in the end every message is stored exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from cloud_ingest.metrics import MESSAGES_STORED
from cloud_ingest.store import EventRow, ReadingRow, migrate
from cloud_ingest.store.engine import make_engine
from contracts.clock import SystemClock
from contracts.config import MqttEndpoint
from contracts.envelope import Envelope
from edge_agent.config import EdgeSettings
from edge_agent.outbox.store import OutboxLane, OutboxStore
from edge_agent.uplink.forwarder import CloudForwarder
from silverguard.ports import free_port
from tests.cloud_ingest.support import event_envelope, vitals_envelope
from tests.servers import MosquittoInstance, wait_for_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PER_GATEWAY = 1500
GATEWAYS = ("gw-1", "gw-2")


class Worker:
    """One ``silverguard ingest run`` process with its own metrics port and log."""

    def __init__(self, config: dict[str, object], workdir: Path, name: str) -> None:
        self.metrics_port = free_port()
        config = {**config, "metrics": {"host": "127.0.0.1", "port": self.metrics_port}}
        path = workdir / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config))
        self.log = workdir / f"{name}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "silverguard", "ingest", "run", "--config", str(path)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "COLUMNS": "200"},
            )

    def wait_subscribed(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while "subscribed at" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker did not subscribe:\n{self.log.read_text()}")
            time.sleep(0.1)
        wait_for_port(self.metrics_port)

    def stored(self) -> float:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == f"{MESSAGES_STORED}_total" and sample.labels["status"] == "stored"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def workers(
    mosquitto_broker: MosquittoInstance, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[Worker, Worker]]:
    """Two workers in one shared-subscription group, subscribed."""
    migrate(postgres_url)
    config: dict[str, object] = {
        "database_url": postgres_url,
        "broker": {"host": "127.0.0.1", "port": mosquitto_broker.port, "protocol": "5"},
        "shared_group": f"kill-{secrets.token_hex(4)}",
        "reconnect_initial_s": 0.1,
        "reconnect_max_s": 0.5,
        "batch_max": 200,
    }
    pair = (Worker(config, tmp_path, "worker-a"), Worker(config, tmp_path, "worker-b"))
    try:
        for worker in pair:
            worker.wait_subscribed()
        yield pair
    finally:
        for worker in pair:
            worker.stop()


def _stored_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            events = conn.execute(select(func.count()).select_from(EventRow)).scalar_one()
            readings = conn.execute(select(func.count()).select_from(ReadingRow)).scalar_one()
    finally:
        engine.dispose()
    return int(events) + int(readings)


def _stored_ids(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ids = list(conn.execute(select(EventRow.message_id)).scalars())
            ids += list(conn.execute(select(ReadingRow.message_id)).scalars())
    finally:
        engine.dispose()
    return ids


def _gateway_load(org: str, gateway_id: str) -> list[tuple[Envelope, OutboxLane]]:
    start = datetime.now(UTC)
    load: list[tuple[Envelope, OutboxLane]] = []
    for i in range(PER_GATEWAY):
        at = start + timedelta(milliseconds=i)
        if i % 10 == 0:
            load.append((event_envelope(org, gateway_id, at=at), OutboxLane.ALARM))
        else:
            load.append((vitals_envelope(org, gateway_id, at=at), OutboxLane.TELEMETRY))
    return load


async def test_sigkill_of_one_worker_mid_load_loses_nothing_and_doubles_nothing(
    workers: tuple[Worker, Worker],
    mosquitto_broker: MosquittoInstance,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    victim, survivor = workers
    org = f"org-{secrets.token_hex(4)}"
    outboxes: list[OutboxStore] = []
    forwarders: list[CloudForwarder] = []
    sent: list[str] = []
    for gateway_id in GATEWAYS:
        settings = EdgeSettings(
            org_id=org,
            gateway_id=gateway_id,
            home_id="home-1",
            resident_id="res-1",
            home_broker=MqttEndpoint(port=1),  # not used: no home devices here
            cloud_broker=MqttEndpoint(host="127.0.0.1", port=mosquitto_broker.port),
            outbox_path=tmp_path / f"{gateway_id}.db",
            ack_timeout_s=2.0,
        )
        outbox = OutboxStore(settings.outbox_path, ack_timeout_s=settings.ack_timeout_s)
        load = _gateway_load(org, gateway_id)
        outbox.put_with_state(load)
        sent += [envelope.message_id for envelope, _ in load]
        outboxes.append(outbox)
        forwarders.append(CloudForwarder(settings, outbox, SystemClock()))
    total = len(sent)
    assert sum(sum(o.depth().values()) for o in outboxes) == total
    tasks = [asyncio.create_task(f.run()) for f in forwarders]
    try:
        # Kill only once the victim has provably stored a share of its own (its metric counts
        # committed rows), so "both workers took a share" does not depend on scheduling.
        async with asyncio.timeout(60):
            by_victim = 0.0
            while by_victim == 0 or _stored_count(postgres_url) < total // 10:
                await asyncio.sleep(0.02)
                by_victim = await asyncio.to_thread(victim.stored)
        os.kill(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        at_kill = _stored_count(postgres_url)
        assert at_kill < total, "the load was over before the kill: make it bigger"
        async with asyncio.timeout(90):
            while sum(sum(o.depth().values()) for o in outboxes):
                await asyncio.sleep(0.2)
        by_survivor = await asyncio.to_thread(survivor.stored)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for outbox in outboxes:
            outbox.close()
    ids = _stored_ids(postgres_url)
    assert len(ids) == total  # none stored twice
    assert set(ids) == set(sent)  # none lost
    assert by_victim > 0  # both workers took a share
    assert by_survivor > 0
