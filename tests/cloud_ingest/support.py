"""Builders of test envelopes, and an MQTT gateway stand-in that publishes and collects acks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiomqtt

from cloud_ingest.config import IngestSettings, LivenessSettings, MetricsEndpoint, TsdbSettings
from cloud_ingest.consumer import run_ingest
from cloud_ingest.consumer.runtime import IngestRuntime
from contracts import (
    AckStatus,
    Envelope,
    EventBody,
    EventType,
    Evidence,
    GatewayState,
    GatewayStatusBody,
    MattressVitals,
    SmokeReading,
    TopicKind,
    build_topic,
    decode_ack,
    encode_envelope,
    new_message_id,
)
from contracts.clock import Clock
from contracts.config import MqttEndpoint, MqttProtocol
from tests.tasks import stop_task

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def event_envelope(org: str = "org-t", gw: str = "gw-1", *, at: datetime = NOW) -> Envelope:
    """A fire event from a kitchen smoke sensor."""
    return Envelope(
        message_id=new_message_id(at),
        org_id=org,
        gateway_id=gw,
        home_id="home-1",
        resident_id="res-1",
        device_id="smoke-kitchen",
        device_time=at,
        gateway_time=at,
        body=EventBody.of(EventType.FIRE, Evidence(summary="smoke detected")),
    )


def reading_envelope(org: str = "org-t", gw: str = "gw-1", *, at: datetime = NOW) -> Envelope:
    """A smoke sensor reading."""
    return Envelope(
        message_id=new_message_id(at),
        org_id=org,
        gateway_id=gw,
        device_id="smoke-kitchen",
        gateway_time=at,
        body=SmokeReading(smoke=False, battery_pct=88),
    )


def status_envelope(
    state: GatewayState, org: str = "org-t", gw: str = "gw-1", *, at: datetime = NOW
) -> Envelope:
    """A gateway birth or last will."""
    return Envelope(
        message_id=new_message_id(at),
        org_id=org,
        gateway_id=gw,
        gateway_time=at,
        body=GatewayStatusBody(state=state, agent_version="0.1.0"),
    )


def vitals_envelope(
    org: str = "org-t", gw: str = "gw-1", *, at: datetime = NOW, heart_rate_bpm: float = 61.5
) -> Envelope:
    """Mattress vitals of resident res-1 in bed bed-1."""
    return Envelope(
        message_id=new_message_id(at),
        org_id=org,
        gateway_id=gw,
        home_id="home-1",
        resident_id="res-1",
        device_id="bed-1",
        gateway_time=at,
        body=MattressVitals(in_bed=True, heart_rate_bpm=heart_rate_bpm, resp_rate_br_min=14.0),
    )


def ingest_settings(
    database_url: str,
    port: int,
    *,
    group: str | None,
    protocol: MqttProtocol = MqttProtocol.V5,
    migrate_on_start: bool = True,
    tsdb: TsdbSettings | None = None,
    metrics: MetricsEndpoint | None = None,
    liveness: LivenessSettings | None = None,
) -> IngestSettings:
    """Settings for a test worker on the loopback broker, reconnecting quickly."""
    return IngestSettings(
        database_url=database_url,
        broker=MqttEndpoint(host="127.0.0.1", port=port, protocol=protocol),
        shared_group=group,
        migrate_on_start=migrate_on_start,
        reconnect_initial_s=0.1,
        reconnect_max_s=0.5,
        tsdb=tsdb,
        metrics=metrics,
        liveness=liveness or LivenessSettings(),
    )


@contextlib.asynccontextmanager
async def running_ingest(
    settings: IngestSettings,
    *,
    clock: Clock | None = None,
    on_runtime: Callable[[IngestRuntime], None] | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``run_ingest`` until the block ends; fail if it is not subscribed within 15 s."""
    ready = asyncio.Event()
    task = asyncio.create_task(
        run_ingest(settings, clock=clock, ready=ready, on_runtime=on_runtime)
    )
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if not ready.is_set():
        waiter.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # re-raises the worker's own error, if it failed
        raise AssertionError("ingest did not subscribe within 15 s")
    try:
        yield task
    finally:
        await stop_task(task)


@dataclass
class GatewayStandIn:
    """Publishes like a gateway and collects the acks sent to it."""

    client: aiomqtt.Client
    org: str
    gw: str
    acks: list[tuple[str, AckStatus]] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def publish(self, kind: TopicKind, payload: bytes, *, retain: bool = False) -> None:
        """Publish QoS 1 on this gateway's topic of ``kind``."""
        await self.client.publish(
            build_topic(self.org, self.gw, kind), payload, qos=1, retain=retain
        )

    async def send(self, envelope: Envelope, kind: TopicKind | None = None) -> None:
        """Publish an envelope on the topic of its kind (or the one given)."""
        if kind is None:
            kind = {"event": TopicKind.EVENT, "gateway_status": TopicKind.STATUS}.get(
                envelope.body.kind, TopicKind.READING
            )
        await self.publish(kind, encode_envelope(envelope))

    async def collect(self) -> None:
        """Read acks until cancelled."""
        async for message in self.client.messages:
            assert isinstance(message.payload, bytes)
            ack = decode_ack(message.payload)
            assert (ack.org_id, ack.gateway_id) == (self.org, self.gw)
            self.acks.extend(ack.body.acked)
            self._arrived.set()

    async def wait_for_ack(self, message_id: str, timeout_s: float = 10.0) -> AckStatus:
        """The status of the first ack of ``message_id`` (fails after ``timeout_s``)."""
        async with asyncio.timeout(timeout_s):
            while True:
                for mid, status in self.acks:
                    if mid == message_id:
                        return status
                self._arrived.clear()
                await self._arrived.wait()

    async def wait_for_count(self, n: int, timeout_s: float = 15.0) -> None:
        """Wait until at least ``n`` acks have arrived."""
        async with asyncio.timeout(timeout_s):
            while len(self.acks) < n:
                self._arrived.clear()
                await self._arrived.wait()


@contextlib.asynccontextmanager
async def gateway(port: int, org: str, gw: str) -> AsyncIterator[GatewayStandIn]:
    """A connected gateway stand-in subscribed to its ack topic."""
    async with aiomqtt.Client("127.0.0.1", port, protocol=aiomqtt.ProtocolVersion.V5) as client:
        await client.subscribe(build_topic(org, gw, TopicKind.ACK), qos=1)
        stand_in = GatewayStandIn(client, org, gw)
        collector = asyncio.create_task(stand_in.collect())
        try:
            yield stand_in
        finally:
            collector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await collector
