"""The whole edge path against two real Mosquitto brokers: sensor → agent → outbox → cloud."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import pytest

from contracts import (
    AckBody,
    AckMessage,
    AckStatus,
    Envelope,
    EventBody,
    EventType,
    TopicKind,
    build_topic,
    decode_envelope,
    encode_envelope,
    new_message_id,
)
from contracts.config import MqttEndpoint, MqttProtocol
from edge_agent.agent import EdgeStage, run_agent
from edge_agent.config import EdgeSettings
from edge_agent.outbox.store import OutboxStore
from firmware_sim.scenarios import KITCHEN_FIRE, play_scenario
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt import SmokeSensorSim
from tests.edge_agent.conftest import BAND_ID, edge_settings
from tests.servers import MosquittoInstance
from tests.tasks import stop_task

pytestmark = pytest.mark.integration

EVENT_TOPIC = build_topic("org-demo", "gw-0001", TopicKind.EVENT)
ACK_TOPIC = build_topic("org-demo", "gw-0001", TopicKind.ACK)
STATUS_TOPIC = build_topic("org-demo", "gw-0001", TopicKind.STATUS)
READING_TOPIC = build_topic("org-demo", "gw-0001", TopicKind.READING)


class CloudSide:
    """A test client on the cloud broker: collects the gateway's events and can ack them."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.events: list[Envelope] = []
        self.status: list[Envelope] = []
        self.readings: list[Envelope] = []
        self.changed = asyncio.Event()

    async def collect(self) -> None:
        async for message in self.client.messages:
            assert isinstance(message.payload, bytes)
            envelope = decode_envelope(message.payload)
            if message.topic.matches(EVENT_TOPIC):
                self.events.append(envelope)
            elif message.topic.matches(READING_TOPIC):
                self.readings.append(envelope)
            elif message.topic.matches(STATUS_TOPIC):
                self.status.append(envelope)
            self.changed.set()

    async def wait_for(self, condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
        async with asyncio.timeout(timeout_s):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

    async def ack(self, *message_ids: str, status: AckStatus = AckStatus.STORED) -> None:
        now = datetime.now(UTC)
        ack = AckMessage(
            message_id=new_message_id(now),
            org_id="org-demo",
            gateway_id="gw-0001",
            cloud_time=now,
            body=AckBody(acked=[(message_id, status) for message_id in message_ids]),
        )
        await self.client.publish(ACK_TOPIC, encode_envelope(ack), qos=1)


@contextlib.asynccontextmanager
async def cloud_side(broker: MosquittoInstance) -> AsyncIterator[CloudSide]:
    async with aiomqtt.Client(broker.host, broker.port, identifier="test-cloud") as client:
        await client.subscribe(EVENT_TOPIC, qos=1)
        await client.subscribe(STATUS_TOPIC, qos=1)
        await client.subscribe(READING_TOPIC, qos=1)
        side = CloudSide(client)
        task = asyncio.create_task(side.collect())
        try:
            yield side
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def running_agent(
    settings: EdgeSettings, stages: list[tuple[EdgeStage, str]]
) -> AsyncIterator[None]:
    ready = asyncio.Event()
    task = asyncio.create_task(
        run_agent(settings, on_stage=lambda s, m: stages.append((s, m)), ready=ready)
    )
    try:
        await poll(lambda: ready.is_set() or task.done())
        if task.done():
            task.result()  # the agent died at start: show why
        yield
    finally:
        await stop_task(task)


def home_endpoint(home: MosquittoInstance) -> MqttEndpoint:
    return MqttEndpoint(host=home.host, port=home.port, protocol=MqttProtocol.V311)


def outbox_depth(path: Path) -> int:
    store = OutboxStore(path)
    try:
        return sum(store.depth().values())
    finally:
        store.close()


def fires(side: CloudSide) -> list[Envelope]:
    return [
        e for e in side.events if isinstance(e.body, EventBody) and e.body.type is EventType.FIRE
    ]


async def poll(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


async def test_kitchen_fire_reaches_the_cloud_and_the_ack_empties_the_outbox(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, cloud_broker)
    stages: list[tuple[EdgeStage, str]] = []
    async with cloud_side(cloud_broker) as cloud, running_agent(settings, stages):
        await cloud.wait_for(lambda: bool(cloud.status))
        assert cloud.status[-1].body.kind == "gateway_status"
        await play_scenario(KITCHEN_FIRE, home_endpoint(home_broker), time_scale=0.0)
        await cloud.wait_for(lambda: bool(fires(cloud)))
        fire = fires(cloud)[0]
        assert isinstance(fire.body, EventBody)
        assert (fire.org_id, fire.gateway_id, fire.home_id, fire.resident_id, fire.device_id) == (
            "org-demo",
            "gw-0001",
            "home-0001",
            "res-0001",
            "smoke-0001",
        )
        assert fire.body.severity.value == "critical"
        assert fire.body.evidence.values["battery_pct"] == 92
        assert (EdgeStage.EVENT_DETECTED, fire.message_id) in stages
        await poll(lambda: (EdgeStage.FORWARDED, fire.message_id) in stages)
        assert outbox_depth(settings.outbox_path) >= 1  # PUBACK alone does not remove it

        await cloud.ack(fire.message_id)
        await poll(lambda: (EdgeStage.ACKED, fire.message_id) in stages)
        await cloud.wait_for(lambda: len(cloud.readings) >= 2)  # normal state, then smoke
        await cloud.ack(*(r.message_id for r in cloud.readings), status=AckStatus.DUPLICATE)
        await poll(lambda: outbox_depth(settings.outbox_path) == 0)
        assert [s for s, _ in stages].count(EdgeStage.ACKED) == 3


async def test_without_an_ack_the_fire_is_resent_and_stays_in_the_outbox(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, cloud_broker, ack_timeout_s=0.3)
    stages: list[tuple[EdgeStage, str]] = []
    async with cloud_side(cloud_broker) as cloud, running_agent(settings, stages):
        await play_scenario(KITCHEN_FIRE, home_endpoint(home_broker), time_scale=0.0)
        await cloud.wait_for(lambda: len(fires(cloud)) >= 3)
        first, *again = fires(cloud)
        assert all(e.message_id == first.message_id for e in again)  # the same message, resent
        await poll(
            lambda: [s for s, m in stages if m == first.message_id].count(EdgeStage.FORWARDED) >= 3
        )
        assert EdgeStage.ACKED not in {s for s, _ in stages}
        assert outbox_depth(settings.outbox_path) == 3  # the fire and both readings


async def test_a_fire_queued_while_the_cloud_is_down_is_delivered_when_it_is_back(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, cloud_broker, cloud_protocol=MqttProtocol.V311)
    stages: list[tuple[EdgeStage, str]] = []
    async with running_agent(settings, stages):
        cloud_broker.stop()
        await play_scenario(KITCHEN_FIRE, home_endpoint(home_broker), time_scale=0.0)
        await poll(lambda: EdgeStage.EVENT_DETECTED in {s for s, _ in stages})
        fire_id = next(m for s, m in stages if s is EdgeStage.EVENT_DETECTED)
        await poll(lambda: (EdgeStage.QUEUED, fire_id) in stages)
        assert (EdgeStage.FORWARDED, fire_id) not in stages
        assert outbox_depth(settings.outbox_path) == 3

        cloud_broker.start()
        async with cloud_side(cloud_broker) as cloud:
            await cloud.wait_for(lambda: bool(fires(cloud)), timeout_s=15)
            assert fires(cloud)[0].message_id == fire_id
            await cloud.wait_for(lambda: len(cloud.readings) >= 2)
            await cloud.ack(fire_id, *(r.message_id for r in cloud.readings))
            await poll(lambda: outbox_depth(settings.outbox_path) == 0)


async def test_detector_state_survives_a_restart(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, cloud_broker)
    stages: list[tuple[EdgeStage, str]] = []
    async with running_agent(settings, stages):
        await play_scenario(KITCHEN_FIRE, home_endpoint(home_broker), time_scale=0.0)
        await poll(lambda: [s for s, _ in stages].count(EdgeStage.QUEUED) == 3)
    assert [s for s, _ in stages].count(EdgeStage.EVENT_DETECTED) == 1

    stages.clear()
    async with running_agent(settings, stages):
        # the sensor still reports smoke after the reboot: the fire is not raised again
        async with aiomqtt.Client(home_broker.host, home_broker.port) as client:
            await SmokeSensorSim("smoke_kitchen").publish_state(client, {"smoke": True})
        await poll(lambda: EdgeStage.QUEUED in {s for s, _ in stages})
    assert [s for s, _ in stages if s is not EdgeStage.FORWARDED] == [EdgeStage.QUEUED]


async def test_detector_state_is_checkpointed_without_events_too(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, cloud_broker, checkpoint_s=0.1)
    stages: list[tuple[EdgeStage, str]] = []
    band = WristbandSim(BAND_ID)

    def saved(name: str) -> dict[str, object] | None:
        store = OutboxStore(settings.outbox_path)
        try:
            return store.load_detector_state(name)
        finally:
            store.close()

    async with (
        running_agent(settings, stages),
        aiomqtt.Client(home_broker.host, home_broker.port) as client,
    ):
        await band.publish(client, band.status_topic, band.status_payload(hr=61))
        await poll(lambda: saved("edge.wristband_health/v1") is not None)
        first = saved("edge.wristband_health/v1")
        await asyncio.sleep(0.3)
        await band.publish(client, band.status_topic, band.status_payload(battery=40))
        await poll(lambda: saved("edge.wristband_health/v1") != first)
    assert EdgeStage.EVENT_DETECTED not in {s for s, _ in stages}  # nothing raised, yet saved
