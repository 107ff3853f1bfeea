"""End-to-end delivery under failure: `silverguard edge run` as a real process, two real
Mosquitto brokers, and a cloud side that acks only what it has stored (as cloud_ingest does).

Every alarm must reach the cloud exactly once by message id (duplicates may arrive, with the
same id), first arrivals in lane order, alarms of a backlog before its telemetry — whether the
agent is SIGKILLed mid-backlog or the cloud broker is down for a while; a filled outbox sheds
telemetry and keeps every alarm.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
import yaml

from contracts import AckBody, AckMessage, AckStatus, TopicKind, build_topic, encode_envelope
from contracts.envelope import decode_envelope
from contracts.ids import new_message_id
from contracts.status import GatewayState, GatewayStatusBody
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt import SmokeSensorSim
from tests.edge_agent.conftest import BAND_ID, edge_settings
from tests.edge_agent.outbox_support import outbox_rows, shed_count
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration

GATEWAY = ("org-demo", "gw-0001")
TOGGLES = 30
"""Smoke on/off pairs: each raises and clears a fire (2 alarms) and gives 2 readings."""


@dataclass
class AckingCloud:
    """Subscribes like cloud_ingest, 'stores' each message, then acks it; survives restarts."""

    broker: MosquittoInstance
    arrivals: list[tuple[str, str]] = field(default_factory=list)
    """(topic kind, message id) in arrival order, duplicates included."""
    acked: set[str] = field(default_factory=set)
    states: list[GatewayState] = field(default_factory=list)
    acking: bool = True
    ack_limit: int | None = None
    """Stop acking after this many (to leave a backlog mid-drain)."""

    def first_arrivals(self, kind: str) -> list[str]:
        return list(dict.fromkeys(mid for k, mid in self.arrivals if k == kind))

    async def run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client(
                    self.broker.host, self.broker.port, identifier="test-cloud-ingest"
                ) as client:
                    for kind in (TopicKind.EVENT, TopicKind.READING, TopicKind.STATUS):
                        await client.subscribe(build_topic(*GATEWAY, kind), qos=1)
                    async for message in client.messages:
                        await self._handle(client, message)
            except aiomqtt.MqttError:
                await asyncio.sleep(0.2)

    async def _handle(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        assert isinstance(message.payload, bytes)
        envelope = decode_envelope(message.payload)
        if isinstance(envelope.body, GatewayStatusBody):
            self.states.append(envelope.body.state)
            return
        kind = message.topic.value.rsplit("/", 1)[1]
        self.arrivals.append((kind, envelope.message_id))
        while not self.acking or (self.ack_limit is not None and len(self.acked) >= self.ack_limit):
            await asyncio.sleep(0.05)
        self.acked.add(envelope.message_id)
        now = datetime.now(UTC)
        ack = AckMessage(
            message_id=new_message_id(now),
            org_id=GATEWAY[0],
            gateway_id=GATEWAY[1],
            cloud_time=now,
            body=AckBody(acked=[(envelope.message_id, AckStatus.STORED)]),
        )
        await client.publish(build_topic(*GATEWAY, TopicKind.ACK), encode_envelope(ack), qos=1)


@contextlib.asynccontextmanager
async def acking_cloud(broker: MosquittoInstance) -> AsyncIterator[AckingCloud]:
    cloud = AckingCloud(broker)
    task = asyncio.create_task(cloud.run())
    try:
        yield cloud
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.contextmanager
def edge_run(config: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``silverguard edge run --config`` as a child process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "silverguard", "edge", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.communicate(timeout=10)


async def until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.05)


def write_config(
    tmp_path: Path, home: MosquittoInstance, cloud: MosquittoInstance, **kw: Any
) -> Path:
    settings = edge_settings(tmp_path, home, cloud, ack_timeout_s=2.0, **kw)
    path = tmp_path / "edge.yaml"
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
    return path


async def make_backlog(home: MosquittoInstance, outbox: Path) -> None:
    """Smoke toggles (fire raised/cleared: alarms) and wristband status (telemetry)."""
    smoke = SmokeSensorSim("smoke_kitchen")
    band = WristbandSim(BAND_ID)
    async with aiomqtt.Client(home.host, home.port) as client:
        # the agent's subscription may not be up yet: repeat until it hears the sensor
        async with asyncio.timeout(20):
            while not outbox_rows(outbox):
                await smoke.publish_state(client, {"smoke": False})
                await asyncio.sleep(0.2)
        for i in range(TOGGLES):
            await smoke.publish_state(client, {"smoke": True})
            await band.publish(client, band.status_topic, band.status_payload(hr=60 + i))
            await smoke.publish_state(client, {"smoke": False})
    await until(lambda: sum(lane == 0 for _, lane in outbox_rows(outbox)) >= 2 * TOGGLES)


def alarm_ids(outbox: Path) -> list[str]:
    return [mid for mid, lane in outbox_rows(outbox) if lane == 0]


async def test_sigkill_mid_backlog_loses_no_alarm_and_keeps_lane_order(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    config = write_config(tmp_path, home_broker, cloud_broker, forward_batch=5)
    outbox = tmp_path / "outbox.db"
    async with acking_cloud(cloud_broker) as cloud:
        cloud.acking = False  # the cloud receives but does not confirm yet: a backlog builds
        with edge_run(config) as first:
            await until(lambda: GatewayState.ONLINE in cloud.states, timeout_s=60)
            await make_backlog(home_broker, outbox)
            expected = alarm_ids(outbox)
            assert len(expected) == 2 * TOGGLES
            telemetry = [mid for mid, lane in outbox_rows(outbox) if lane == 1]
            cloud.ack_limit = len(expected) // 3
            cloud.acking = True
            await until(lambda: len(cloud.acked) >= len(expected) // 3)
            first.kill()  # SIGKILL, mid-backlog
            first.wait(timeout=10)
        assert alarm_ids(outbox), "the kill came too late to test anything"
        cloud.ack_limit = None
        with edge_run(config):
            await until(lambda: not outbox_rows(outbox), timeout_s=60)
    received = cloud.first_arrivals("event")
    assert sorted(received) == sorted(expected)  # every alarm, and nothing else
    assert received == expected  # first arrivals in lane order
    assert set(cloud.first_arrivals("reading")) == set(telemetry)
    assert cloud.acked >= set(expected) | set(telemetry)


async def test_cloud_broker_down_for_a_while_sheds_telemetry_and_keeps_every_alarm(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    config = write_config(tmp_path, home_broker, cloud_broker, outbox_limits={"max_messages": 100})
    outbox = tmp_path / "outbox.db"
    async with acking_cloud(cloud_broker) as cloud:
        with edge_run(config) as agent:
            await until(lambda: GatewayState.ONLINE in cloud.states, timeout_s=60)
            cloud_broker.stop()
            await make_backlog(home_broker, outbox)
            expected = alarm_ids(outbox)
            assert len(expected) == 2 * TOGGLES
            assert len(outbox_rows(outbox)) == 100  # bounded: the oldest telemetry went
            # 2 * TOGGLES alarms + at least 3 * TOGGLES readings were stored, 100 kept
            assert shed_count(outbox) >= 5 * TOGGLES - 100
            kept_telemetry = [mid for mid, lane in outbox_rows(outbox) if lane == 1]
            await asyncio.sleep(2)  # down for a while longer
            cloud_broker.start()
            await until(lambda: not outbox_rows(outbox), timeout_s=60)
            assert agent.poll() is None
    events = cloud.first_arrivals("event")
    assert events == expected  # all of them, once each by id, in lane order
    readings = cloud.first_arrivals("reading")
    assert set(readings) == set(kept_telemetry)
    # a backlog drains alarms first: every alarm arrived before any of that telemetry
    order = [mid for _, mid in cloud.arrivals]
    assert max(order.index(mid) for mid in events) < min(order.index(mid) for mid in readings)
