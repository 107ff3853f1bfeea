"""The whole chain for the edge-side faults: real edge agents (``python -m edge_agent run``, each
its own gateway, home and resident) on one home Mosquitto, the cloud Mosquitto, an ingest worker
process, an alert router process and a webhook receiver that verifies signatures.

Homes share the home broker under their own Zigbee2MQTT and wristband base topics; each has one
smoke sensor (a fire raised and cleared per toggle: the alarm lane) and one wristband (status
reports: the telemetry lane).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import yaml

from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.store import migrate as migrate_ingest
from contracts.config import MqttEndpoint, MqttProtocol
from contracts.envelope import decode_envelope
from contracts.status import GatewayStatusBody
from contracts.topics import TopicKind, build_topic
from edge_agent.config import EdgeSettings
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt import SmokeSensorSim
from silverguard.benchmarks.ingest_servers import IngestWorker
from silverguard.sinks import WebhookReceiver
from tests.alerting.router_support import fleet_configs, router_process, wait_healthy
from tests.alerting.support import WEBHOOK_SECRET
from tests.edge_agent.outbox_support import outbox_rows
from tests.faults.checks import query_rows
from tests.servers import MosquittoInstance, free_port, mosquitto

ORG = "org-demo"
STEPS_AFTER_S = {"second_step_after_s": 3.0, "third_step_after_s": 3.0}
"""Escalation steps far enough apart that a loaded 2-core machine delivers one step's pages
before the next step's (the order the fault checks assert)."""
ALARM, TELEMETRY = 0, 1
"""The outbox's lanes (``edge_agent.outbox.store.OutboxLane``), as stored in its table."""


@dataclass
class EdgeHome:
    """One home: its gateway's ids, its outbox and its emulated devices."""

    index: int
    workdir: Path
    smoke: SmokeSensorSim = field(init=False)
    band: WristbandSim = field(init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.smoke = SmokeSensorSim("smoke_kitchen", base_topic=f"z2m-{self.index}")
        self.band = WristbandSim(f"band{self.index:04d}", base_topic=f"wb-{self.index}")

    @property
    def gateway_id(self) -> str:
        return f"gw-{self.index:04d}"

    @property
    def resident_id(self) -> str:
        return f"res-{self.index:04d}"

    @property
    def outbox(self) -> Path:
        return self.workdir / "outbox.db"

    def settings(self, home: MosquittoInstance, cloud_port: int, **overrides: Any) -> EdgeSettings:
        """The agent's settings (a short ack timeout, so a lost message is resent quickly)."""
        values: dict[str, Any] = {
            "org_id": ORG,
            "gateway_id": self.gateway_id,
            "home_id": f"home-{self.index:04d}",
            "resident_id": self.resident_id,
            "home_broker": MqttEndpoint(host=home.host, port=home.port, protocol=MqttProtocol.V311),
            "cloud_broker": MqttEndpoint(port=cloud_port, protocol=MqttProtocol.V5),
            "zigbee2mqtt": {
                "base_topic": f"z2m-{self.index}",
                "smoke_sensors": {"smoke_kitchen": f"smoke-{self.index:04d}"},
            },
            "wristbands": {
                "base_topic": f"wb-{self.index}",
                "bands": {self.band.band_id: f"band-{self.index:04d}"},
            },
            "outbox_path": self.outbox,
            "ack_timeout_s": 2.0,
            "forward_batch": 5,
            **overrides,
        }
        return EdgeSettings.model_validate(values)

    def write_config(self, home: MosquittoInstance, cloud_port: int, **overrides: Any) -> Path:
        path = self.workdir / "edge.yaml"
        data = self.settings(home, cloud_port, **overrides).model_dump(mode="json")
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    def alarms(self) -> list[str]:
        """The alarm lane's message ids waiting in the outbox, in send order."""
        return [mid for mid, lane in outbox_rows(self.outbox) if lane == ALARM]

    def telemetry(self) -> list[str]:
        return [mid for mid, lane in outbox_rows(self.outbox) if lane == TELEMETRY]


@contextlib.asynccontextmanager
async def edge_process(config: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    """``python -m edge_agent run`` (what the gateway's systemd unit runs), logging next to its
    config; stopped with SIGINT afterwards unless the test killed it. Waits happen in a thread:
    the webhook receiver shares the test's event loop, and a receiver that stalls gets pages
    again (the router retries after its timeout)."""
    log = (config.parent / "edge.log").open("ab")
    proc = subprocess.Popen(  # noqa: ASYNC220 (starting it does not wait)
        [sys.executable, "-m", "edge_agent", "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(proc.wait, 10)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait, 5)


def edge_log(home: EdgeHome, tail: int = 3000) -> str:
    """The agent's log (its last ``tail`` characters; 0 for all of it)."""
    path = home.workdir / "edge.log"
    return path.read_text(errors="replace")[-tail:] if path.exists() else ""


@dataclass
class CloudChain:
    """The cloud side, running."""

    broker: MosquittoInstance
    database_url: str
    worker: IngestWorker
    receiver: WebhookReceiver
    routers: list[subprocess.Popen[bytes]]

    def online(self) -> set[str]:
        """Gateways whose last stored status says online."""
        query = "select gateway_id from gateway_status where state = 'online'"
        return {row[0] for row in query_rows(self.database_url, query)}

    def assert_alive(self) -> None:
        assert self.worker.process.poll() is None, "the ingest worker died"
        assert all(r.poll() is None for r in self.routers), "an alert router died"


@contextlib.asynccontextmanager
async def cloud_chain(
    workdir: Path, database_url: str, residents: list[str]
) -> AsyncIterator[CloudChain]:
    """Cloud broker, one router process (fire escalation: everyone, then backup and team lead,
    then family, :data:`STEPS_AFTER_S` apart), the webhook receiver and an ingest worker."""
    migrate_ingest(database_url)
    migrate_alerting(database_url)
    with mosquitto(workdir / "cloud") as broker:
        async with (
            WebhookReceiver(WEBHOOK_SECRET.encode(), port=free_port()) as receiver,
            _router(workdir, database_url, receiver, residents) as router,
        ):
            config = {
                "database_url": database_url,
                "broker": {"host": "127.0.0.1", "port": broker.port, "protocol": "5"},
                "shared_group": "ingest",
                "migrate_on_start": False,
                # a killed gateway's offline event is raised at once, not up to 10 s later
                # (when the checks may already have found every page settled)
                "liveness": {"check_interval_s": 0.5},
            }
            worker = IngestWorker(config, workdir, "ingest")
            try:
                await asyncio.to_thread(worker.wait_subscribed)
                yield CloudChain(broker, database_url, worker, receiver, [router])
            finally:
                worker.stop()


@contextlib.asynccontextmanager
async def _router(
    workdir: Path, database_url: str, receiver: WebhookReceiver, residents: list[str]
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """A healthy router process."""
    configs, ports = fleet_configs(
        workdir, database_url, receiver, residents, routers=1, **STEPS_AFTER_S
    )
    with router_process(configs[0]) as router:
        await wait_healthy([router], ports)
        yield router


async def until(what: str, condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    """Poll ``condition`` every 20 ms; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_heard(client: aiomqtt.Client, home: EdgeHome) -> None:
    """Repeat the smoke sensor's idle state until the agent has queued something from it (its
    home subscription may not be up yet)."""
    deadline = time.monotonic() + 30
    before = len(outbox_rows(home.outbox))
    while len(outbox_rows(home.outbox)) <= before:
        assert time.monotonic() < deadline, f"agent {home.gateway_id} hears nothing:\n" + edge_log(
            home
        )
        await home.smoke.publish_state(client, {"smoke": False})
        await asyncio.sleep(0.2)


async def produce(
    home_broker: MosquittoInstance,
    homes: list[EdgeHome],
    *,
    toggles: int,
    readings: int,
    heard: bool = True,
) -> None:
    """Per home, ``toggles`` smoke on/off pairs (each a fire raised and cleared: two alarms,
    and two smoke readings) interleaved with wristband status reports (``readings`` of them).
    With ``heard``, first make sure each agent hears its devices (it queues their first
    message); pass False when the outbox cannot show that (its disk is full)."""
    async with aiomqtt.Client(home_broker.host, home_broker.port) as client:
        for home in homes:
            if heard:
                await wait_heard(client, home)
        for i in range(max(toggles, readings)):
            for home in homes:
                if i < toggles:
                    await home.smoke.publish_state(client, {"smoke": True})
                if i < readings:
                    payload = home.band.status_payload(hr=60 + i % 40)
                    await home.band.publish(client, home.band.status_topic, payload)
                if i < toggles:
                    await home.smoke.publish_state(client, {"smoke": False})


async def gateway_health(broker: MosquittoInstance, gateway_id: str) -> dict[str, Any]:
    """The reader health of the gateway's newest heartbeat (its retained status on the cloud
    broker, then the next one)."""
    topic = build_topic(ORG, gateway_id, TopicKind.STATUS)
    async with aiomqtt.Client(broker.host, broker.port) as client:
        await client.subscribe(topic, qos=1)
        seen = 0
        async with asyncio.timeout(30):
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                body = decode_envelope(message.payload).body
                seen += 1
                if seen >= 2 and isinstance(body, GatewayStatusBody) and body.readers:
                    return dict(body.readers)
    raise AssertionError(f"no heartbeat from {gateway_id}")
